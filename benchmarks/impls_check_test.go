package benchmarks

import (
	"bytes"
	"os"
	"testing"

	"github.com/concil-go/ocispec/benchmarks/internal/benchdata"
	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
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

// TestBuildLayerImpls: the serial baseline of BenchmarkBuildLayer
// writes the layers package layer writes, for the compressions whose
// bytes did not change (uncompressed and zstd), and a gzip layer with
// the same diffID; each digest is that of the bytes written.
func TestBuildLayerImpls(t *testing.T) {
	root := t.TempDir()
	if err := benchdata.Tree(root, "misc"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []core.Compression{core.Uncompressed, core.Zstd, core.Gzip} {
		var digests, diffIDs []digest.Digest
		for _, im := range buildImpls {
			var buf bytes.Buffer
			d, diff, err := im.fn(root, &buf, c)
			if err != nil {
				t.Fatalf("%s(%v): %v", im.name, c, err)
			}
			if got := digest.FromBytes(buf.Bytes()); got != d {
				t.Errorf("%s(%v): digest %s, but the bytes hash to %s", im.name, c, d, got)
			}
			digests, diffIDs = append(digests, d), append(diffIDs, diff)
		}
		if diffIDs[0] != diffIDs[1] || (c != core.Gzip) != (digests[0] == digests[1]) {
			t.Errorf("%v: ours %s (diffID %s), serial %s (diffID %s)", c, digests[0], diffIDs[0], digests[1], diffIDs[1])
		}
	}
}
