package layout_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/klauspost/compress/gzip"
	digest "github.com/opencontainers/go-digest"
)

// BenchmarkVerifyLayers compares verify's digest-only check of an
// image with one 64 MiB tar+gzip layer (check=digest, verify as it was)
// with the check that also reads the layer as a tar and its diffID
// against the config, in the same read (check=layers).
func BenchmarkVerifyLayers(b *testing.B) {
	var plain, gz bytes.Buffer
	tw := tar.NewWriter(&plain)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; plain.Len() < 64<<20; i++ {
		body := make([]byte, 1<<20)
		for j := range body {
			body[j] = "abcdefgh"[rng.IntN(8)] // compresses to about a third
		}
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%d", i), Mode: 0o644, Size: int64(len(body))})
		tw.Write(body)
	}
	tw.Close()
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(digest.FromBytes(plain.Bytes())) + `"]}}`)
	config := core.DescriptorFromBytes(core.KindConfig, cfg)
	lay := core.DescriptorFromBytes(core.KindTarGzip, gz.Bytes())
	ctx := context.Background()
	l, err := layout.Create(filepath.Join(b.TempDir(), "img"), layout.OCI)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	f, _ := core.Default.Format("oci")
	if _, err := l.WriteImage(ctx, f, core.Manifest{Config: config, Layers: []core.Descriptor{lay}}, layout.Blobs{config.Digest: layout.FromBytes(cfg), lay.Digest: layout.FromBytes(gz.Bytes())}, nil); err != nil {
		b.Fatal(err)
	}
	for _, check := range []string{"digest", "layers"} {
		b.Run("check="+check, func(b *testing.B) {
			b.SetBytes(lay.Size)
			for b.Loop() {
				if err := l.VerifyWith(ctx, layout.VerifyOptions{Layers: check == "layers"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
