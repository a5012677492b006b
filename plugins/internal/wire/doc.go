// Package wire is the glue shared by the plugin host (package plugins)
// and the plugin SDK (package plugins/sdk): go-plugin's handshake, the
// plugin set, conversions between core's values and the protocol's
// messages, the mapping of errors to the protocol's codes, and the
// server that serves a core.Format.
//
// Nothing here is public API; the protocol itself is documented in
// plugins/internal/formatpb/format.proto.
package wire
