//go:build linux

package plugins_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/plugins"
)

// events is a test's own folder of plugins with a FIFO named "events"
// in it, on which the faulty plugin (and the tests' scripts) announce
// what they do: "start PID", "hang PID", "child PID".
type events struct {
	dir   string
	lines chan string
}

func newEvents(t *testing.T) *events {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "events")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	// Opened for reading and writing, the FIFO never blocks a writer and
	// never reaches its end between writers.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{dir: dir, lines: make(chan string)}
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			select {
			case ev.lines <- sc.Text():
			case <-done:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		f.Close()
	})
	return ev
}

// faulty links the faulty plugin into the folder under mode's name.
func (ev *events) faulty(t *testing.T, mode string) string {
	t.Helper()
	path := filepath.Join(ev.dir, "faulty-"+mode)
	if err := os.Symlink(faultyPlugin, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// script writes an executable shell script into the folder.
func (ev *events) script(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(ev.dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// wait returns the pid of the next event called name, skipping others.
// The minute is a watchdog for a broken test, not a synchronisation.
func (ev *events) wait(t *testing.T, name string) int {
	t.Helper()
	watchdog := time.NewTimer(time.Minute)
	defer watchdog.Stop()
	for {
		select {
		case line := <-ev.lines:
			n, pid, _ := strings.Cut(line, " ")
			if n != name {
				continue
			}
			p, err := strconv.Atoi(pid)
			if err != nil {
				t.Fatalf("event %q has no pid", line)
			}
			return p
		case <-watchdog.C:
			t.Fatalf("no %q event within a minute", name)
		}
	}
}

// result waits for a call run in a goroutine; the minute is a watchdog
// for a host that does not return.
func result[T any](t *testing.T, what string, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("%s has not returned after a minute", what)
		panic("unreachable")
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// pipeHolder is a script's first lines: it starts a child that keeps the
// script's standard output and error open for 20 s and then, if it has
// not been killed, leaves the file "survived"; it announces "child PID".
func (ev *events) pipeHolder() string {
	return fmt.Sprintf("sh -c 'sleep 20; echo survived >\"$1\"' child %s &\necho \"child $!\" >>%s\n",
		shellQuote(filepath.Join(ev.dir, "survived")), shellQuote(filepath.Join(ev.dir, "events")))
}

// checkKilled fails unless the child is gone without having lived out
// its 20 s.
func (ev *events) checkKilled(t *testing.T, child int) {
	t.Helper()
	waitGone(t, child)
	if _, err := os.Stat(filepath.Join(ev.dir, "survived")); err == nil {
		t.Errorf("the plugin's child %d lived out its life: the host waited for it instead of killing it", child)
	}
}

type loaded struct {
	p   *plugins.Plugin
	err error
}

func loadAsync(ctx context.Context, path string, opts ...plugins.Option) <-chan loaded {
	c := make(chan loaded, 1)
	go func() {
		p, err := plugins.Load(ctx, path, append([]plugins.Option{plugins.WithoutRegistration()}, opts...)...)
		c <- loaded{p, err}
	}()
	return c
}

func closeLoaded(l loaded) {
	if l.p != nil {
		l.p.Close()
	}
}

// A plugin whose child keeps its standard output and error open costs
// the host nothing: the plugin's process group is killed when its main
// process exits, when its start-up fails or is cancelled, and on Close
// and restarts, and the host returns at once.
func TestPipeHoldingChild(t *testing.T) {
	t.Run("the script exits", func(t *testing.T) {
		ev := newEvents(t)
		path := ev.script(t, "exits", ev.pipeHolder()+"exit 0\n")
		c := loadAsync(context.Background(), path)
		child := ev.wait(t, "child")
		l := result(t, "Load", c)
		defer closeLoaded(l)
		if !errors.Is(l.err, plugins.ErrExited) {
			t.Errorf("Load(a script that exits, leaving a child) = %v, want ErrExited", l.err)
		}
		ev.checkKilled(t, child)
	})
	t.Run("the script hangs past the start timeout", func(t *testing.T) {
		ev := newEvents(t)
		path := ev.script(t, "hangs", ev.pipeHolder()+"exec sleep 3600\n")
		c := loadAsync(context.Background(), path, plugins.WithStartTimeout(3*time.Second))
		child := ev.wait(t, "child")
		l := result(t, "Load", c)
		defer closeLoaded(l)
		if !errors.Is(l.err, plugins.ErrStartTimeout) {
			t.Errorf("Load(a script that hangs) = %v, want ErrStartTimeout", l.err)
		}
		ev.checkKilled(t, child)
		checkNoChildren(t)
	})
	t.Run("the caller cancels the start", func(t *testing.T) {
		ev := newEvents(t)
		path := ev.script(t, "hangs", ev.pipeHolder()+"exec sleep 3600\n")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := loadAsync(ctx, path, plugins.WithStartTimeout(time.Hour))
		child := ev.wait(t, "child")
		cancel()
		l := result(t, "Load", c)
		defer closeLoaded(l)
		if !errors.Is(l.err, context.Canceled) {
			t.Errorf("Load(cancelled) = %v, want context.Canceled", l.err)
		}
		ev.checkKilled(t, child)
		checkNoChildren(t)
	})
	t.Run("the plugin serves and is closed", func(t *testing.T) {
		ev := newEvents(t)
		path := ev.script(t, "helm", ev.pipeHolder()+"exec "+shellQuote(helmPlugin)+"\n")
		c := loadAsync(context.Background(), path)
		child := ev.wait(t, "child")
		l := result(t, "Load", c)
		if l.err != nil {
			t.Fatalf("Load(helm behind a script) = %v", l.err)
		}
		closed := make(chan error, 1)
		go func() { closed <- l.p.Close() }()
		if err := result(t, "Close", closed); err != nil {
			t.Errorf("Close() = %v", err)
		}
		ev.checkKilled(t, child)
		checkNoChildren(t)
	})
	t.Run("the plugin crashes and is restarted", func(t *testing.T) {
		ev := newEvents(t)
		path := ev.script(t, "faulty", ev.pipeHolder()+"exec "+shellQuote(faultyPlugin)+"\n")
		c := loadAsync(context.Background(), path, plugins.WithRestartBackoff(time.Millisecond, time.Millisecond))
		child := ev.wait(t, "child")
		l := result(t, "Load", c)
		if l.err != nil {
			t.Fatalf("Load(faulty behind a script) = %v", l.err)
		}
		defer l.p.Close()
		if _, err := l.p.DecodeManifest(context.Background(), []byte("crash")); !errors.Is(err, plugins.ErrCrashed) {
			t.Fatalf("DecodeManifest(crash) = %v, want ErrCrashed", err)
		}
		ev.checkKilled(t, child)
		f := l.p.Format()
		good, err := f.EncodeManifest(context.Background(), coretest.SampleManifest(f), core.EncodingCompact)
		if err != nil {
			t.Fatalf("EncodeManifest after the crash = %v", err)
		}
		if _, err := f.DecodeManifest(context.Background(), good); err != nil || l.p.Starts() != 2 {
			t.Errorf("DecodeManifest after the crash = %v, Starts() = %d; want a second process", err, l.p.Starts())
		}
	})
}

// Cancelling the caller's context ends a plugin's start-up at once,
// with context.Canceled, and kills the process.
func TestStartCancelled(t *testing.T) {
	ev := newEvents(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := loadAsync(ctx, ev.faulty(t, "hang"), plugins.WithStartTimeout(time.Hour))
	pid := ev.wait(t, "hang")
	cancel()
	l := result(t, "Load", c)
	defer closeLoaded(l)
	if !errors.Is(l.err, context.Canceled) {
		t.Errorf("Load(cancelled during start-up) = %v, want context.Canceled", l.err)
	}
	waitGone(t, pid)
	checkNoChildren(t)
}

// The caller's deadline bounds start-up like the start timeout.
func TestStartDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	l := result(t, "Load", loadAsync(ctx, faulty("hang"), plugins.WithStartTimeout(time.Hour)))
	defer closeLoaded(l)
	if !errors.Is(l.err, plugins.ErrStartTimeout) || !errors.Is(l.err, context.DeadlineExceeded) {
		t.Errorf("Load(past the caller's deadline) = %v, want ErrStartTimeout and context.DeadlineExceeded", l.err)
	}
	checkNoChildren(t)
}

func detectAsync(ctx context.Context, p *plugins.Plugin, doc string) <-chan error {
	c := make(chan error, 1)
	go func() {
		_, err := p.Detect(ctx, []byte(doc))
		c <- err
	}()
	return c
}

// A restart that hangs honours the caller's context and Close: the call
// returns, and the process being started is killed.
func TestRestartInterrupted(t *testing.T) {
	ev := newEvents(t)
	p := load(t, ev.faulty(t, "hangrestart"), plugins.WithStartTimeout(time.Hour), plugins.WithCallTimeout(time.Hour),
		plugins.WithRestartBackoff(time.Millisecond, time.Millisecond))
	if _, err := p.Detect(context.Background(), []byte(`{"command":"crash"}`)); !errors.Is(err, plugins.ErrCrashed) {
		t.Fatalf("Detect(crash) = %v, want ErrCrashed", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := detectAsync(ctx, p, "{}")
	pid := ev.wait(t, "hang")
	cancel()
	if err := result(t, "Detect", c); !errors.Is(err, context.Canceled) {
		t.Errorf("Detect cancelled during the restart = %v, want context.Canceled", err)
	}
	waitGone(t, pid)

	// A start the caller gave up on is no failure of the plugin's: no
	// back-off stands in the way of the next try, which Close ends.
	c = detectAsync(context.Background(), p, "{}")
	pid = ev.wait(t, "hang")
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	if err := result(t, "Close", closed); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := result(t, "Detect", c); !errors.Is(err, plugins.ErrClosed) {
		t.Errorf("Detect during Close = %v, want ErrClosed", err)
	}
	waitGone(t, pid)
	checkNoChildren(t)
}

// A call that hangs costs its caller one call timeout, whatever the
// caller's own deadline, and the plugin is stopped then: the next call
// starts another process.
func TestHungCallCostsOneTimeout(t *testing.T) {
	const timeout = 500 * time.Millisecond
	p := load(t, faultyPlugin, plugins.WithCallTimeout(timeout), plugins.WithRestartBackoff(time.Millisecond, time.Millisecond))
	pid := p.PID()
	// The caller's deadline is the call timeout, as a caller that
	// bounds each call the same way would have it.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err := p.Detect(ctx, []byte(`{"command":"hang"}`))
	if !errors.Is(err, plugins.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Detect(hang) = %v, want ErrTimeout and context.DeadlineExceeded", err)
	}
	// No other call is needed for the host to stop the hung process.
	waitGone(t, pid)
	if _, err := p.Detect(context.Background(), []byte("{}")); err != nil || p.Starts() != 2 {
		t.Errorf("Detect after the hang = %v, Starts() = %d; want a second process", err, p.Starts())
	}
}

// A caller that cancels a call, or whose deadline is sooner than the
// call timeout, gets its answer at once (the call timeout is an hour
// here); the plugin is not taken for hung and keeps serving.
func TestCallerGivesUp(t *testing.T) {
	tests := []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		cancel bool // once the plugin hangs
		want   []error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			true, []error{context.Canceled}},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, false, []error{plugins.ErrTimeout, context.DeadlineExceeded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := newEvents(t)
			p := load(t, ev.faulty(t, "serve"), plugins.WithCallTimeout(time.Hour))
			ctx, cancel := tt.ctx()
			defer cancel()
			c := detectAsync(ctx, p, `{"command":"hang"}`)
			ev.wait(t, "hang")
			if tt.cancel {
				cancel()
			}
			err := result(t, "Detect", c)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("Detect(hang) = %v, want %v", err, w)
				}
			}
			var pe *plugins.Error
			if !errors.As(err, &pe) || pe.Op != "Detect" {
				t.Errorf("Detect(hang) = %#v, want a *plugins.Error of Detect", err)
			}
			if _, err := p.Detect(context.Background(), []byte("{}")); err != nil || p.Starts() != 1 {
				t.Errorf("Detect after the caller gave up = %v, Starts() = %d; want the same process", err, p.Starts())
			}
			if err := p.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
			checkNoChildren(t)
		})
	}
}

// Closing a plugin while calls hang in it (the plugin says so) returns
// at once, and every call ends with ErrClosed, whether its caller's
// context can end or not.
func TestCloseDuringCalls(t *testing.T) {
	ev := newEvents(t)
	p := load(t, ev.faulty(t, "serve"), plugins.WithCallTimeout(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 4
	calls := make([]<-chan error, n)
	for i := range n {
		c := context.Background()
		if i%2 == 1 {
			c = ctx
		}
		calls[i] = detectAsync(c, p, `{"command":"hang"}`)
	}
	for range n {
		ev.wait(t, "hang")
	}
	if got := p.Calls(); got != n {
		t.Errorf("Calls() = %d with %d calls in flight, want %d", got, n, n)
	}
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	if err := result(t, "Close", closed); err != nil {
		t.Errorf("Close() = %v", err)
	}
	for i, c := range calls {
		if err := result(t, "a call", c); !errors.Is(err, plugins.ErrClosed) {
			t.Errorf("call %d during Close = %v, want ErrClosed", i, err)
		}
	}
	checkNoChildren(t)
}

// Every way a plugin's start-up can fail is recognised from what the
// host sees of the process (what it wrote, whether it exited), never
// from the wording of go-plugin's errors.
func TestStartClasses(t *testing.T) {
	ev := newEvents(t)
	handshake := func(name, line string) string {
		return ev.script(t, name, "echo "+shellQuote(line)+"\nexec sleep 3600\n")
	}
	tests := []struct {
		name string
		path string
		opts []plugins.Option
		want []error
	}{
		{"too few fields", handshake("fields", "1|1|unix"), nil, []error{plugins.ErrHandshake}},
		{"core version not a number", handshake("corenan", "one|1|unix|/nowhere|grpc"), nil, []error{plugins.ErrHandshake}},
		{"protocol version not a number", handshake("appnan", "1|one|unix|/nowhere|grpc"), nil, []error{plugins.ErrHandshake}},
		{"unknown network", handshake("network", "1|1|pigeon|/nowhere|grpc"), nil, []error{plugins.ErrHandshake}},
		{"another core protocol", handshake("core", "2|1|unix|/nowhere|grpc"), nil, []error{plugins.ErrIncompatible}},
		{"another protocol version", handshake("app", "1|7|unix|/nowhere|grpc"), nil, []error{plugins.ErrIncompatible}},
		{"net/rpc", handshake("netrpc", "1|1|unix|/nowhere|netrpc"), nil, []error{plugins.ErrIncompatible}},
		{"no one at the address", handshake("nowhere", "1|1|unix|"+filepath.Join(ev.dir, "nowhere.sock")+"|grpc"), nil, []error{plugins.ErrFailed}},
		{"closes its standard output", ev.script(t, "closes", "exec >&-\nexec sleep 3600\n"), nil, []error{plugins.ErrExited}},
		{"Info hangs", faulty("infohang"), []plugins.Option{plugins.WithCallTimeout(300 * time.Millisecond)}, []error{plugins.ErrTimeout, context.DeadlineExceeded}},
		{"Info fails", faulty("infofail"), nil, []error{plugins.ErrFailed}},
		{"Info is not implemented", faulty("noinfo"), nil, []error{plugins.ErrIncompatible}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := result(t, "Load", loadAsync(context.Background(), tt.path, tt.opts...))
			defer closeLoaded(l)
			for _, w := range tt.want {
				if !errors.Is(l.err, w) {
					t.Errorf("Load(%s) = %v, want %v", tt.name, l.err, w)
				}
			}
			var pe *plugins.Error
			if !errors.As(l.err, &pe) || pe.Path != tt.path {
				t.Errorf("Load(%s) = %#v, want a *plugins.Error naming %s", tt.name, l.err, tt.path)
			}
			checkNoChildren(t)
		})
	}
}
