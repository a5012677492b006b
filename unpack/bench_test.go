package unpack_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/unpack"
)

// benchImage writes an image of one tar+gzip layer: 64 folders of 32
// files of 16 KiB (32 MiB), random so that gzip does not shrink them.
func benchImage(b *testing.B, dir string) (img string, layerFile string, size int64) {
	rng := rand.New(rand.NewPCG(1, 2))
	var entries []entry
	for d := range 64 {
		entries = append(entries, dirE(fmt.Sprintf("d%02d/", d), 0o755))
		for f := range 32 {
			body := make([]byte, 16<<10)
			for i := range body {
				body[i] = byte(rng.Uint32())
			}
			entries = append(entries, fileE(fmt.Sprintf("d%02d/f%02d", d, f), 0o644, string(body)))
			size += int64(len(body))
		}
	}
	l := gz(b, tarOf(b, entries...))
	img = filepath.Join(dir, "image")
	writeImage(b, img, l)
	layerFile = filepath.Join(dir, "layer.tar.gz")
	os.WriteFile(layerFile, l.blob, 0o644)
	return img, layerFile, size
}

// BenchmarkUnpack unpacks one image of 32 MiB: impl=ours is Unpack
// (verifying the blob and the diffID), impl=umoci is `umoci unpack`
// (which verifies them too), impl=tar is GNU tar extracting the same
// layer file (which verifies nothing). Compare with
// benchstat -col /impl.
func BenchmarkUnpack(b *testing.B) {
	dir := b.TempDir()
	img, layerFile, size := benchImage(b, dir)
	impls := map[string]func(out string) error{
		"ours": func(out string) error {
			src := openSource(b, img)
			defer src.Close()
			_, err := unpack.Unpack(b.Context(), src, out, nil)
			return err
		},
		"umoci": func(out string) error {
			return umociUnpack(img+":latest", out)
		},
		"tar": func(out string) error {
			os.Mkdir(out, 0o755)
			return exec.Command("tar", "-xzf", layerFile, "-C", out).Run()
		},
	}
	for _, name := range []string{"ours", "umoci", "tar"} {
		b.Run("impl="+name, func(b *testing.B) {
			if name != "ours" {
				if _, err := exec.LookPath(name); err != nil {
					b.Skipf("%s is not installed", name)
				}
			}
			b.SetBytes(size)
			for i := 0; b.Loop(); i++ {
				out := filepath.Join(dir, fmt.Sprintf("out-%s-%d", name, i))
				if err := impls[name](out); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(out)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkExport exports the same image as one tar to nowhere: both
// reads of the layer, against impl=unpack, Unpack of it.
func BenchmarkExport(b *testing.B) {
	dir := b.TempDir()
	img, _, size := benchImage(b, dir)
	b.SetBytes(size)
	for b.Loop() {
		src := openSource(b, img)
		if _, err := unpack.Export(b.Context(), src, io.Discard, nil); err != nil {
			b.Fatal(err)
		}
		src.Close()
	}
}
