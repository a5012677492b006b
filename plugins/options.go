package plugins

import (
	"log/slog"
	"time"

	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
)

// EnvPluginDir names the environment variable that gives [LoadDir] its
// folder when it is called with "".
const EnvPluginDir = "OCISPEC_PLUGIN_DIR"

// Defaults of the options.
const (
	DefaultStartTimeout   = 10 * time.Second
	DefaultCallTimeout    = 10 * time.Second
	DefaultRestartBackoff = 50 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
)

// Option changes how [Load] and [LoadDir] start and use plugins.
type Option func(*options)

type options struct {
	registry     *core.Registry // nil: register nowhere
	algorithms   *core.Algorithms
	checksum     digest.Digest
	checksums    map[string]digest.Digest
	startTimeout time.Duration
	callTimeout  time.Duration
	logger       *slog.Logger
	backoff      time.Duration
	maxBackoff   time.Duration
	autoMTLS     bool
}

func buildOptions(opts []Option) options {
	o := options{
		registry:     core.Default,
		algorithms:   core.DefaultAlgorithms,
		startTimeout: DefaultStartTimeout,
		callTimeout:  DefaultCallTimeout,
		backoff:      DefaultRestartBackoff,
		maxBackoff:   DefaultMaxBackoff,
	}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// WithRegistry registers each loaded plugin's format in r (default
// core.Default; nil keeps the default) and checks its claims, its
// answers and its binary's checksum with r's formats and algorithms
// only. [Plugin.Close] unregisters the format.
func WithRegistry(r *core.Registry) Option {
	return func(o *options) {
		if r != nil {
			o.registry, o.algorithms = r, r.Algorithms()
		}
	}
}

// WithoutRegistration loads plugins without registering their formats
// anywhere (their claims are checked against the built-in document
// types only); use [Plugin.Format] directly.
func WithoutRegistration() Option {
	return func(o *options) { o.registry = nil }
}

// WithChecksum makes Load refuse a binary whose digest is not d (sha256
// or sha512, or an algorithm of the registry's), with an error
// wrapping *core.DigestMismatchError. The binary is checked before every
// start, the first and every restart, so a binary replaced later is not
// run. With LoadDir it applies to every binary of the folder; see
// [WithChecksums].
func WithChecksum(d digest.Digest) Option {
	return func(o *options) { o.checksum = d }
}

// WithChecksums gives LoadDir the digest of each binary, by file name; a
// binary of the folder that has no entry is refused (an allow list).
func WithChecksums(byName map[string]digest.Digest) Option {
	return func(o *options) { o.checksums = byName }
}

// WithStartTimeout bounds a plugin's start-up, from starting the process
// to the end of its handshake (default [DefaultStartTimeout]); past it
// the start fails with [ErrStartTimeout] and the plugin's process group
// is killed. A context deadline that comes sooner, a cancellation or
// [Plugin.Close] end it too, as promptly.
func WithStartTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.startTimeout = d
		}
	}
}

// WithCallTimeout bounds every call to a plugin (default
// [DefaultCallTimeout]), the restart of a crashed plugin included. A
// plugin that leaves a call unanswered for the call timeout is taken for
// hung: the call fails with [ErrTimeout], the process is stopped, and
// the next call starts another. The caller's context (every method
// takes one) ends the caller's wait at once, with its error; the host
// still awaits that call's answer up to the call timeout, so a plugin
// that hangs is stopped after one call timeout whatever deadlines its
// callers choose.
func WithCallTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.callTimeout = d
		}
	}
}

// WithLogger sends the host's and the plugins' logs (what a plugin
// writes to its standard error) to l; by default they are discarded.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithRestartBackoff sets how long a plugin that crashed or failed to
// start waits before it is started again: initial after the first
// failure, doubling with each consecutive one up to max (defaults
// [DefaultRestartBackoff] and [DefaultMaxBackoff]). A successful call
// resets it.
func WithRestartBackoff(initial, max time.Duration) Option {
	return func(o *options) {
		if initial > 0 {
			o.backoff = initial
		}
		if max > 0 {
			o.maxBackoff = max
		}
		if o.maxBackoff < o.backoff {
			o.maxBackoff = o.backoff
		}
	}
}

// WithAutoMTLS has host and plugin authenticate their connection with
// one-time TLS certificates (go-plugin's AutoMTLS), so no other local
// process can talk to the plugin's socket. It costs a few milliseconds
// of start-up.
func WithAutoMTLS() Option {
	return func(o *options) { o.autoMTLS = true }
}
