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
//
// Besides the wall time, each reports cpu-ns/op, the process's CPU time
// per operation (garbage collection on the other cores included, waiting
// for a core excluded).
func BenchmarkDecode(b *testing.B) {
	for _, d := range benchDocuments() {
		b.Run("doc="+d.name+"/impl=ocispec", func(b *testing.B) {
			benchCPU(b, len(d.data), func() error {
				var err error
				if d.index {
					_, _, err = core.DecodeIndex(context.Background(), d.data)
				} else {
					_, _, err = core.DecodeManifest(context.Background(), d.data)
				}
				return err
			})
		})
		b.Run("doc="+d.name+"/impl=encoding-json", func(b *testing.B) {
			benchCPU(b, len(d.data), func() error {
				if d.index {
					var ix v1.Index
					return json.Unmarshal(d.data, &ix)
				}
				var m v1.Manifest
				return json.Unmarshal(d.data, &m)
			})
		})
	}
}

// benchCPU runs op in b's loop and reports its bytes, allocations and
// CPU time.
func benchCPU(b *testing.B, size int, op func() error) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if end := processCPU(); start >= 0 && end >= 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
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
