package plugins_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concil-go/ocispec/internal/leaktest"
	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/plugins"
	"github.com/concil-go/ocispec/plugins/examples/helm/helmformat"
)

// Every way a plugin can fail to load gives a typed error naming it,
// and leaves no process behind.
func TestLoadFaults(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	garbageBinary := filepath.Join(dir, "garbage-binary")
	if err := os.WriteFile(garbageBinary, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		opts []plugins.Option
		want []error
	}{
		{"missing", filepath.Join(dir, "missing"), nil, []error{plugins.ErrNotExecutable}},
		{"directory", dir, nil, []error{plugins.ErrNotExecutable}},
		{"not executable", notExec, nil, []error{plugins.ErrNotExecutable}},
		{"not a binary", garbageBinary, nil, []error{plugins.ErrNotExecutable}},
		{"not a plugin", script, nil, []error{plugins.ErrHandshake}},
		{"garbage before the handshake", faulty("garbage"), nil, []error{plugins.ErrHandshake}},
		{"another protocol version", faulty("version"), nil, []error{plugins.ErrIncompatible}},
		{"exits at start-up", faulty("exit"), nil, []error{plugins.ErrExited}},
		{"hangs at start-up", faulty("hang"), []plugins.Option{plugins.WithStartTimeout(500 * time.Millisecond)}, []error{plugins.ErrStartTimeout}},
		{"invalid name", faulty("badname"), nil, []error{plugins.ErrInvalidAnswer, core.ErrInvalidFormat}},
		{"invalid media type", faulty("badtype"), nil, []error{plugins.ErrInvalidAnswer, core.ErrInvalidMediaType}},
		{"claims a built-in layer type", faulty("claim"), []plugins.Option{plugins.WithRegistry(builtins())}, []error{plugins.ErrClaimedMediaType}},
		{"claims a built-in document type", faulty("claimdoc"), nil, []error{plugins.ErrClaimedMediaType}},
		{"checksum", helmPlugin, []plugins.Option{plugins.WithChecksum(digest.FromString("another binary"))}, []error{core.ErrDigestMismatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]plugins.Option{plugins.WithoutRegistration()}, tt.opts...)
			p, err := plugins.Load(context.Background(), tt.path, opts...)
			if err == nil {
				p.Close()
				t.Fatalf("Load(%q) = nil error, want %v", tt.path, tt.want)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("Load(%q) = %v, want %v", tt.path, err, w)
				}
			}
			var pe *plugins.Error
			if !errors.As(err, &pe) || pe.Path == "" || !strings.Contains(err.Error(), filepath.Base(tt.path)) {
				t.Errorf("Load(%q) = %v, want a *plugins.Error naming the plugin", tt.path, err)
			}
			checkNoChildren(t)
		})
	}
}

func TestChecksum(t *testing.T) {
	b, err := os.ReadFile(helmPlugin)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []digest.Algorithm{digest.SHA256, digest.SHA512} {
		t.Run(string(alg), func(t *testing.T) {
			load(t, helmPlugin, plugins.WithChecksum(alg.FromBytes(b)))
		})
	}
	want := digest.FromString("another binary")
	_, err = plugins.Load(context.Background(), helmPlugin, plugins.WithoutRegistration(), plugins.WithChecksum(want))
	var dm *core.DigestMismatchError
	if !errors.As(err, &dm) || dm.Want != want || dm.Got != digest.FromBytes(b) {
		t.Errorf("Load with a wrong checksum = %v, want *core.DigestMismatchError{%s, %s}", err, want, digest.FromBytes(b))
	}
}

// encodeCommand is a manifest that makes the faulty plugin misbehave on
// EncodeManifest.
func encodeCommand(f core.Format, cmd string) core.Manifest {
	m := coretest.SampleManifest(f)
	m.Annotations = map[string]string{"faulty.command": cmd}
	return m
}

// Every way a plugin can fail during a call gives a typed error within
// the deadline; the plugin (restarted where it died or hung) and the
// other plugins keep working.
func TestCallFaults(t *testing.T) {
	p := load(t, faultyPlugin, plugins.WithCallTimeout(3*time.Second), plugins.WithRestartBackoff(time.Millisecond, time.Millisecond))
	helm := load(t, helmPlugin).Format()
	f := p.Format()
	good, err := f.EncodeManifest(context.Background(), coretest.SampleManifest(f), core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	chart, _ := helmformat.Format.EncodeManifest(context.Background(), coretest.SampleManifest(helmformat.Format), core.EncodingCompact)
	tests := []struct {
		name    string
		call    func() error
		want    []error
		restart bool // the process is replaced
	}{
		{"decode crash", func() error { _, err := f.DecodeManifest(context.Background(), []byte("crash")); return err }, []error{plugins.ErrCrashed}, true},
		{"decode hang", func() error { _, err := f.DecodeManifest(context.Background(), []byte("hang")); return err }, []error{plugins.ErrTimeout, context.DeadlineExceeded}, true},
		{"decode panic", func() error { _, err := f.DecodeManifest(context.Background(), []byte("panic")); return err }, []error{plugins.ErrPanic}, false},
		{"invalid digest", func() error { _, err := f.DecodeManifest(context.Background(), []byte("baddigest")); return err }, []error{plugins.ErrInvalidAnswer, core.ErrInvalidDigest}, false},
		{"digest not in the document", func() error { _, err := f.DecodeManifest(context.Background(), []byte("foreigndigest")); return err }, []error{plugins.ErrInvalidAnswer}, false},
		{"empty answer", func() error { _, err := f.DecodeManifest(context.Background(), []byte("empty")); return err }, []error{plugins.ErrInvalidAnswer}, false},
		{"answer too large", func() error { _, err := f.DecodeManifest(context.Background(), []byte("huge")); return err }, []error{plugins.ErrInvalidAnswer}, false},
		{"encode not JSON", func() error {
			_, err := f.EncodeManifest(context.Background(), encodeCommand(f, "notjson"), core.EncodingCompact)
			return err
		}, []error{plugins.ErrInvalidAnswer}, false},
		{"encode without the digests", func() error {
			_, err := f.EncodeManifest(context.Background(), encodeCommand(f, "nodigest"), core.EncodingCompact)
			return err
		}, []error{plugins.ErrInvalidAnswer}, false},
		{"encode crash", func() error {
			_, err := f.EncodeManifest(context.Background(), encodeCommand(f, "crash"), core.EncodingCompact)
			return err
		}, []error{plugins.ErrCrashed}, true},
		{"encode panic", func() error {
			_, err := f.EncodeManifest(context.Background(), encodeCommand(f, "panic"), core.EncodingCompact)
			return err
		}, []error{plugins.ErrPanic}, false},
		{"detect crash", func() error { _, err := p.Detect(context.Background(), []byte("crash")); return err }, []error{plugins.ErrCrashed}, true},
		{"detect hang", func() error { _, err := p.Detect(context.Background(), []byte("hang")); return err }, []error{plugins.ErrTimeout}, true},
		{"too large", func() error { _, err := f.DecodeManifest(context.Background(), make([]byte, 5<<20)); return err }, []error{core.ErrTooLarge}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			starts := p.Starts()
			err := tt.call()
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("%s = %v, want %v", tt.name, err, w)
				}
			}
			var pe *plugins.Error
			if !errors.As(err, &pe) || pe.Plugin != "faulty" {
				t.Errorf("%s = %#v, want a *plugins.Error naming faulty", tt.name, err)
			}
			// The next call works, in a new process when the old one died.
			if _, err := f.DecodeManifest(context.Background(), good); err != nil {
				t.Errorf("DecodeManifest after %s = %v", tt.name, err)
			}
			if restarted := p.Starts() > starts; restarted != tt.restart {
				t.Errorf("after %s: restarted = %v, want %v", tt.name, restarted, tt.restart)
			}
			if _, err := helm.DecodeManifest(context.Background(), chart); err != nil {
				t.Errorf("helm DecodeManifest after %s = %v", tt.name, err)
			}
		})
	}
	// Through core.Registry, a plugin that crashes in Detect does not
	// claim the document: with no other format of its media type, the
	// document is unknown, a clear error. A document of another media
	// type is never shown to the plugin.
	r := builtins()
	r.MustRegisterFormat(f)
	mt := f.Describe().ManifestMediaType
	_, err = r.Detect(context.Background(), []byte(`{"command":"crash","schemaVersion":2,"mediaType":"`+mt+`","config":{},"layers":[]}`))
	if !errors.Is(err, core.ErrUnknownDocument) {
		t.Errorf("registry.Detect(crash) = %v, want ErrUnknownDocument", err)
	}
	calls := p.Calls()
	det, err := r.Detect(context.Background(), []byte(`{"command":"crash","schemaVersion":2,"layers":[]}`))
	if err != nil || det.Format.Describe().Name != "oci" {
		t.Errorf("registry.Detect(an OCI manifest) = %v, %v; want the OCI format", det.Format, err)
	}
	if n := p.Calls() - calls; n != 0 {
		t.Errorf("registry.Detect(an OCI manifest) made %d calls to a plugin of another media type, want 0", n)
	}
}

// A plugin without the detect capability says so in its description
// and refuses Detect calls with errors.ErrUnsupported.
func TestCapabilities(t *testing.T) {
	p := load(t, faulty("nodetect"))
	if p.Format().Describe().Detects {
		t.Errorf("Format().Describe().Detects = true for a plugin without the capability")
	}
	if _, ok := p.Format().(core.IndexFormat); !ok {
		t.Errorf("Format() %T is not a core.IndexFormat", p.Format())
	}
	if _, err := p.Detect(context.Background(), []byte("{}")); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Detect() = %v, want errors.ErrUnsupported", err)
	}
	h := load(t, helmPlugin)
	if _, err := h.DecodeIndex(context.Background(), []byte("{}")); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("helm DecodeIndex() = %v, want errors.ErrUnsupported", err)
	}
	if _, err := h.EncodeIndex(context.Background(), core.Index{}, core.EncodingCompact); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("helm EncodeIndex() = %v, want errors.ErrUnsupported", err)
	}
}

// 100 crash-restart cycles leave no zombie, no extra process and no
// goroutine behind.
func TestCrashRestartCycles(t *testing.T) {
	ignore := leaktest.Current()
	defer func() {
		if err := findLeaks(ignore); err != nil {
			t.Error(err)
		}
	}()
	p, err := plugins.Load(context.Background(), faulty("crash"), plugins.WithoutRegistration(),
		plugins.WithRestartBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	f := p.Format()
	good, err := f.EncodeManifest(context.Background(), coretest.SampleManifest(f), core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	pids := map[int]bool{}
	const cycles = 100
	for i := range cycles {
		pids[p.PID()] = true
		if _, err := f.DecodeManifest(context.Background(), []byte("crash")); !errors.Is(err, plugins.ErrCrashed) {
			t.Fatalf("cycle %d: DecodeManifest(crash) = %v, want ErrCrashed", i, err)
		}
		if _, err := f.DecodeManifest(context.Background(), good); err != nil {
			t.Fatalf("cycle %d: DecodeManifest after the crash = %v", i, err)
		}
	}
	if got := p.Starts(); got != cycles+1 {
		t.Errorf("Starts() = %d, want %d", got, cycles+1)
	}
	if len(pids) != cycles {
		t.Errorf("%d distinct processes served the cycles, want %d", len(pids), cycles)
	}
	checkNoChildren(t, p.PID())
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	checkNoChildren(t)
}

// After a failure the plugin is not started again before its back-off:
// a call whose deadline ends sooner fails at once with ErrBackoff.
func TestBackoff(t *testing.T) {
	p := load(t, faultyPlugin, plugins.WithRestartBackoff(time.Hour, time.Hour), plugins.WithCallTimeout(2*time.Second))
	if _, err := p.Format().DecodeManifest(context.Background(), []byte("crash")); !errors.Is(err, plugins.ErrCrashed) {
		t.Fatalf("DecodeManifest(crash) = %v, want ErrCrashed", err)
	}
	_, err := p.Format().DecodeManifest(context.Background(), []byte("{}"))
	if !errors.Is(err, plugins.ErrBackoff) {
		t.Errorf("DecodeManifest during the back-off = %v, want ErrBackoff", err)
	}
	if got := p.Starts(); got != 1 {
		t.Errorf("Starts() = %d during the back-off, want 1", got)
	}
}

func TestClosed(t *testing.T) {
	r := core.NewRegistry(nil)
	p, err := plugins.Load(context.Background(), helmPlugin, plugins.WithRegistry(r))
	if err != nil {
		t.Fatal(err)
	}
	pid := p.PID()
	if err := p.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if alive(pid) {
		t.Errorf("process %d runs after Close", pid)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	if _, err := p.Format().DecodeManifest(context.Background(), []byte("{}")); !errors.Is(err, plugins.ErrClosed) {
		t.Errorf("DecodeManifest after Close = %v, want ErrClosed", err)
	}
	if names := r.FormatNames(); len(names) != 0 {
		t.Errorf("registry holds %v after Close", names)
	}
	// Lookups still answer.
	if got := p.Format().Describe().Table.MediaType("chart"); got != helmformat.MediaTypeChart {
		t.Errorf("MediaType(chart) after Close = %q", got)
	}
}

func TestDuplicateName(t *testing.T) {
	r := core.NewRegistry(nil)
	load(t, helmPlugin, plugins.WithRegistry(r))
	_, err := plugins.Load(context.Background(), helmPlugin, plugins.WithRegistry(r))
	if !errors.Is(err, core.ErrDuplicate) {
		t.Errorf("loading helm twice = %v, want ErrDuplicateFormat", err)
	}
	checkNoChildren(t, helmPID(t, r))
}

func helmPID(t *testing.T, r *core.Registry) int {
	f, err := r.Format("helm")
	if err != nil {
		t.Fatal(err)
	}
	p, ok := plugins.PluginOf(f)
	if !ok {
		t.Fatalf("PluginOf(%T) = false", f)
	}
	return p.PID()
}

// A plugin that describes another format after a restart is refused.
func TestRestartChangesDescription(t *testing.T) {
	p := load(t, faulty("shifty"), plugins.WithRestartBackoff(time.Millisecond, time.Millisecond))
	if _, err := p.Format().DecodeManifest(context.Background(), []byte("crash")); !errors.Is(err, plugins.ErrCrashed) {
		t.Fatalf("DecodeManifest(crash) = %v, want ErrCrashed", err)
	}
	_, err := p.Format().DecodeManifest(context.Background(), []byte("{}"))
	if !errors.Is(err, plugins.ErrInvalidAnswer) || !strings.Contains(err.Error(), "another format") {
		t.Errorf("DecodeManifest after a restart that changed the table = %v, want ErrInvalidAnswer", err)
	}
	checkNoChildren(t)
}

// The plugin's logs and the host's reach the logger given.
func TestLogger(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p := load(t, faultyPlugin, plugins.WithLogger(logger), plugins.WithRestartBackoff(time.Millisecond, time.Millisecond))
	p.Format().DecodeManifest(context.Background(), []byte("panic"))
	p.Format().DecodeManifest(context.Background(), []byte("crash"))
	p.Format().DecodeManifest(context.Background(), []byte("{}"))
	p.Close()
	for _, want := range []string{"panic in plugin call", "faulty: panicking as told", "plugin process died", "plugin restarted"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log does not contain %q:\n%s", want, buf.String())
		}
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAutoMTLS(t *testing.T) {
	f := load(t, helmPlugin, plugins.WithAutoMTLS()).Format()
	b, err := f.EncodeManifest(context.Background(), coretest.SampleManifest(f), core.EncodingCompact)
	if err == nil {
		_, err = f.DecodeManifest(context.Background(), b)
	}
	if err != nil {
		t.Errorf("calls over mutual TLS = %v", err)
	}
}
