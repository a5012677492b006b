package core_test

import (
	"crypto/sha256"
	"hash"

	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

func newTestFormat(name, manifestType string, table map[string]string) *core.BasicFormat {
	return core.NewFormat(core.FormatSpec{Description: core.Description{
		Name: name, ManifestMediaType: manifestType, Table: core.NewTable(table, nil), ArtifactFields: true,
	}})
}

func TestRegisterFormatErrors(t *testing.T) {
	r := core.NewRegistry(nil)
	if err := r.RegisterFormat(nil); !errors.Is(err, core.ErrInvalidFormat) {
		t.Errorf("RegisterFormat(nil) = %v, want ErrInvalidFormat", err)
	}
	if err := r.RegisterFormat((*core.BasicFormat)(nil)); !errors.Is(err, core.ErrInvalidFormat) {
		t.Errorf("RegisterFormat(typed nil) = %v, want ErrInvalidFormat", err)
	}
	if err := r.RegisterFormat(oci.Format); err != nil {
		t.Fatalf("RegisterFormat(oci) = %v", err)
	}
	if err := r.RegisterFormat(oci.Format); !errors.Is(err, core.ErrDuplicate) || !errors.Is(err, core.ErrAlreadyExists) {
		t.Errorf("RegisterFormat(oci again) = %v, want ErrDuplicate", err)
	}
	for _, bad := range []*core.BasicFormat{
		newTestFormat("", "application/x-m", nil),
		newTestFormat("Upper", "application/x-m", nil),
		newTestFormat("has space", "application/x-m", nil),
		newTestFormat("ok", "not a media type", nil),
		newTestFormat("ok", "application/x-m", map[string]string{"k": "bad type"}),
		newTestFormat("ok", "application/x-m", map[string]string{"a/b": "application/x-k"}),
		core.NewFormat(core.FormatSpec{Description: core.Description{Name: "ok", ManifestMediaType: "application/x-m", ConfigMediaTypes: []string{"not/a type"}}}),
	} {
		if err := r.RegisterFormat(bad); err == nil {
			d := bad.Describe()
			t.Errorf("RegisterFormat(%q, %q) = nil, want an error", d.Name, d.ManifestMediaType)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("MustRegisterFormat(duplicate) did not panic")
			}
		}()
		r.MustRegisterFormat(oci.Format)
	}()
}

// A description that promises an index or detection must come with the
// interface that delivers it.
type describedOnly struct{ d core.Description }

func (f describedOnly) Describe() core.Description { return f.d }
func (describedOnly) EncodeManifest(context.Context, core.Manifest, core.Encoding) ([]byte, error) {
	return nil, errors.ErrUnsupported
}
func (describedOnly) DecodeManifest(context.Context, []byte) (core.Manifest, error) {
	return core.Manifest{}, errors.ErrUnsupported
}

func TestValidateFormatCapabilities(t *testing.T) {
	base := core.Description{Name: "x", ManifestMediaType: "application/x-m", Table: core.NewTable(nil, nil)}
	if err := core.ValidateFormat(describedOnly{base}); err != nil {
		t.Errorf("ValidateFormat(plain) = %v", err)
	}
	withIndex := base
	withIndex.IndexMediaType = "application/x-i"
	if err := core.ValidateFormat(describedOnly{withIndex}); !errors.Is(err, core.ErrInvalidFormat) {
		t.Errorf("ValidateFormat(index type without IndexFormat) = %v, want ErrInvalidFormat", err)
	}
	detects := base
	detects.Detects = true
	if err := core.ValidateFormat(describedOnly{detects}); !errors.Is(err, core.ErrInvalidFormat) {
		t.Errorf("ValidateFormat(Detects without Detector) = %v, want ErrInvalidFormat", err)
	}
}

func TestUnknownFormatSaysWhatToDo(t *testing.T) {
	r := core.NewRegistry(nil)
	_, err := r.Format("oci")
	if !errors.Is(err, core.ErrUnknownFormat) || !errors.Is(err, core.ErrNotFound) || !strings.Contains(err.Error(), "forgotten import?") {
		t.Errorf("Format(oci) on an empty registry = %v, want ErrUnknownFormat with a hint", err)
	}
	r.MustRegisterFormat(docker.Format)
	_, err = r.Format("helm")
	if !errors.Is(err, core.ErrUnknownFormat) || !strings.Contains(err.Error(), "known: docker") {
		t.Errorf("Format(helm) = %v, want the known names", err)
	}
	if _, err := r.FormatByMediaType(oci.MediaTypeManifest); !errors.Is(err, core.ErrUnknownFormat) {
		t.Errorf("FormatByMediaType(oci manifest) = %v", err)
	}
}

func TestDefaultHasBuiltins(t *testing.T) {
	for _, name := range []string{"oci", "docker"} {
		f, err := core.Default.Format(name)
		if err != nil {
			t.Fatalf("Default.Format(%q) = %v", name, err)
		}
		if got := f.Describe().Name; got != name {
			t.Errorf("Default.Format(%q).Describe().Name = %q", name, got)
		}
	}
	if f, _ := core.Default.Format("oci"); f != core.Format(oci.Format) {
		t.Errorf("Default's oci is not oci.Format")
	}
	for mt, want := range map[string]string{
		oci.MediaTypeManifest: "oci", oci.MediaTypeIndex: "oci",
		docker.MediaTypeManifest: "docker", docker.MediaTypeManifestList: "docker",
		"Application/VND.Docker.Distribution.Manifest.V2+JSON; x=y": "docker",
	} {
		f, err := core.Default.FormatByMediaType(mt)
		if err != nil || f.Describe().Name != want {
			t.Errorf("FormatByMediaType(%q) = %v, %v; want %s", mt, f, err, want)
		}
	}
}

func TestUnregisterFormat(t *testing.T) {
	r := core.NewRegistry(nil)
	x := newTestFormat("x", "application/vnd.x.manifest", map[string]string{"blob": "application/vnd.x.blob"})
	r.MustRegisterFormat(oci.Format)
	r.MustRegisterFormat(x)
	if k := r.Kind("application/vnd.x.blob"); k != "blob" {
		t.Fatalf("Kind = %q", k)
	}
	if err := r.UnregisterFormat("x"); err != nil {
		t.Fatal(err)
	}
	if k := r.Kind("application/vnd.x.blob"); k != "application/vnd.x.blob" {
		t.Errorf("Kind after unregister = %q, want pass-through", k)
	}
	if k := r.Kind(oci.MediaTypeLayerGzip); k != "tar+gzip" {
		t.Errorf("Kind(oci gzip) after unregistering another = %q", k)
	}
	if err := r.UnregisterFormat("x"); !errors.Is(err, core.ErrUnknownFormat) {
		t.Errorf("UnregisterFormat(twice) = %v", err)
	}
}

// The zero Registry is an empty registry, usable as it is.
func TestZeroRegistry(t *testing.T) {
	var r core.Registry
	if got := r.FormatNames(); len(got) != 0 {
		t.Errorf("zero Registry FormatNames() = %v", got)
	}
	if _, _, err := r.DecodeManifest(context.Background(), []byte(`{"schemaVersion":2,"config":{},"layers":[]}`)); !errors.Is(err, core.ErrUnknownDocument) {
		t.Errorf("zero Registry DecodeManifest = %v, want ErrUnknownDocument", err)
	}
	if err := r.RegisterFormat(oci.Format); err != nil {
		t.Fatalf("zero Registry RegisterFormat = %v", err)
	}
	if _, err := r.Format("oci"); err != nil {
		t.Errorf("zero Registry Format(oci) after registering = %v", err)
	}
}

// TestPrivateRegistryIsolated proves that a private registry answers
// from what it holds: registering formats in core.Default, even one that
// lists a media type the private registry's formats see, changes no
// answer of the private registry or of the format values themselves.
func TestPrivateRegistryIsolated(t *testing.T) {
	ctx := context.Background()
	private := core.NewRegistry(nil)
	private.MustRegisterFormat(oci.Format)
	private.MustRegisterFormat(docker.Format)

	const thing = "application/vnd.example.thing.v1"
	m := core.Manifest{
		Config: core.DescriptorFromBytes(oci.MediaTypeConfig, []byte("{}")),
		Layers: []core.Descriptor{core.DescriptorFromBytes(thing, []byte("x"))},
	}
	doc, err := oci.Format.EncodeManifest(ctx, m, core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	answers := func() string {
		var b strings.Builder
		conv, err := core.ConvertManifest(m, oci.Format, docker.Format, core.ConvertOptions{})
		fmt.Fprintf(&b, "convert: %v %v\n", conv.Layers, err)
		mt, err := core.ConvertMediaType(thing, oci.Format, docker.Format, false)
		fmt.Fprintf(&b, "media type: %q %v\n", mt, err)
		fmt.Fprintf(&b, "kind: %q %q\n", private.Kind(thing), oci.Format.Describe().Table.Kind(thing))
		got, f, err := private.DecodeManifest(ctx, doc)
		fmt.Fprintf(&b, "decode: %v %v %v\n", got.Layers, f, err)
		fmt.Fprintf(&b, "names: %v\n", private.FormatNames())
		return b.String()
	}
	before := answers()
	if !strings.Contains(before, "convert: [{"+thing) {
		t.Fatalf("before: a type no table knows must pass through a conversion:\n%s", before)
	}

	// A format that knows the type, and one that claims OCI manifests
	// with this config, both in core.Default.
	other := newTestFormat("isolation-thing", "application/vnd.example.thing.manifest.v1", map[string]string{"thing": thing})
	claimer := core.NewFormat(core.FormatSpec{Description: core.Description{
		Name: "isolation-claimer", ManifestMediaType: oci.MediaTypeManifest, MediaTypeOptional: true,
		Table: core.NewTable(nil, nil), ConfigMediaTypes: []string{oci.MediaTypeConfig},
	}})
	for _, f := range []core.Format{other, claimer} {
		core.MustRegisterFormat(f)
		t.Cleanup(func() { core.Default.UnregisterFormat(f.Describe().Name) })
	}
	if k := core.Default.Kind(thing); k != "thing" {
		t.Fatalf("core.Default.Kind(%q) = %q: the registration did not take", thing, k)
	}
	if after := answers(); after != before {
		t.Errorf("answers changed after registering in core.Default:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// The same for digest algorithms: a digester registered in
// core.DefaultAlgorithms changes nothing a private Algorithms says.
func TestPrivateAlgorithmsIsolated(t *testing.T) {
	private := core.NewAlgorithms()
	const alg = "isolation-alg"
	short := digest.Digest("isolation-alg:abcd")
	answers := func() string {
		_, err := private.Digester(alg)
		return fmt.Sprintf("%v|%v|%v|%v", private.ValidateDigest(short), err, private.Available(alg), private.Names())
	}
	before := answers()
	if _, err := core.DefaultAlgorithms.Set(testDigester{alg, 32}); err != nil {
		t.Fatal(err)
	}
	if core.DefaultAlgorithms.ValidateDigest(short) == nil {
		t.Fatalf("core.DefaultAlgorithms does not check the new algorithm's length: the registration did not take")
	}
	if after := answers(); after != before {
		t.Errorf("private Algorithms changed after registering in core.DefaultAlgorithms:\nbefore %s\nafter  %s", before, after)
	}
}

// TestRegistryConcurrent registers, looks up and unregisters from many
// goroutines at once; run with -race.
func TestRegistryConcurrent(t *testing.T) {
	r := core.NewRegistry(nil)
	r.MustRegisterFormat(oci.Format)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("f%d", i)
			f := newTestFormat(name, "application/vnd.f"+name+".manifest", map[string]string{"k": "application/vnd." + name + ".k"})
			if err := r.RegisterFormat(f); err != nil {
				t.Error(err)
			}
			if _, err := r.Format(name); err != nil {
				t.Error(err)
			}
			if err := r.UnregisterFormat(name); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := r.Format("oci"); err != nil {
					t.Error(err)
				}
				if k := r.Kind(oci.MediaTypeLayerZstd); k != "tar+zstd" {
					t.Errorf("Kind = %q", k)
				}
				_ = r.FormatNames()
			}
		}()
	}
	wg.Wait()
	if got := r.FormatNames(); len(got) != 1 || got[0] != "oci" {
		t.Errorf("FormatNames() after = %v, want [oci]", got)
	}
}

type testDigester struct {
	alg  digest.Algorithm
	size int
}

func (d testDigester) Algorithm() digest.Algorithm { return d.alg }
func (d testDigester) Size() int                   { return d.size }
func (d testDigester) New() hash.Hash              { return sha256.New() }
func (d testDigester) Backend() string             { return "test" }
