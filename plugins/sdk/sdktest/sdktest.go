package sdktest

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/plugins"
	"github.com/concil-go/ocispec/plugins/internal/wire"
	"github.com/concil-go/ocispec/plugins/sdk"
)

// Main is a TestMain for a plugin's tests: started by a plugin host
// (as [TestFormat] does) the test binary serves f, otherwise it runs the
// tests.
func Main(m *testing.M, f core.Format) {
	if IsPlugin() {
		sdk.Serve(f)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// IsPlugin reports whether the process was started by a plugin host.
func IsPlugin() bool { return os.Getenv(wire.MagicCookieKey) == wire.MagicCookieValue }

// TestFormat starts the running test binary as a plugin (its TestMain
// must call [Main] with f), runs the conformance suite on the format the
// host sees, and checks that the plugin's encodings and decodings equal
// f's own. The plugin's format is registered nowhere unless opts say so.
func TestFormat(t *testing.T, f core.Format, opts ...plugins.Option) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("os.Executable() = %v", err)
	}
	p := load(t, exe, opts)
	coretest.TestFormat(t, p.Format())
	t.Run("SameAsInProcess", func(t *testing.T) { testSame(t, f, p.Format()) })
}

// TestBinary loads the plugin binary at path, runs the conformance suite
// on its format and returns the plugin (closed when the test ends).
func TestBinary(t *testing.T, path string, opts ...plugins.Option) *plugins.Plugin {
	t.Helper()
	p := load(t, path, opts)
	coretest.TestFormat(t, p.Format())
	return p
}

func load(t *testing.T, path string, opts []plugins.Option) *plugins.Plugin {
	t.Helper()
	opts = append([]plugins.Option{plugins.WithoutRegistration()}, opts...)
	p, err := plugins.Load(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("plugins.Load(%q) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return p
}

// testSame compares the plugin's answers with the format's own.
func testSame(t *testing.T, local, remote core.Format) {
	ctx := context.Background()
	ld, rd := describable(local.Describe()), describable(remote.Describe())
	if ld.Version == "" {
		rd.Version = "" // the plugin reports its module version instead
	}
	if !reflect.DeepEqual(ld, rd) {
		t.Fatalf("the plugin describes\n%#v\nthe format\n%#v", rd, ld)
	}
	m := coretest.SampleManifest(local)
	for _, enc := range core.Encodings {
		want, werr := local.EncodeManifest(ctx, m, enc)
		got, gerr := remote.EncodeManifest(ctx, m, enc)
		if (werr == nil) != (gerr == nil) || string(got) != string(want) {
			t.Errorf("EncodeManifest(%s) through the plugin = %q, %v; in process %q, %v", enc, got, gerr, want, werr)
			continue
		}
		wm, werr := local.DecodeManifest(ctx, want)
		gm, gerr := remote.DecodeManifest(ctx, want)
		if werr != nil || gerr != nil || !reflect.DeepEqual(gm, wm) {
			t.Errorf("DecodeManifest(%s) through the plugin = %#v, %v; in process %#v, %v", enc, gm, gerr, wm, werr)
		}
	}
	bad := []byte(`{"schemaVersion":2,"config":{"mediaType":"a/b","size":-1,"digest":"sha256:x"},"layers":[]}`)
	_, werr := local.DecodeManifest(ctx, bad)
	_, gerr := remote.DecodeManifest(ctx, bad)
	if werr == nil || gerr == nil {
		t.Fatalf("DecodeManifest(%q): plugin %v, in process %v; want errors", bad, gerr, werr)
	}
	if errors.Is(werr, core.ErrInvalidDocument) != errors.Is(gerr, core.ErrInvalidDocument) {
		t.Errorf("DecodeManifest(%q): errors.Is(ErrInvalidDocument): plugin %v (%v), in process %v (%v)",
			bad, errors.Is(gerr, core.ErrInvalidDocument), gerr, errors.Is(werr, core.ErrInvalidDocument), werr)
	}
	if lp, rp := ProblemFields(werr), ProblemFields(gerr); !reflect.DeepEqual(lp, rp) {
		t.Errorf("DecodeManifest(%q) problems: plugin %q, in process %q", bad, rp, lp)
	}
}

// description is what a plugin must describe as its format does: the
// whole description, with the table as its entries and supported kinds.
type description struct {
	core.Description
	Entries   map[string]string
	Supported []string
}

func describable(d core.Description) description {
	out := description{Description: d, Entries: d.Table.MediaTypes()}
	for _, k := range d.Table.Kinds() {
		if d.Table.Supports(k) {
			out.Supported = append(out.Supported, k)
		}
	}
	out.Table = nil
	if len(out.ConfigMediaTypes) == 0 {
		out.ConfigMediaTypes = nil
	}
	return out
}

// ProblemFields lists the fields that an error's problems name
// (core.Problems), to compare the errors of a plugin with those of the
// format in process.
func ProblemFields(err error) []string {
	var out []string
	for _, p := range core.Problems(err) {
		var fe *core.FieldError
		if errors.As(p, &fe) {
			out = append(out, fe.Field)
		}
	}
	return out
}
