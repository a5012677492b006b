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
//	m, f, err := core.DecodeManifest(ctx, chartManifest) // f is the plugin's format
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
// What the host promises about processes, time and cancellation:
//
//   - Each plugin runs in a process group of its own (on Unix), and the
//     host kills the whole group: when the plugin's main process exits
//     (on Linux, before it is reaped), when its start-up fails, times out
//     or is cancelled, when it is restarted after a crash or a hang, and
//     on [Plugin.Close]. A process the plugin started cannot keep its
//     pipes open and the host waiting: a script whose child lives on
//     costs the host nothing. A terminal's Ctrl-C reaches the host only;
//     the host decides, through its context.
//   - Start-up is bounded by the start timeout ([WithStartTimeout]) and
//     by the caller's context: [Load] and [LoadDir] return as soon as
//     either ends, with [ErrStartTimeout] (wrapping
//     context.DeadlineExceeded for the caller's deadline) or an error
//     wrapping context.Canceled. Close ends a restart in progress.
//   - Every call waits under the caller's context: cancelled, it returns
//     at once with an error wrapping context.Canceled; past its deadline,
//     with [ErrTimeout] wrapping context.DeadlineExceeded. The plugin
//     stays usable either way. A call the plugin leaves unanswered for
//     the call timeout ([WithCallTimeout]) costs that one timeout: the
//     process is stopped then, whatever deadline the caller chose, and
//     the next call starts another.
//   - A plugin that crashes fails the call it was serving and is started
//     again on a later call, after a back-off that grows while it keeps
//     failing ([WithRestartBackoff]); a start the caller gave up on does
//     not count. Other plugins are not affected.
//   - Close ends the calls in flight with [ErrClosed] and returns once
//     the processes are gone. On Linux a plugin's main process also dies
//     with its host (the parent-death signal); processes it started
//     outlive a host that is killed outright, though not one that closes
//     its plugins.
//   - Why a start failed is told from what the host saw of the process
//     (the exec error, its first line on standard output, the end of that
//     output), never from the wording of go-plugin's errors.
//
// A binary can be pinned to a digest ([WithChecksum]).
//
// The protocol is documented in plugins/internal/formatpb/format.proto,
// for plugins written in other languages.
package plugins
