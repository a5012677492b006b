package unpack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/unpack"
)

// FuzzApply applies any bytes as a layer: never a panic, and nothing
// written beside the folder, whatever the layer holds.
func FuzzApply(f *testing.F) {
	for _, entries := range [][]entry{
		whiteoutSeed(),
		{symE("l", "../outside"), fileE("l/escaped", 0o644, "x")},
		{symE("l", "."), symE("l/m", ".."), fileE("l/m/escaped", 0o644, "x")},
		{fileE("a", 0o644, "x"), linkE("b", "a"), wh(".wh.a"), linkE("c", "b")},
		{dirE("d/", 0o555), fileE("d/f", 0o444, "x"), wh("d/.wh..wh..opq")},
		{{hdr: &tar.Header{Typeflag: tar.TypeFifo, Name: "p", Mode: 0o644}}},
	} {
		f.Add(tarOf(f, entries...))
	}
	f.Fuzz(func(t *testing.T, layer []byte) {
		dir := t.TempDir()
		out := filepath.Join(dir, "rootfs")
		os.Mkdir(out, 0o755)
		root, err := os.OpenRoot(out)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		unpack.Apply(context.Background(), root, bytes.NewReader(layer), nil)
		// A layer's read-only folders would keep a process that is not
		// root from removing the tree.
		filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o700)
			}
			return nil
		})
		if left, _ := os.ReadDir(dir); len(left) != 1 {
			t.Errorf("written beside the folder: %v", left)
		}
	})
}

func whiteoutSeed() []entry {
	return []entry{dirE("a/", 0o755), fileE("a/b", 0o644, "b"), wh("a/.wh.b"), wh(".wh.a")}
}
