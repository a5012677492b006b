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

// TestZstdWarmUp: a Write after WarmUp uses the warmed encoder and
// writes the same bytes as one without, for streams shorter and longer
// than the encoder's window; WarmUp of another compression does nothing.
func TestZstdWarmUp(t *testing.T) {
	layer.WarmUp(core.Gzip)
	layer.WarmUp(core.Uncompressed)
	if layer.WarmPending() {
		t.Fatal("WarmUp of gzip or no compression left an encoder waiting")
	}
	for _, n := range []int{0, 100, 1 << 20, 9<<20 + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			plan, err := layer.Scan(context.Background(), layer.FromEntries(layer.File("f", zstdInput(n))))
			if err != nil {
				t.Fatal(err)
			}
			var fresh, warmed bytes.Buffer
			if _, err := plan.Write(context.Background(), &fresh, layer.Options{Compression: core.Zstd}); err != nil {
				t.Fatal(err)
			}
			layer.WarmUp(core.Zstd)
			layer.WarmUp(core.Zstd) // one warm-up at a time
			if !layer.WarmPending() {
				t.Fatal("WarmUp(core.Zstd) readies nothing")
			}
			l, err := plan.Write(context.Background(), &warmed, layer.Options{Compression: core.Zstd})
			if err != nil {
				t.Fatal(err)
			}
			if layer.WarmPending() {
				t.Fatal("Write did not take the warmed encoder")
			}
			if !bytes.Equal(fresh.Bytes(), warmed.Bytes()) {
				t.Fatalf("after WarmUp the layer (%d bytes) differs from the one without (%d bytes)", warmed.Len(), fresh.Len())
			}
			if l.Digest != core.DescriptorFromBytes(core.KindTarZstd, fresh.Bytes()).Digest {
				t.Fatalf("Write reports digest %s, not that of its bytes", l.Digest)
			}
		})
	}
}
