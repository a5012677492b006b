package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/concil-go/ocispec/plugins/internal/wire"
)

// testPlugin is a Plugin without a process, for the classification
// functions.
func testPlugin(t *testing.T) *Plugin {
	t.Helper()
	p := &Plugin{path: "/x/test", opts: buildOptions(nil), logger: hclog.NewNullLogger(), startMu: make(chan struct{}, 1)}
	p.info.Name = "test"
	p.life, p.endLife = context.WithCancelCause(context.Background())
	t.Cleanup(func() { p.endLife(nil) })
	return p
}

// testInstance is an instance that was never started; exited makes its
// main process one that has exited.
func testInstance(exited bool) *instance {
	in := &instance{client: plugin.NewClient(&plugin.ClientConfig{}), proc: newProcess("/x/test", hclog.NewNullLogger())}
	if exited {
		in.proc.markExited()
	}
	return in
}

func cancelledCtx(cause error) context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	return ctx
}

func expiredCtx() context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	_ = cancel // expired already; nothing to release but the timer, which never runs
	return ctx
}

// Every failure of a description call is classified by the contexts
// and the status, not by its message.
func TestRPCError(t *testing.T) {
	bg := context.Background()
	tests := []struct {
		name      string
		ctx, dctx context.Context
		exited    bool
		err       error
		want      []error
	}{
		{"closed", bg, cancelledCtx(ErrClosed), false, status.Error(codes.Canceled, "x"), []error{ErrClosed}},
		{"caller cancelled", cancelledCtx(nil), cancelledCtx(nil), false, status.Error(codes.Canceled, "x"), []error{context.Canceled}},
		{"deadline", bg, expiredCtx(), false, status.Error(codes.DeadlineExceeded, "x"), []error{ErrTimeout, context.DeadlineExceeded}},
		{"plugin's deadline", bg, bg, false, status.Error(codes.DeadlineExceeded, "x"), []error{ErrTimeout}},
		{"unimplemented", bg, bg, false, status.Error(codes.Unimplemented, "x"), []error{ErrIncompatible}},
		{"exited", bg, bg, true, status.Error(codes.Unavailable, "x"), []error{ErrExited}},
		{"unreachable", bg, bg, false, status.Error(codes.Unavailable, "x"), []error{ErrFailed}},
		{"failed", bg, bg, false, status.Error(codes.Internal, "x"), []error{ErrFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rpcError("Info", tt.ctx, tt.dctx, testInstance(tt.exited), tt.err)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("rpcError(%s) = %v, want %v", tt.name, err, w)
				}
			}
		})
	}
}

// A wait that its context ended says which context: Close, the
// caller's cancellation, a deadline.
func TestCtxError(t *testing.T) {
	bg := context.Background()
	tests := []struct {
		name      string
		ctx, wctx context.Context
		elapsed   time.Duration
		want      []error
		text      string
	}{
		{"closed", bg, cancelledCtx(ErrClosed), 0, []error{ErrClosed}, ""},
		{"cancelled", cancelledCtx(nil), cancelledCtx(nil), time.Second, []error{context.Canceled}, "cancelled"},
		{"deadline of a call", expiredCtx(), expiredCtx(), 1500 * time.Millisecond, []error{ErrTimeout, context.DeadlineExceeded}, "after 1.5s"},
		{"deadline of a wait", bg, expiredCtx(), 0, []error{ErrTimeout, context.DeadlineExceeded}, ""},
	}
	p := testPlugin(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.ctxError("Detect", tt.ctx, tt.wctx, tt.elapsed)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("ctxError(%s) = %v, want %v", tt.name, err, w)
				}
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Op != "Detect" || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("ctxError(%s) = %v, want a *Error of Detect saying %q", tt.name, err, tt.text)
			}
		})
	}
}

// Every outcome of a call's RPC gets its sentinel; those that leave the
// process in doubt take it out of service.
func TestAnswered(t *testing.T) {
	bg := context.Background()
	stopped := "it left a call unanswered for the call timeout"
	tests := []struct {
		name    string
		rctx    context.Context
		closed  bool
		stopped bool // the host stopped the process before
		err     error
		want    []error
		discard bool
	}{
		{"answer", bg, false, false, nil, nil, false},
		{"closed", bg, true, false, status.Error(codes.Unavailable, "x"), []error{ErrClosed}, false},
		{"closing", cancelledCtx(ErrClosed), false, false, status.Error(codes.Canceled, "x"), []error{ErrClosed}, false},
		{"cancelled", cancelledCtx(nil), false, false, status.Error(codes.Canceled, "x"), []error{context.Canceled}, false},
		{"call timeout", expiredCtx(), false, false, status.Error(codes.DeadlineExceeded, "x"), []error{ErrTimeout, context.DeadlineExceeded}, true},
		{"panic", bg, false, false, status.Error(codes.Internal, wire.PanicPrefix+"Detect: boom"), []error{ErrPanic}, false},
		{"unimplemented", bg, false, false, status.Error(codes.Unimplemented, "x"), []error{errors.ErrUnsupported}, false},
		{"too large", bg, false, false, status.Error(codes.ResourceExhausted, "x"), []error{ErrInvalidAnswer}, false},
		{"crashed", bg, false, false, status.Error(codes.Unavailable, "x"), []error{ErrCrashed}, true},
		{"stopped by the host", bg, false, true, status.Error(codes.Unavailable, "x"), []error{ErrCrashed}, false},
		{"connection in doubt", bg, false, false, status.Error(codes.DataLoss, "x"), []error{ErrFailed}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlugin(t)
			inst := testInstance(false)
			p.inst, p.closed = inst, tt.closed
			if tt.stopped {
				inst.stopped.Store(&stopped)
			}
			err := p.answered("Detect", tt.rctx, inst, tt.err, time.Now())
			p.kills.Wait()
			if (err == nil) != (tt.want == nil) {
				t.Fatalf("answered(%s) = %v, want %v", tt.name, err, tt.want)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("answered(%s) = %v, want %v", tt.name, err, w)
				}
			}
			if tt.stopped && !strings.Contains(fmt.Sprint(err), stopped) {
				t.Errorf("answered(%s) = %v, want it to say why the host stopped the process", tt.name, err)
			}
			if discarded := p.inst == nil; discarded != tt.discard {
				t.Errorf("after answered(%s): process discarded = %v, want %v", tt.name, discarded, tt.discard)
			}
		})
	}
}

// checkHandshake knows go-plugin's handshake line from the protocol,
// not from go-plugin's messages.
func TestCheckHandshake(t *testing.T) {
	tests := []struct {
		line string
		want error
	}{
		{"1|1|unix|/tmp/plugin.sock|grpc", nil},
		{"1|1|tcp|127.0.0.1:1234|grpc|CERT\n", nil},
		{"", ErrHandshake},
		{"hello", ErrHandshake},
		{"1|1|unix", ErrHandshake},
		{"x|1|unix|/s|grpc", ErrHandshake},
		{"1|x|unix|/s|grpc", ErrHandshake},
		{"1|1|udp|/s|grpc", ErrHandshake},
		{"2|1|unix|/s|grpc", ErrIncompatible},
		{"1|99|unix|/s|grpc", ErrIncompatible},
		{"1|1|unix|/s", ErrIncompatible}, // no protocol: net/rpc
		{"1|1|unix|/s|netrpc", ErrIncompatible},
	}
	for _, tt := range tests {
		if err := checkHandshake(tt.line); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("checkHandshake(%q) = %v, want %v", tt.line, err, tt.want)
		}
	}
}

// startFailure classifies from what the host saw of the process: the
// exec error, the first line, the end of the output.
func TestStartFailure(t *testing.T) {
	goPlugin := errors.New("whatever go-plugin says")
	withOutput := func(out string, ended bool) *process {
		pr := newProcess("/x/test", hclog.NewNullLogger())
		pr.stdout = &handshakeReader{pipeReader: pipeReader{r: io.NopCloser(strings.NewReader(out))}}
		b := make([]byte, 3) // several reads for one line
		for out != "" || ended {
			if _, err := pr.stdout.Read(b); err != nil || (!ended && pr.stdout.complete) {
				break
			}
		}
		return pr
	}
	withExecErr := func(err error) *process {
		pr := newProcess("/x/test", hclog.NewNullLogger())
		pr.execErr = &os.PathError{Op: "fork/exec", Path: "/x/test", Err: err}
		return pr
	}
	tests := []struct {
		name string
		proc *process
		want error
	}{
		{"not an executable", withExecErr(syscall.ENOEXEC), ErrNotExecutable},
		{"permission", withExecErr(syscall.EACCES), ErrNotExecutable},
		{"missing", withExecErr(exec.ErrNotFound), ErrNotExecutable},
		{"other exec error", withExecErr(syscall.E2BIG), ErrFailed},
		{"no pipes", newProcess("/x/test", hclog.NewNullLogger()), ErrFailed},
		{"garbage", withOutput("hello, world\n1|1|unix|/s|grpc\n", false), ErrHandshake},
		{"another version", withOutput("1|99|unix|/s|grpc\n", false), ErrIncompatible},
		{"a handshake go-plugin refused", withOutput("1|1|unix|/s|grpc\n", false), ErrHandshake},
		{"output ended", withOutput("", true), ErrExited},
		{"line without end", withOutput("1|1|unix", true), ErrHandshake},
		{"nothing yet", withOutput("", false), ErrFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := startFailure(tt.proc, goPlugin); !errors.Is(err, tt.want) {
				t.Errorf("startFailure(%s) = %v, want %v", tt.name, err, tt.want)
			}
		})
	}
	// The copy of the first line is bounded.
	pr := withOutput(strings.Repeat("x", 3*maxHandshakeLine), false)
	if line, _, _ := pr.stdout.first(); len(line) != maxHandshakeLine {
		t.Errorf("first line copied: %d bytes, want %d", len(line), maxHandshakeLine)
	}
}
