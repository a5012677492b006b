// Package plugins loads manifest formats from plugin binaries, so that a
// program built on this module picks up new formats without being
// rebuilt. A plugin is an executable serving one core.Format over gRPC
// (HashiCorp go-plugin's process model); its author writes a core.Format
// and a main that calls sdk.Serve (package
// github.com/concil-go/ocispec/plugins/sdk).
//
//	p, err := plugins.Load(ctx, "/usr/lib/ocispec/plugins/helm")
//	if err != nil {
//		return err
//	}
//	defer p.Close()
//	m, f, err := core.DecodeManifest(chartManifest) // f is the plugin's format
//
// [Load] starts one binary, [LoadDir] every binary of a folder (by default
// the one named by $OCISPEC_PLUGIN_DIR). Each plugin's format is
// registered in core.Default, or in the registry given with
// [WithRegistry], and is also [Plugin.Format].
//
// What a plugin says about its format (name, media types, kind table,
// capabilities) is asked once at load, checked, and cached: lookups of
// kinds and media types never cross the process boundary and cost what
// they cost on a built-in format. Only EncodeManifest, DecodeManifest,
// the index calls and Detect call the plugin, each within a deadline
// ([WithCallTimeout]).
//
// Plugins are untrusted. Their description is checked (RFC 6838 media
// types, a valid name, no media type of a built-in or already registered
// format), and so is every answer: decoded manifests are validated like
// any untrusted document, every digest returned must be written in the
// document, encoded documents must be JSON holding every digest given.
// Failures are *[Error] values naming the plugin and wrapping a sentinel
// of this package ([ErrCrashed], [ErrTimeout], [ErrInvalidAnswer], ...)
// or, for a format's own refusals, core's ([core.ErrInvalidDocument]).
//
// A plugin that crashes or hangs fails the call it was serving, within
// the deadline, and is started again on a later call, after a back-off
// that grows while it keeps failing ([WithRestartBackoff]); other plugins
// are not affected. [Plugin.Close] stops the process and waits for it;
// on Linux a plugin also dies with its host (the parent-death signal).
// A binary can be pinned to a digest ([WithChecksum]).
//
// The protocol is documented in plugins/internal/formatpb/format.proto,
// for plugins written in other languages.
package plugins
