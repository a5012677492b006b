package benchmarks

import (
	"os"
	"testing"

	"github.com/concil-go/ocispec/core"
)

// These checks run in `go test ./...`: every implementation a benchmark
// compares computes the same digests, so the benchmarks compare equal
// work.

func TestFileImplsAgree(t *testing.T) {
	for _, n := range []int64{0, 300 * KiB} {
		path := randomFile(t, n, 7)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want := limit(data)
		for _, im := range fileImpls {
			if got, err := im.fn(path); got != want || err != nil {
				t.Errorf("%s(%s file) = %s, %v; want %s", im.name, sizeName(n), got, err, want)
			}
		}
		d := core.Descriptor{Digest: want, Size: n}
		for _, im := range verifyImpls {
			if err := im.fn(path, d); err != nil {
				t.Errorf("verify %s(%s file) = %v, want nil", im.name, sizeName(n), err)
			}
			d.Size++
			if err := im.fn(path, d); err == nil {
				t.Errorf("verify %s(%s file, wrong size) = nil, want an error", im.name, sizeName(n))
			}
			d.Size--
		}
	}
}

func TestLayerImplsAgree(t *testing.T) {
	tarPath := layerTar(t, 2*MiB)
	tarData, err := os.ReadFile(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	diffID := limit(tarData)
	for format, impls := range map[string][]layerImpl{"gzip": gzipImpls, "zstd": zstdImpls} {
		path := compressedLayer(t, 2*MiB, format)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(data)*3/2 > len(tarData) || len(data)*4 < len(tarData) {
			t.Errorf("%s layer is %d bytes for a %d-byte tar, want a ratio between 1.5 and 4", format, len(data), len(tarData))
		}
		for _, im := range impls {
			c, u, err := im.fn(path)
			if c != limit(data) || u != diffID || err != nil {
				t.Errorf("%s %s = %s, %s, %v; want %s, %s", format, im.name, c, u, err, limit(data), diffID)
			}
		}
	}
}
