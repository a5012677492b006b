package plugins

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin/runner"
)

// process runs one plugin binary for go-plugin (its runner.Runner). It
// starts the binary in a process group of its own and kills the whole
// group: when the main process exits (where the system tells before
// reaping it, see watchesExit), when go-plugin or the host kills it. So
// a process the plugin started cannot keep its pipes open, and go-plugin
// waiting for them, past the plugin's life. It also records what the
// process did before its handshake (the exec error, its first line on
// standard output, the end of that output), which is how the host tells
// why a start failed without reading go-plugin's error messages.
type process struct {
	path      string
	logger    hclog.Logger
	socketDir string // go-plugin's folder for the plugin's socket

	stdout *handshakeReader
	stderr *pipeReader
	exited chan struct{} // closed once the main process has exited

	mu       sync.Mutex // guards the fields below
	cmd      *exec.Cmd
	execErr  error // why the binary could not be run
	proc     *os.Process
	killed   bool // no start after a kill
	reaped   bool // the group's id may be reused: never signal it
	exitOnce sync.Once
}

var _ runner.Runner = (*process)(nil)

func newProcess(path string, logger hclog.Logger) *process {
	return &process{path: path, logger: logger, exited: make(chan struct{})}
}

// prepare is go-plugin's RunnerFunc: spec carries the environment
// go-plugin prepared for the plugin (magic cookie, versions, the socket
// folder, the TLS certificate).
func (pr *process) prepare(_ hclog.Logger, spec *exec.Cmd, socketDir string) (runner.Runner, error) {
	cmd := exec.Command(pr.path)
	cmd.Env = spec.Env
	// No standard input: a process outside the terminal's foreground
	// group that read it would be stopped.
	setProcessGroup(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.cmd, pr.socketDir = cmd, socketDir
	pr.stdout = &handshakeReader{pipeReader: pipeReader{r: stdout}}
	pr.stderr = &pipeReader{r: stderr}
	return pr, nil
}

func (pr *process) Start(context.Context) error {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.killed {
		return errKilled
	}
	if err := pr.cmd.Start(); err != nil {
		pr.execErr = err
		return err
	}
	pr.proc = pr.cmd.Process
	pr.logger.Debug("plugin started", "path", pr.path, "pid", pr.proc.Pid)
	if watchesExit {
		go pr.watch()
	}
	return nil
}

var errKilled = errors.New("plugins: process killed before it started")

// watch kills the group as soon as the main process exits, before it is
// reaped.
func (pr *process) watch() {
	err := waitExit(pr.proc.Pid)
	pr.mu.Lock()
	if err == nil && !pr.reaped {
		_ = killGroup(pr.proc)
	}
	pr.mu.Unlock()
	pr.markExited()
}

func (pr *process) markExited() { pr.exitOnce.Do(func() { close(pr.exited) }) }

// Wait reaps the main process, once its group was killed where the
// system allows that before reaping.
func (pr *process) Wait(context.Context) error {
	pr.mu.Lock()
	cmd, proc := pr.cmd, pr.proc
	pr.mu.Unlock()
	if proc == nil {
		return errKilled
	}
	if watchesExit {
		<-pr.exited
	}
	err := cmd.Wait()
	pr.mu.Lock()
	pr.reaped = true
	pr.mu.Unlock()
	pr.markExited()
	return err
}

// Kill kills the process group and closes the host's ends of the
// plugin's pipes, so that go-plugin stops reading them even when a
// process that left the group keeps them open. It may be called any
// number of times, before or after the start.
func (pr *process) Kill(context.Context) error {
	pr.kill()
	return nil
}

func (pr *process) kill() {
	pr.mu.Lock()
	pr.killed = true
	if pr.proc != nil && !pr.reaped {
		if err := killGroup(pr.proc); err != nil && !errors.Is(err, os.ErrProcessDone) {
			pr.logger.Debug("killing the plugin's process group", "pid", pr.proc.Pid, "error", err)
		}
	}
	stdout, stderr := pr.stdout, pr.stderr
	pr.mu.Unlock()
	if stdout != nil {
		stdout.close()
		stderr.close()
	}
}

// cleanup removes go-plugin's socket folder, which go-plugin leaves
// behind when the binary could not be started.
func (pr *process) cleanup() {
	pr.mu.Lock()
	dir := pr.socketDir
	pr.mu.Unlock()
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
}

func (pr *process) pid() int {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.proc == nil {
		return 0
	}
	return pr.proc.Pid
}

// hasExited reports whether the main process has exited.
func (pr *process) hasExited() bool {
	select {
	case <-pr.exited:
		return true
	default:
		return false
	}
}

func (pr *process) Stdout() io.ReadCloser { return pr.stdout }
func (pr *process) Stderr() io.ReadCloser { return pr.stderr }
func (pr *process) Name() string          { return pr.path }

// ID is the pid once started; go-plugin's Kill does nothing before.
func (pr *process) ID() string {
	if pid := pr.pid(); pid != 0 {
		return strconv.Itoa(pid)
	}
	return ""
}

// Diagnose adds nothing to go-plugin's errors: the host classifies
// start-up failures itself (startFailure).
func (pr *process) Diagnose(context.Context) string { return "" }

func (pr *process) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (pr *process) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

// pipeReader is the host's end of a plugin's pipe. Once the host closed
// it (a kill), reads end as at the end of the output, so go-plugin does
// not log an error for a pipe the host meant to close.
type pipeReader struct {
	r      io.ReadCloser
	closed atomic.Bool
}

func (p *pipeReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && p.closed.Load() && errors.Is(err, os.ErrClosed) {
		err = io.EOF
	}
	return n, err
}

func (p *pipeReader) Close() error { return p.r.Close() }

func (p *pipeReader) close() {
	p.closed.Store(true)
	_ = p.r.Close()
}

// maxHandshakeLine bounds the copy of a plugin's first line (a
// handshake with an AutoMTLS certificate is about 1 KiB).
const maxHandshakeLine = 16 << 10

// handshakeReader is the plugin's standard output, go-plugin's to read,
// with a copy of its first line and whether the output ended.
type handshakeReader struct {
	pipeReader
	mu       sync.Mutex
	line     []byte
	wrote    bool // something was written
	complete bool // the first line ended or filled the copy
	ended    bool // the output ended (or failed)
}

func (h *handshakeReader) Read(b []byte) (int, error) {
	n, err := h.pipeReader.Read(b)
	h.mu.Lock()
	defer h.mu.Unlock()
	if n > 0 && !h.complete {
		h.wrote = true
		chunk := b[:n]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			chunk, h.complete = chunk[:i], true
		}
		room := maxHandshakeLine - len(h.line)
		if len(chunk) >= room {
			chunk, h.complete = chunk[:room], true
		}
		h.line = append(h.line, chunk...)
	}
	if err != nil {
		h.ended = true
	}
	return n, err
}

// first returns the first line written (so far), whether anything was
// written, and whether the output ended.
func (h *handshakeReader) first() (line string, wrote, ended bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.line), h.wrote, h.ended
}
