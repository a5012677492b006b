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

// BenchmarkDecode compares decoding (with format detection and full
// validation) against encoding/json into image-spec's structs, which
// neither detects nor validates, on the documents of benchDocuments.
func BenchmarkDecode(b *testing.B) {
	for _, d := range benchDocuments() {
		b.Run("doc="+d.name+"/impl=ocispec", func(b *testing.B) {
			b.SetBytes(int64(len(d.data)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if d.index {
					_, _, err = core.DecodeIndex(context.Background(), d.data)
				} else {
					_, _, err = core.DecodeManifest(context.Background(), d.data)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("doc="+d.name+"/impl=encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(d.data)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if d.index {
					var ix v1.Index
					err = json.Unmarshal(d.data, &ix)
				} else {
					var m v1.Manifest
					err = json.Unmarshal(d.data, &m)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
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
