package core_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func benchDoc(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join("..", "formats", "testdata", "golden", "oci-full-compact.json"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkDecodeManifest compares decoding (with detection and
// validation) against encoding/json into image-spec's struct, which
// neither detects nor validates.
func BenchmarkDecodeManifest(b *testing.B) {
	data := benchDoc(b)
	b.Run("impl=ours", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := core.DecodeManifest(context.Background(), data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var m v1.Manifest
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeManifest(b *testing.B) {
	m, _, err := core.DecodeManifest(context.Background(), benchDoc(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, enc := range core.Encodings {
		b.Run("encoding="+enc.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := oci.Format.EncodeManifest(context.Background(), m, enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("encoding=encoding-json", func(b *testing.B) {
		o := m.OCI()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
