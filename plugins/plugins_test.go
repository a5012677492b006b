package plugins_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/plugins"
	"github.com/concil-go/ocispec/plugins/examples/helm/helmformat"
	"github.com/concil-go/ocispec/plugins/sdk/sdktest"
)

// builtins returns a registry holding the built-in formats, as an
// embedding tool's would.
func builtins() *core.Registry {
	r := core.NewRegistry(nil)
	r.MustRegisterFormat(oci.Format)
	r.MustRegisterFormat(docker.Format)
	return r
}

func load(t *testing.T, path string, opts ...plugins.Option) *plugins.Plugin {
	t.Helper()
	opts = append([]plugins.Option{plugins.WithoutRegistration()}, opts...)
	p, err := plugins.Load(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("Load(%q) = %v", path, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestLoadHelm(t *testing.T) {
	r := builtins()
	p := load(t, helmPlugin, plugins.WithRegistry(r))
	info := p.Info()
	want := plugins.Info{Name: "helm", Version: helmformat.Version, Path: helmPlugin, APIVersion: 1,
		APIVersions: []int{1}}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("Info() = %+v, want %+v", info, want)
	}
	f := p.Format()
	d := f.Describe()
	if d.Detects || d.IndexMediaType != "" || !reflect.DeepEqual(d.ConfigMediaTypes, []string{helmformat.MediaTypeConfig}) || !d.MediaTypeOptional {
		t.Errorf("Format().Describe() = %+v; want no detection, no index, Helm's config type, mediaType optional", d)
	}
	if _, err := core.DecodeIndexAs(context.Background(), f, []byte("{}")); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("DecodeIndexAs(helm) = %v, want errors.ErrUnsupported; Helm has no index", err)
	}
	if got, err := r.Format("helm"); err != nil || got != f {
		t.Errorf("registry.Format(helm) = %v, %v; want the plugin's format", got, err)
	}
	if got := d.Table.MediaTypes(); !reflect.DeepEqual(got, helmformat.MediaTypes()) {
		t.Errorf("MediaTypes() = %v, want %v", got, helmformat.MediaTypes())
	}
	for _, k := range []string{"config", "chart", "provenance", "chart.legacy", "tar"} {
		if f.Describe().Table.Supports(k) != helmformat.Format.Describe().Table.Supports(k) {
			t.Errorf("Supports(%q) = %v, want %v", k, f.Describe().Table.Supports(k), helmformat.Format.Describe().Table.Supports(k))
		}
	}
	// The registry gives Helm charts to the plugin, images to OCI.
	chart, err := helmformat.Format.EncodeManifest(context.Background(), coretest.SampleManifest(helmformat.Format), core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := r.DecodeManifest(context.Background(), chart); err != nil || got.Describe().Name != "helm" {
		t.Errorf("DecodeManifest(chart) format = %v, %v; want helm", got, err)
	}
	image, err := oci.Format.EncodeManifest(context.Background(), coretest.SampleManifest(oci.Format), core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := r.DecodeManifest(context.Background(), image); err != nil || got.Describe().Name != "oci" {
		t.Errorf("DecodeManifest(image) format = %v, %v; want oci", got, err)
	}
	if got := r.Kind(helmformat.MediaTypeChart); got != helmformat.KindChart {
		t.Errorf("registry.Kind(%q) = %q, want %q", helmformat.MediaTypeChart, got, helmformat.KindChart)
	}
	p.Close()
	if _, err := r.Format("helm"); !errors.Is(err, core.ErrUnknownFormat) {
		t.Errorf("after Close, registry.Format(helm) = %v, want ErrUnknownFormat", err)
	}
}

// The conformance suite through gRPC, for the Helm plugin and for a
// plugin with an index (the faulty plugin, behaving).
func TestConformance(t *testing.T) {
	for _, path := range []string{helmPlugin, faultyPlugin} {
		t.Run(path[len(binDir)+1:], func(t *testing.T) {
			coretest.TestFormat(t, load(t, path).Format())
		})
	}
}

// The plugin's answers are the in-process format's, errors included.
func TestSameAsInProcess(t *testing.T) {
	f := load(t, helmPlugin).Format()
	local := helmformat.Format
	m := coretest.SampleManifest(local)
	m.Annotations = map[string]string{"org.opencontainers.image.title": "chart"}
	m.Subject = &core.Descriptor{MediaType: oci.MediaTypeManifest, Size: 3, Digest: core.DigestOf([]byte("abc")),
		Platform: &core.Platform{OS: "linux", Architecture: "arm64", OSFeatures: []string{"a"}}}
	m.Layers[0].URLs = []string{"https://example.com/chart.tgz"}
	m.Layers[0].Data = []byte("chart tgz")
	m.Layers[0].Size, m.Layers[0].Digest = 9, core.DigestOf([]byte("chart tgz"))
	for _, enc := range core.Encodings {
		want, err := local.EncodeManifest(context.Background(), m, enc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.EncodeManifest(context.Background(), m, enc)
		if err != nil || string(got) != string(want) {
			t.Errorf("EncodeManifest(%s) = %s, %v; want %s", enc, got, err, want)
		}
		wm, _ := local.DecodeManifest(context.Background(), want)
		gm, err := f.DecodeManifest(context.Background(), want)
		if err != nil || !reflect.DeepEqual(gm, wm) {
			t.Errorf("DecodeManifest(%s) = %#v, %v; want %#v", enc, gm, err, wm)
		}
	}
	bad := []struct {
		name string
		doc  string
	}{
		{"no chart", `{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","size":1,"digest":"` + string(core.DigestOf([]byte("x"))) + `"},"layers":[]}`},
		{"bad digest", `{"schemaVersion":2,"config":{"mediaType":"a/b","size":1,"digest":"sha256:xyz"},"layers":[]}`},
		{"not json", `{`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, werr := local.DecodeManifest(context.Background(), []byte(tt.doc))
			_, gerr := f.DecodeManifest(context.Background(), []byte(tt.doc))
			for _, s := range []error{core.ErrInvalidDocument, core.ErrInvalidDigest} {
				if errors.Is(gerr, s) != errors.Is(werr, s) {
					t.Errorf("DecodeManifest(%q) = %v; errors.Is(%v) = %v, in process %v (%v)", tt.doc, gerr, s, errors.Is(gerr, s), errors.Is(werr, s), werr)
				}
			}
			if fmt.Sprint(sdktest.ProblemFields(gerr)) != fmt.Sprint(sdktest.ProblemFields(werr)) {
				t.Errorf("DecodeManifest(%q) problems %q, in process %q", tt.doc, sdktest.ProblemFields(gerr), sdktest.ProblemFields(werr))
			}
			var pe *plugins.Error
			if !errors.As(gerr, &pe) || pe.Plugin != "helm" || pe.Op != "DecodeManifest" {
				t.Errorf("DecodeManifest(%q) = %#v, want a *plugins.Error naming helm and DecodeManifest", tt.doc, gerr)
			}
		})
	}
	if _, err := f.EncodeManifest(context.Background(), m, core.Encoding(9)); !errors.Is(err, core.ErrUnknownEncoding) {
		t.Errorf("EncodeManifest(Encoding(9)) = %v, want ErrUnknownEncoding", err)
	}
}

// Lookups never reach the process: they answer with the process
// stopped (and do not start it again).
func TestLookupsWithoutProcess(t *testing.T) {
	p := load(t, helmPlugin)
	f := p.Format()
	pid := p.PID()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	for kind, mt := range helmformat.MediaTypes() {
		if got := f.Describe().Table.MediaType(kind); got != mt {
			t.Errorf("MediaType(%q) = %q, want %q", kind, got, mt)
		}
		if got := f.Describe().Table.Kind(mt); got != kind {
			t.Errorf("Kind(%q) = %q, want %q", mt, got, kind)
		}
	}
	if f.Describe().Name != "helm" || f.Describe().ManifestMediaType != oci.MediaTypeManifest || f.Describe().IndexMediaType != "" || !f.Describe().Table.Supports("chart") {
		t.Errorf("lookups of the stopped plugin: %q %q %q %v", f.Describe().Name, f.Describe().ManifestMediaType, f.Describe().IndexMediaType, f.Describe().Table.Supports("chart"))
	}
	if got := p.Starts(); got != 1 {
		t.Errorf("Starts() = %d, want 1", got)
	}
}

// A plugin that died between calls is started again by the next call,
// which succeeds.
func TestRestartAfterDeathBetweenCalls(t *testing.T) {
	p := load(t, helmPlugin, plugins.WithRestartBackoff(time.Millisecond, time.Millisecond))
	chart, _ := helmformat.Format.EncodeManifest(context.Background(), coretest.SampleManifest(helmformat.Format), core.EncodingCompact)
	pid := p.PID()
	proc, _ := os.FindProcess(pid)
	proc.Kill()
	for deadline := time.Now().Add(10 * time.Second); p.PID() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("PID() = %d after the process was killed, want 0", p.PID())
		}
	}
	if _, err := p.DecodeManifest(context.Background(), chart); err != nil {
		t.Fatalf("DecodeManifest after the plugin was killed = %v", err)
	}
	if p.PID() == pid || p.Starts() != 2 {
		t.Errorf("PID() = %d (was %d), Starts() = %d; want a new process, 2 starts", p.PID(), pid, p.Starts())
	}
}

func TestConcurrentCalls(t *testing.T) {
	f := load(t, helmPlugin).Format()
	m := coretest.SampleManifest(helmformat.Format)
	want, _ := helmformat.Format.EncodeManifest(context.Background(), m, core.EncodingCanonical)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				b, err := f.EncodeManifest(context.Background(), m, core.EncodingCanonical)
				if err == nil && string(b) != string(want) {
					err = fmt.Errorf("EncodeManifest = %s, want %s", b, want)
				}
				if err == nil {
					_, err = f.DecodeManifest(context.Background(), b)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestInfoIsACopy(t *testing.T) {
	p := load(t, faultyPlugin)
	i := p.Info()
	i.Capabilities[0] = "changed"
	if got := p.Info().Capabilities; !slices.Equal(got, []string{"detect", "index"}) {
		t.Errorf("Info().Capabilities = %v after changing a copy", got)
	}
}
