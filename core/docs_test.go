package core_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// The documents of the decode benchmarks: the six of the project's
// performance notes (perf-2026-12.md, section a), generated here so that
// every run measures the same bytes. Digests are the sha256 of a counter,
// sizes and names vary with the entry, as in real images.

type benchDocument struct {
	name  string
	data  []byte
	index bool
	// entries is the number of layers or manifests.
	entries int
}

// seqDigest returns a well-formed sha256 digest that differs with i.
func seqDigest(i int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("entry %d", i)))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func writeDescriptor(b *strings.Builder, mediaType string, i int, size int64, extra string) {
	fmt.Fprintf(b, `{"mediaType":%q,"digest":%q,"size":%d%s}`, mediaType, seqDigest(i), size, extra)
}

func genManifest(mediaType, configType, layerType string, layers, layerAnnotations int, docAnnotations []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"schemaVersion":2,"mediaType":%q,"config":`, mediaType)
	writeDescriptor(&b, configType, 0, 1469+int64(layers), "")
	b.WriteString(`,"layers":[`)
	for i := range layers {
		if i > 0 {
			b.WriteByte(',')
		}
		extra := ""
		if layerAnnotations > 0 {
			extra = fmt.Sprintf(`,"annotations":{"org.opencontainers.image.title":"layer-%04d.tar.gz"`, i)
			if layerAnnotations > 1 {
				extra += fmt.Sprintf(`,"io.example.build.step":"RUN make -C /src/component-%d install"`, i)
			}
			extra += "}"
		}
		writeDescriptor(&b, layerType, i+1, 1_000_003*int64(i+1)%987_654_321, extra)
	}
	b.WriteByte(']')
	if len(docAnnotations) > 0 {
		b.WriteString(`,"annotations":{`)
		for i := 0; i < len(docAnnotations); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:%q", docAnnotations[i], docAnnotations[i+1])
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return []byte(b.String())
}

var arches = []struct{ arch, variant string }{{"amd64", ""}, {"arm64", "v8"}, {"arm", "v7"}, {"ppc64le", ""}, {"s390x", ""}, {"riscv64", ""}}

func genIndex(mediaType, entryType string, entries int, refNames bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"schemaVersion":2,"mediaType":%q,"manifests":[`, mediaType)
	for i := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		a := arches[i%len(arches)]
		platform := fmt.Sprintf(`,"platform":{"architecture":%q,"os":"linux"`, a.arch)
		if a.variant != "" {
			platform += fmt.Sprintf(`,"variant":%q`, a.variant)
		}
		platform += "}"
		if refNames {
			platform += fmt.Sprintf(`,"annotations":{"org.opencontainers.image.ref.name":"release-%d.%d.%d"}`, i/100, i/10%10, i%10)
		}
		writeDescriptor(&b, entryType, i, 400+int64(i*37%1200), platform)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func benchDocuments() []benchDocument {
	return []benchDocument{
		{"oci-manifest-1k", genManifest(oci.MediaTypeManifest, oci.MediaTypeConfig, oci.MediaTypeLayerGzip, 4, 0,
			[]string{"org.opencontainers.image.created", "2026-12-01T00:00:00Z"}), false, 4},
		{"docker-manifest-1k", genManifest(docker.MediaTypeManifest, docker.MediaTypeConfig, docker.MediaTypeLayerGzip, 5, 0, nil), false, 5},
		{"oci-manifest-100layers", genManifest(oci.MediaTypeManifest, oci.MediaTypeConfig, oci.MediaTypeLayerGzip, 100, 2,
			[]string{"org.opencontainers.image.created", "2026-12-01T00:00:00Z", "org.opencontainers.image.source", "https://example.com/src.git", "org.opencontainers.image.revision", "0123456789abcdef0123456789abcdef01234567"}), false, 100},
		{"docker-manifest-100layers", genManifest(docker.MediaTypeManifest, docker.MediaTypeConfig, docker.MediaTypeLayerGzip, 100, 2, nil), false, 100},
		{"oci-index-1000", genIndex(oci.MediaTypeIndex, oci.MediaTypeManifest, 1000, true), true, 1000},
		{"docker-list-1000", genIndex(docker.MediaTypeManifestList, docker.MediaTypeManifest, 1000, false), true, 1000},
	}
}

// TestBenchDocuments checks that the benchmarks measure what they say:
// each document is decoded by both implementations, with the same number
// of entries, and both see the same digests.
func TestBenchDocuments(t *testing.T) {
	for _, d := range benchDocuments() {
		t.Run(d.name, func(t *testing.T) {
			t.Logf("%s: %d bytes", d.name, len(d.data))
			if d.index {
				ix, _, err := core.DecodeIndex(context.Background(), d.data)
				if err != nil {
					t.Fatalf("DecodeIndex = %v", err)
				}
				var ref v1.Index
				if err := json.Unmarshal(d.data, &ref); err != nil {
					t.Fatalf("json.Unmarshal = %v", err)
				}
				if len(ix.Manifests) != d.entries || len(ref.Manifests) != d.entries {
					t.Fatalf("entries = %d (ours), %d (encoding/json), want %d", len(ix.Manifests), len(ref.Manifests), d.entries)
				}
				for i := range ref.Manifests {
					if ix.Manifests[i].Digest != ref.Manifests[i].Digest || ix.Manifests[i].Platform.Architecture != ref.Manifests[i].Platform.Architecture {
						t.Fatalf("manifests[%d] = %+v, encoding/json has %+v", i, ix.Manifests[i], ref.Manifests[i])
					}
				}
				return
			}
			m, _, err := core.DecodeManifest(context.Background(), d.data)
			if err != nil {
				t.Fatalf("DecodeManifest = %v", err)
			}
			var ref v1.Manifest
			if err := json.Unmarshal(d.data, &ref); err != nil {
				t.Fatalf("json.Unmarshal = %v", err)
			}
			if len(m.Layers) != d.entries || len(ref.Layers) != d.entries {
				t.Fatalf("layers = %d (ours), %d (encoding/json), want %d", len(m.Layers), len(ref.Layers), d.entries)
			}
			for i := range ref.Layers {
				if m.Layers[i].Digest != ref.Layers[i].Digest || len(m.Layers[i].Annotations) != len(ref.Layers[i].Annotations) {
					t.Fatalf("layers[%d] = %+v, encoding/json has %+v", i, m.Layers[i], ref.Layers[i])
				}
			}
		})
	}
}
