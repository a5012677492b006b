package plugins

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error of this package is an [*Error] naming the
// plugin and the operation, wrapping one of these (test with errors.Is);
// failures the plugin's format reports (an invalid document, say) wrap
// core's sentinels instead, as the same format in process would.
var (
	// ErrNotExecutable: the path is not a regular file with an execute
	// bit, or the system refused to run it.
	ErrNotExecutable = errors.New("plugins: not an executable plugin")
	// ErrHandshake: the plugin did not start go-plugin's handshake (it
	// wrote something else to standard output first, or is not a plugin).
	ErrHandshake = errors.New("plugins: handshake failed")
	// ErrIncompatible: the plugin speaks another version of the protocol
	// (or of go-plugin's, or net/rpc), or does not answer its calls.
	ErrIncompatible = errors.New("plugins: incompatible plugin protocol version")
	// ErrStartTimeout: the plugin did not finish its handshake in time.
	ErrStartTimeout = errors.New("plugins: plugin did not start in time")
	// ErrExited: the plugin process exited (or closed its standard
	// output) during start-up.
	ErrExited = errors.New("plugins: plugin exited during start-up")
	// ErrCrashed: the plugin process died during a call; it is started
	// again on a later call.
	ErrCrashed = errors.New("plugins: plugin process died")
	// ErrTimeout: the plugin did not answer within the call's deadline
	// (the caller's or the call timeout); a call left unanswered for the
	// call timeout gets the process stopped, and the next call starts
	// another (see [WithCallTimeout]).
	ErrTimeout = errors.New("plugins: plugin call deadline exceeded")
	// ErrPanic: the plugin's format panicked in a call (the plugin goes on
	// serving).
	ErrPanic = errors.New("plugins: plugin panicked")
	// ErrInvalidAnswer: the plugin answered with something that breaks
	// the protocol or the image-spec rules (a bad media type or digest, a
	// document that is not JSON, a digest that is not in the document).
	ErrInvalidAnswer = errors.New("plugins: invalid answer from plugin")
	// ErrClaimedMediaType: the plugin's kind table claims a media type of
	// a built-in or already registered format.
	ErrClaimedMediaType = errors.New("plugins: media type belongs to another format")
	// ErrBackoff: the plugin failed recently and is not started again
	// before its back-off delay, which ends after the call's deadline.
	ErrBackoff = errors.New("plugins: plugin restart delayed after failures")
	// ErrClosed: the plugin was closed.
	ErrClosed = errors.New("plugins: plugin closed")
	// ErrFailed: any other failure of the plugin process or of the
	// connection to it.
	ErrFailed = errors.New("plugins: plugin call failed")
)

// Error is an error of one plugin: Plugin is its format name once known
// (empty before its description was read), Path the binary's path, Op
// what the host was doing ("load", "start", "register", "restart",
// "DecodeManifest", ...).
type Error struct {
	Plugin string
	Path   string
	Op     string
	Err    error
}

func (e *Error) Error() string {
	who := e.Path
	if e.Plugin != "" && e.Plugin != e.Path {
		who = fmt.Sprintf("%s (%s)", e.Plugin, e.Path)
	}
	return fmt.Sprintf("plugin %s: %s: %v", who, e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
