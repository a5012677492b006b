// Package sdk is all the author of a format plugin imports: a plugin's
// main is one call to [Serve] with a value that implements core.Format.
//
//	package main
//
//	import (
//		"example.com/myformat"
//		"github.com/concil-go/ocispec/plugins/sdk"
//	)
//
//	func main() { sdk.Serve(myformat.Format) }
//
// Build it with go build and give the binary to a host (a program that
// calls plugins.Load or plugins.LoadDir); run on its own, it explains
// that it is a plugin and exits.
//
// The format's description (core.Description: its name, media types,
// kind table, the config media types it claims manifests by) is asked
// once when the plugin starts; encode, decode and, when the description
// says Detects, detect are called per document, possibly concurrently,
// under the host's deadline. A format with an index media type also
// serves indexes. Most formats are a core.NewFormat of one
// core.FormatSpec. A panic inside a call becomes an error
// for the host and the plugin keeps serving. Nothing may be written to
// standard output before Serve is called (it would break the handshake
// with the host); the SDK itself never writes there. Logs written to
// standard error reach the host's logger.
//
// Package [github.com/concil-go/ocispec/plugins/sdk/sdktest] runs the
// format conformance suite through the real plugin path.
package sdk
