package layer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/layer"
)

// benchInputs makes the two shapes of BenchmarkWrite once: big, one file
// of 32 MiB alternating 4 MiB of random bytes and of Go source (as
// benchmarks/rows.sh's big file), and tree, 4,000 files of Go source of
// 1 to 16 KiB in 40 folders (many small files: the system calls per
// file count).
func benchInputs(b *testing.B) map[string]string {
	b.Helper()
	root := b.TempDir()
	src := goSource(b, 16<<20)
	big := filepath.Join(root, "big")
	if err := os.Mkdir(big, 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(big, "big.bin"))
	if err != nil {
		b.Fatal(err)
	}
	random := noise(4 << 20)
	for i := range 8 {
		part := src[:4<<20]
		if i%2 == 0 {
			part = random
		}
		if _, err := f.Write(part); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	tree := filepath.Join(root, "tree")
	off := 0
	for i := range 4000 {
		dir := filepath.Join(tree, fmt.Sprintf("d%02d", i%40))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		n := 1<<10 + (i*7919)%(15<<10)
		if off+n > len(src) {
			off = 0
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d.go", i)), src[off:off+n], 0o644); err != nil {
			b.Fatal(err)
		}
		off += n
	}
	return map[string]string{"big": big, "tree": tree}
}

// BenchmarkWrite: Plan.Write of each input and compression to a file,
// on every core; throughput counts the tar stream's bytes. The
// whole-process comparisons with tar, pigz, zstd and umoci are
// benchmarks/rows.sh's pack rows.
func BenchmarkWrite(b *testing.B) {
	inputs := benchInputs(b)
	for _, in := range []string{"big", "tree"} {
		plan, err := layer.Scan(context.Background(), layer.FromDir(inputs[in]))
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range compressions {
			b.Run("input="+in+"/compression="+c.String(), func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "layer")
				var l layer.Layer
				b.ReportAllocs()
				for b.Loop() {
					f, err := os.Create(out)
					if err != nil {
						b.Fatal(err)
					}
					l, err = plan.Write(context.Background(), f, layer.Options{Compression: c})
					if cerr := f.Close(); err == nil {
						err = cerr
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(l.UncompressedSize)
				b.ReportMetric(float64(l.Size)/float64(l.UncompressedSize), "size/tar")
			})
		}
	}
}
