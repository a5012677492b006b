package plugins

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/concil-go/ocispec/core"
)

// The host is four files: load.go (Load, LoadDir and the checks of a
// plugin's description), lifecycle.go (a plugin's process over time:
// start on demand, restart with back-off, stop), calls.go (the calls a
// format makes through the plugin and how their failures are
// classified) and process.go with runner.go (one process: its group,
// its start-up and why that failed).

// Plugin is a loaded format plugin: a process serving one format, and
// that format as a core.Format ([Plugin.Format]). It is safe for
// concurrent use. The process is started by [Load], started again after
// it crashes or hangs (on the next call, after a back-off), and stopped
// by [Plugin.Close].
type Plugin struct {
	path   string
	opts   options
	logger hclog.Logger
	info   Info
	format *pluginFormat
	reg    *core.Registry // where the format is registered, or nil

	// life ends when Close begins (cause ErrClosed): starts, waits and
	// calls in progress end with it.
	life     context.Context
	endLife  context.CancelCauseFunc
	startMu  chan struct{}  // serialises starts; a channel so waiting honours contexts
	inflight sync.WaitGroup // calls whose RPC runs in a goroutine of their own
	kills    sync.WaitGroup // processes being killed in the background

	mu       sync.Mutex // guards the fields below
	inst     *instance
	closed   bool
	failures int
	retryAt  time.Time

	starts atomic.Int64
	calls  atomic.Int64 // encode, decode and detect calls sent to a process
	clean  atomic.Bool  // no failure since the last success
}

// Info is what a plugin says about itself, checked and cached at load.
type Info struct {
	// Name is the format's registry name.
	Name string
	// Version is the plugin's own version (free text, may be empty).
	Version string
	// Path is the absolute path of the binary.
	Path string
	// APIVersion is the protocol version host and plugin agreed on.
	APIVersion int
	// APIVersions are the protocol versions the plugin implements.
	APIVersions []int
	// Capabilities are the optional calls the plugin answers ("detect",
	// "index"), sorted.
	Capabilities []string
}

// Format returns the plugin's format. Describe answers from the
// description cached at load, without calling the plugin; the codec
// methods and Detect call it, under the caller's context and the call
// timeout. It implements core.IndexFormat and core.Detector, and says in
// its description whether the plugin has an index and detects.
func (p *Plugin) Format() core.Format { return p.format }

// PluginOf returns the plugin that serves f, when f is a plugin's format
// (from a registry, say).
func PluginOf(f core.Format) (*Plugin, bool) {
	if pf, ok := f.(*pluginFormat); ok {
		return pf.p, true
	}
	return nil, false
}

// Info returns what the plugin said about itself at load.
func (p *Plugin) Info() Info {
	i := p.info
	i.APIVersions = slices.Clone(i.APIVersions)
	i.Capabilities = slices.Clone(i.Capabilities)
	return i
}

// Path returns the absolute path of the plugin binary.
func (p *Plugin) Path() string { return p.path }

// PID returns the process id of the running plugin process, or 0 when
// none runs (after a crash, before the restart). The process leads a
// process group of its own.
func (p *Plugin) PID() int {
	p.mu.Lock()
	inst := p.inst
	p.mu.Unlock()
	if inst == nil || inst.exited() {
		return 0
	}
	return inst.pid()
}

// Starts returns how many processes of the plugin have been started: 1
// after Load, one more for each restart.
func (p *Plugin) Starts() int { return int(p.starts.Load()) }

// Calls returns how many encode, decode and detect calls have been sent
// to the plugin's processes (lookups never are: they are answered from
// the description cached at load).
func (p *Plugin) Calls() int64 { return p.calls.Load() }

// Close unregisters the format and stops the plugin: calls in flight end
// with [ErrClosed], a start in progress is abandoned, and the process
// group is stopped (asked to exit, killed when it does not within a few
// seconds). Close returns when the processes are gone. Calls after Close
// fail with ErrClosed. Close is idempotent and returns nil.
func (p *Plugin) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	inst := p.inst
	p.inst = nil
	p.mu.Unlock()
	p.endLife(ErrClosed)

	if p.reg != nil {
		if f, err := p.reg.Format(p.info.Name); err == nil && f == core.Format(p.format) {
			if err := p.reg.UnregisterFormat(p.info.Name); err != nil {
				p.logger.Warn("unregistering the format", "error", err)
			}
		}
	}
	p.startMu <- struct{}{} // a start in progress ends with life and kills its process
	<-p.startMu
	if inst != nil {
		inst.shutdown()
	}
	p.inflight.Wait()
	p.kills.Wait()
	return nil
}

func (p *Plugin) errorf(op string, err error) error {
	return &Error{Plugin: p.info.Name, Path: p.path, Op: op, Err: err}
}
