package formats_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/internal/tooltest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// blob is a seed-style input: content, kind and annotations, from which
// both Go and concil's Python make a descriptor.
type blob struct {
	data        string
	kind        string
	annotations map[string]string
}

func (b blob) descriptor() core.Descriptor {
	d := core.DescriptorFromBytes(b.kind, []byte(b.data))
	d.Annotations = b.annotations
	return d
}

type seedCase struct {
	name   string
	config blob
	layers []blob
}

// seedCases use only what concil's manifest_to_dict knows, so Python can
// produce the same bytes.
var seedCases = []seedCase{
	{"seed", blob{data: "{}", kind: "config"}, []blob{{data: "some data", kind: "tar+gzip"}}},
	{"no-layers", blob{data: "{}", kind: "config"}, nil},
	{"every-kind", blob{data: `{"architecture":"amd64","os":"linux"}`, kind: "config"}, func() []blob {
		var out []blob
		for i, k := range formats.SeedKinds()[1:] {
			out = append(out, blob{data: fmt.Sprintf("layer %d", i), kind: k})
		}
		// A concrete type and an unknown name pass through.
		out = append(out, blob{data: "x", kind: "application/vnd.oci.image.layer.v1.tar+gzip"})
		out = append(out, blob{data: "y", kind: "application/x-custom"})
		return out
	}()},
	{"annotations", blob{data: "{}", kind: "config", annotations: map[string]string{"org.opencontainers.image.title": "config"}},
		[]blob{{data: "some data", kind: "tar+zstd", annotations: map[string]string{
			"a.ascii":    "plain </script> & 'quotes' \"double\" back\\slash /slash",
			"b.controls": "tab\tnewline\ncr\rbell\x07del\x7fff\fbs\b",
			"c.unicode":  "é ü ß € \u2028 \u2029 😀 𝄞",
			"d.empty":    "",
		}}}},
}

var formatsUnderTest = formats.Builtin()

func goldenPath(name string) string { return filepath.Join("testdata", "golden", name) }

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := goldenPath(name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file:\n got %s\nwant %s", name, got, want)
	}
}

func seedManifest(c seedCase) core.Manifest {
	m := core.Manifest{Config: c.config.descriptor(), Layers: []core.Descriptor{}}
	for _, l := range c.layers {
		m.Layers = append(m.Layers, l.descriptor())
	}
	return m
}

func TestGoldenSeedCases(t *testing.T) {
	for _, c := range seedCases {
		for _, f := range formatsUnderTest {
			for _, enc := range core.Encodings {
				name := fmt.Sprintf("%s-%s-%s.json", f.Describe().Name, c.name, enc)
				t.Run(name, func(t *testing.T) {
					b, err := core.EncodeManifest(context.Background(), f, seedManifest(c), enc)
					if err != nil {
						t.Fatal(err)
					}
					checkGolden(t, name, b)
					m, got, err := core.DecodeManifest(context.Background(), b)
					if err != nil {
						t.Fatalf("DecodeManifest(golden) = %v", err)
					}
					if got != f {
						t.Errorf("DecodeManifest detected %s, want %s", got.Describe().Name, f.Describe().Name)
					}
					if want := seedManifest(c).For(f); !coretest.EqualManifests(m, want) {
						t.Errorf("decoded %+v, want %+v", m, want)
					}
				})
			}
		}
	}
}

// TestConcilGoldenIsPython proves the concil golden files are the bytes
// concil's Python writes: a reimplementation of concil.oci_spec's
// manifest_to_dict (testdata/concil_oci_spec.py) run through json.dumps
// with its defaults, from the same inputs.
func TestConcilGoldenIsPython(t *testing.T) {
	python := tooltest.Need(t, "python3")
	for _, c := range seedCases {
		for _, f := range formatsUnderTest {
			name := fmt.Sprintf("%s-%s-concil.json", f.Describe().Name, c.name)
			t.Run(name, func(t *testing.T) {
				req := map[string]any{"format": f.Describe().ManifestMediaType, "config": pyBlob(c.config)}
				layers := []any{}
				for _, l := range c.layers {
					layers = append(layers, pyBlob(l))
				}
				req["layers"] = layers
				in, _ := json.Marshal(req)
				cmd := exec.Command(python, filepath.Join("testdata", "concil_oci_spec.py"))
				cmd.Stdin = bytes.NewReader(in)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("python: %v\n%s", err, stderr.Bytes())
				}
				golden, err := os.ReadFile(goldenPath(name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, golden) {
					t.Errorf("Python wrote\n%s\ngolden file holds\n%s", out, golden)
				}
			})
		}
	}
}

func pyBlob(b blob) map[string]any {
	var ann [][2]string
	keys := make([]string, 0, len(b.annotations))
	for k := range b.annotations {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ann = append(ann, [2]string{k, b.annotations[k]})
	}
	return map[string]any{"media_type": b.kind, "data_b64": base64.StdEncoding.EncodeToString([]byte(b.data)), "annotations": ann}
}

// TestCompactIsEncodingJSON checks the compact encoding against
// encoding/json over image-spec's own types (OCI manifests carry every
// field the types have).
func TestCompactIsEncodingJSON(t *testing.T) {
	for _, m := range []core.Manifest{seedManifest(seedCases[3]), fullManifest()} {
		m = m.For(oci.Format)
		got, err := core.EncodeManifest(context.Background(), oci.Format, m, core.EncodingCompact)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m.OCI()); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if !bytes.Equal(got, want) {
			t.Errorf("compact encoding\n%s\nencoding/json of specs-go/v1\n%s", got, want)
		}
	}
}

// TestCanonicalIsSortedPython checks the canonical encoding against
// Python's json.dumps(sort_keys=True, separators=(",", ":"),
// ensure_ascii=False), which is RFC 8785 for documents of strings and
// small integers whose keys are all in the BMP.
func TestCanonicalIsSortedPython(t *testing.T) {
	python := tooltest.Need(t, "python3")
	for _, f := range formatsUnderTest {
		for _, m := range []core.Manifest{seedManifest(seedCases[3]), seedManifest(seedCases[2])} {
			got, err := core.EncodeManifest(context.Background(), f, m, core.EncodingCanonical)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(python, "-c", `import json,sys; sys.stdout.write(json.dumps(json.load(sys.stdin), sort_keys=True, separators=(",", ":"), ensure_ascii=False))`)
			cmd.Stdin = bytes.NewReader(got)
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, out) {
				t.Errorf("%s canonical\n%s\nPython sorted\n%s", f.Describe().Name, got, out)
			}
		}
	}
}

// fullManifest uses every image-spec 1.1 field.
func fullManifest() core.Manifest {
	layer := core.DescriptorFromBytes("nondistributable.tar+gzip", []byte("foreign"))
	layer.URLs = []string{"https://example.com/layer.tar.gz"}
	layer.Annotations = map[string]string{"org.opencontainers.image.title": "layer"}
	data := core.DescriptorFromBytes("application/vnd.example.readme", []byte("# hello <world>\n"))
	data.Data = []byte("# hello <world>\n")
	subject := core.DescriptorFromBytes("manifest", []byte(`{"schemaVersion":2}`))
	subject.Platform = &core.Platform{Architecture: "arm", OS: "linux", Variant: "v7", OSVersion: "6.1", OSFeatures: []string{"f1"}}
	subject.ArtifactType = "application/vnd.example.thing"
	return core.Manifest{
		ArtifactType: "application/vnd.example.sbom.v1+json",
		Config:       core.DescriptorFromBytes("empty", []byte("{}")),
		Layers:       []core.Descriptor{layer, data},
		Subject:      &subject,
		Annotations:  map[string]string{"org.opencontainers.image.created": "2026-11-26T00:00:00Z"},
	}
}

func TestGoldenFull(t *testing.T) {
	for _, enc := range core.Encodings {
		name := fmt.Sprintf("oci-full-%s.json", enc)
		t.Run(name, func(t *testing.T) {
			b, err := core.EncodeManifest(context.Background(), oci.Format, fullManifest(), enc)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, b)
			m, _, err := core.DecodeManifest(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			if want := fullManifest().For(oci.Format); !coretest.EqualManifests(m, want) {
				t.Errorf("decoded %+v\nwant %+v", m, want)
			}
		})
	}
}

func sampleIndex() core.Index {
	amd := core.DescriptorFromBytes("manifest", []byte("amd64 manifest"))
	amd.Platform = &core.Platform{Architecture: "amd64", OS: "linux"}
	arm := core.DescriptorFromBytes("manifest", []byte("arm64 manifest"))
	arm.Platform = &core.Platform{Architecture: "arm64", OS: "linux", Variant: "v8"}
	return core.Index{Manifests: []core.Descriptor{amd, arm}}
}

func TestGoldenIndex(t *testing.T) {
	for _, f := range formatsUnderTest {
		for _, enc := range core.Encodings {
			name := fmt.Sprintf("%s-index-%s.json", f.Describe().Name, enc)
			t.Run(name, func(t *testing.T) {
				b, err := core.EncodeIndex(context.Background(), f, sampleIndex(), enc)
				if err != nil {
					t.Fatal(err)
				}
				checkGolden(t, name, b)
				ix, got, err := core.DecodeIndex(context.Background(), b)
				if err != nil {
					t.Fatal(err)
				}
				if got != f {
					t.Errorf("DecodeIndex detected %s, want %s", got.Describe().Name, f.Describe().Name)
				}
				if want := sampleIndex().For(f); !coretest.EqualIndexes(ix, want) {
					t.Errorf("decoded %+v\nwant %+v", ix, want)
				}
			})
		}
	}
}
