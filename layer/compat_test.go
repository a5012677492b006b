package layer_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layer"
	digest "github.com/opencontainers/go-digest"
)

// Digests of reproducible layers made by the ocispec command before
// this package existed (cmd/ocispec/internal/tarlayer at 788f7d5:
// `ocispec pack --layer tar=DIR --layer tar+zstd=DIR`). The same
// folders must give the same layers, whatever the number of cores.
var compatPins = []struct {
	name        string
	dir         string // "" for compatTree
	compression core.Compression
	digest      digest.Digest
	diffID      digest.Digest
}{
	{"fixture/tar", "", core.Uncompressed,
		"sha256:b84fb925de282ce523d4cef3d453e7cca5d90aa885629661dd341c5e601e094f",
		"sha256:b84fb925de282ce523d4cef3d453e7cca5d90aa885629661dd341c5e601e094f"},
	{"fixture/zstd", "", core.Zstd,
		"sha256:39b43aa45c4a8d05c2b1c015e7f5cddea5dcb70a5531485a9b3945085255592b",
		"sha256:b84fb925de282ce523d4cef3d453e7cca5d90aa885629661dd341c5e601e094f"},
	{"hello/tar", "../examples/hello", core.Uncompressed,
		"sha256:f81d7d7b262a76227fb517501b88776fe3ad18f100a4543cc72d2959fc1cdcfe",
		"sha256:f81d7d7b262a76227fb517501b88776fe3ad18f100a4543cc72d2959fc1cdcfe"},
	{"hello/zstd", "../examples/hello", core.Zstd,
		"sha256:29b5b62714a53fca59ea8a1a3ebba6b62c29e71596537153fd547cdfa6ba1b89",
		"sha256:f81d7d7b262a76227fb517501b88776fe3ad18f100a4543cc72d2959fc1cdcfe"},
}

func TestCompatibility(t *testing.T) {
	fixture := t.TempDir()
	compatTree(t, fixture)
	for _, tt := range compatPins {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == "" {
				dir = fixture
			}
			for _, procs := range []int{1, 2, 5} {
				var buf bytes.Buffer
				l := withProcs(procs, func() layer.Layer {
					l, err := layer.Build(context.Background(), &buf, layer.Options{Compression: tt.compression}, layer.FromDir(dir))
					if err != nil {
						t.Fatalf("Build(%s): %v", dir, err)
					}
					return l
				})
				if l.Digest != tt.digest || l.DiffID != tt.diffID {
					t.Errorf("GOMAXPROCS=%d: Build(%s, %v) = digest %s, diffID %s; want %s, %s", procs, dir, tt.compression, l.Digest, l.DiffID, tt.digest, tt.diffID)
				}
				if got := digest.FromBytes(buf.Bytes()); got != l.Digest {
					t.Errorf("GOMAXPROCS=%d: Digest = %s, but the bytes written hash to %s", procs, l.Digest, got)
				}
			}
		})
	}
}
