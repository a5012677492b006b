package benchmarks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/concil-go/ocispec/core"
	_ "github.com/concil-go/ocispec/formats/oci"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// document is one manifest or index of the size ladder the document
// benchmarks decode and encode.
type document struct {
	name  string
	index bool
	data  []byte // as json.Marshal writes it from image-spec's types
}

func fakeDigest(kind string, i int) digest.Digest {
	return digest.FromBytes(fmt.Appendf(nil, "%s %d", kind, i))
}

func fakeManifest(layers, annotationsPerLayer int) v1.Manifest {
	m := v1.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: v1.MediaTypeImageManifest,
		Config:    v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: fakeDigest("config", 0), Size: 1469},
		Annotations: map[string]string{
			v1.AnnotationCreated: "2026-12-01T00:00:00Z",
		},
	}
	for i := range layers {
		l := v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: fakeDigest("layer", i), Size: int64(1000 + 7919*i)}
		if annotationsPerLayer > 0 {
			l.Annotations = map[string]string{}
			for j := range annotationsPerLayer {
				l.Annotations[fmt.Sprintf("com.example.layer.%d", j)] = fmt.Sprintf("value of layer %d, %d", i, j)
			}
		}
		m.Layers = append(m.Layers, l)
	}
	return m
}

func fakeIndex(entries int) v1.Index {
	ix := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex}
	arches := []string{"amd64", "arm64", "ppc64le", "s390x", "riscv64"}
	for i := range entries {
		ix.Manifests = append(ix.Manifests, v1.Descriptor{
			MediaType:   v1.MediaTypeImageManifest,
			Digest:      fakeDigest("manifest", i),
			Size:        int64(500 + i),
			Platform:    &v1.Platform{OS: "linux", Architecture: arches[i%len(arches)]},
			Annotations: map[string]string{v1.AnnotationRefName: fmt.Sprintf("v%d.%d", i/10, i%10)},
		})
	}
	return ix
}

func documents(tb testing.TB) []document {
	tb.Helper()
	var docs []document
	add := func(name string, index bool, v any) {
		data, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, document{name, index, data})
	}
	add("oci-manifest-4layers", false, fakeManifest(4, 0))
	add("oci-manifest-100layers", false, fakeManifest(100, 2))
	add("oci-index-1000", true, fakeIndex(1000))
	return docs
}

// TestDocumentsAgree checks that the document benchmarks compare like
// with like: every implementation decodes every document to the same
// digests, and ocispec's compact encoding of it is the bytes
// encoding/json wrote.
func TestDocumentsAgree(t *testing.T) {
	ctx := context.Background()
	for _, d := range documents(t) {
		t.Run(d.name, func(t *testing.T) {
			sum := sha256.Sum256(d.data)
			t.Logf("%d bytes, sha256 %x", len(d.data), sum[:4])
			var want []string
			var got []string
			var enc []byte
			if d.index {
				var ref v1.Index
				if err := json.Unmarshal(d.data, &ref); err != nil {
					t.Fatal(err)
				}
				for _, m := range ref.Manifests {
					want = append(want, m.Digest.String())
				}
				ix, f, err := core.DecodeIndex(ctx, d.data)
				if err != nil {
					t.Fatalf("core.DecodeIndex: %v", err)
				}
				for _, m := range ix.Manifests {
					got = append(got, string(m.Digest))
				}
				g, err := ggcr.ParseIndexManifest(bytes.NewReader(d.data))
				if err != nil || len(g.Manifests) != len(want) || g.Manifests[len(want)-1].Digest.String() != want[len(want)-1] {
					t.Fatalf("ggcr.ParseIndexManifest = %v entries, %v; want %d", len(g.Manifests), err, len(want))
				}
				if enc, err = core.EncodeIndex(ctx, f, ix, core.EncodingCompact); err != nil {
					t.Fatal(err)
				}
			} else {
				var ref v1.Manifest
				if err := json.Unmarshal(d.data, &ref); err != nil {
					t.Fatal(err)
				}
				for _, l := range ref.Layers {
					want = append(want, l.Digest.String())
				}
				m, f, err := core.DecodeManifest(ctx, d.data)
				if err != nil {
					t.Fatalf("core.DecodeManifest: %v", err)
				}
				for _, l := range m.Layers {
					got = append(got, string(l.Digest))
				}
				g, err := ggcr.ParseManifest(bytes.NewReader(d.data))
				if err != nil || len(g.Layers) != len(want) || g.Layers[len(want)-1].Digest.String() != want[len(want)-1] {
					t.Fatalf("ggcr.ParseManifest = %v layers, %v; want %d", len(g.Layers), err, len(want))
				}
				if enc, err = core.EncodeManifest(ctx, f, m, core.EncodingCompact); err != nil {
					t.Fatal(err)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("ocispec decoded digests %v, encoding/json %v", got, want)
			}
			if !bytes.Equal(enc, d.data) {
				t.Errorf("compact encoding differs from encoding/json's:\n got %.300s\nwant %.300s", enc, d.data)
			}
		})
	}
}

// BenchmarkDocumentDecode compares decoding a manifest or index, with
// format detection and every check (core.DecodeManifest, DecodeIndex),
// against encoding/json into image-spec's types and go-containerregistry's
// parsers, which check nothing.
func BenchmarkDocumentDecode(b *testing.B) {
	ctx := context.Background()
	for _, d := range documents(b) {
		impls := []struct {
			name string
			op   func() error
		}{
			{"ocispec", func() error {
				if d.index {
					_, _, err := core.DecodeIndex(ctx, d.data)
					return err
				}
				_, _, err := core.DecodeManifest(ctx, d.data)
				return err
			}},
			{"encoding-json", func() error {
				if d.index {
					var ix v1.Index
					return json.Unmarshal(d.data, &ix)
				}
				var m v1.Manifest
				return json.Unmarshal(d.data, &m)
			}},
			{"ggcr", func() error {
				if d.index {
					_, err := ggcr.ParseIndexManifest(bytes.NewReader(d.data))
					return err
				}
				_, err := ggcr.ParseManifest(bytes.NewReader(d.data))
				return err
			}},
		}
		for _, impl := range impls {
			b.Run("doc="+d.name+"/impl="+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(d.data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := impl.op(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDocumentEncode compares encoding (which validates first) in
// the compact and the canonical (RFC 8785) encodings against
// json.Marshal of image-spec's types.
func BenchmarkDocumentEncode(b *testing.B) {
	ctx := context.Background()
	for _, d := range documents(b) {
		var ours func(core.Encoding) ([]byte, error)
		var ref any
		if d.index {
			ix, f, err := core.DecodeIndex(ctx, d.data)
			if err != nil {
				b.Fatal(err)
			}
			ours = func(e core.Encoding) ([]byte, error) { return core.EncodeIndex(ctx, f, ix, e) }
			ref = ix.OCI()
		} else {
			m, f, err := core.DecodeManifest(ctx, d.data)
			if err != nil {
				b.Fatal(err)
			}
			ours = func(e core.Encoding) ([]byte, error) { return core.EncodeManifest(ctx, f, m, e) }
			ref = m.OCI()
		}
		for _, impl := range []struct {
			name string
			op   func() ([]byte, error)
		}{
			{"ocispec-compact", func() ([]byte, error) { return ours(core.EncodingCompact) }},
			{"ocispec-canonical", func() ([]byte, error) { return ours(core.EncodingCanonical) }},
			{"encoding-json", func() ([]byte, error) { return json.Marshal(ref) }},
		} {
			b.Run("doc="+d.name+"/impl="+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(d.data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := impl.op(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
