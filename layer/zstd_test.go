package layer_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layer"
)

// zstdInput returns n bytes, half random and half text, so that the
// encoder finds both matches and literals.
func zstdInput(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, 0, n)
	for len(b) < n {
		if r.IntN(2) == 0 {
			for i := 0; i < 700 && len(b) < n; i++ {
				b = append(b, byte(r.Uint32()))
			}
		} else {
			b = append(b, fmt.Sprintf("line %d of a text that repeats itself\n", r.IntN(50))...)
		}
	}
	return b[:n]
}

// TestZstdFrame: a tar+zstd layer is, byte for byte, what the encoder
// makes of its tar stream, with its content checksum, at the options of
// every zstd layer made so far, whatever the size of the last block;
// and the reference zstd checks that checksum. The last size is large
// enough for Write to map memory for its chunks.
func TestZstdFrame(t *testing.T) {
	zstdPath := tooltest.Need(t, "zstd")
	for _, n := range []int{0, 1, 31, 32, 33, 100, 128<<10 - 1536, 128 << 10, 1<<20 - 1537, 1 << 20, 5<<20 + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			plan, err := layer.Scan(context.Background(), layer.FromEntries(layer.File("f", zstdInput(n))))
			if err != nil {
				t.Fatal(err)
			}
			var tarball, got bytes.Buffer
			if _, err := plan.Write(context.Background(), &tarball, layer.Options{}); err != nil {
				t.Fatal(err)
			}
			if _, err := plan.Write(context.Background(), &got, layer.Options{Compression: core.Zstd}); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			zw, err := zstd.NewWriter(&want, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
			if err != nil {
				t.Fatal(err)
			}
			zw.Write(tarball.Bytes())
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("the layer (%d bytes) differs from the encoder's frame with its checksum (%d bytes)", got.Len(), want.Len())
			}
			if out := run(t, got.Bytes(), "zstd", "-d", "-c", "-q"); !bytes.Equal(out, tarball.Bytes()) {
				t.Fatalf("zstd -d gives %d bytes, not the %d of the tar stream", len(out), tarball.Len())
			}
			// The reference tool does check the checksum: a wrong one fails.
			bad := bytes.Clone(got.Bytes())
			bad[len(bad)-1] ^= 1
			cmd := exec.Command(zstdPath, "-t", "-q")
			cmd.Stdin = bytes.NewReader(bad)
			if err := cmd.Run(); err == nil {
				t.Fatal("zstd -t accepts the frame with its checksum altered")
			}
		})
	}
}
