package unpack_test

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/unpack"
)

// TestExportAgreesWithUnpack exports the image of whiteoutLayers as one
// tar, makes that tar the only layer of a new image, and unpacks both
// images: with umoci (the oracle), the new image gives the tree the
// old one gives, and the tree Unpack gives of the old one.
func TestExportAgreesWithUnpack(t *testing.T) {
	dir := t.TempDir()
	ls := whiteoutLayers(t)
	img := filepath.Join(dir, "image")
	writeImage(t, img, plain(ls[0]), gz(t, ls[1]), zst(t, ls[2]))
	ctx := ctxT(t)
	var flat bytes.Buffer
	res, err := unpack.Export(ctx, openSource(t, img), &flat, nil)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if res.Layers != 3 {
		t.Errorf("Export: %d layers, want 3", res.Layers)
	}
	seen := map[string]bool{}
	tr := tar.NewReader(bytes.NewReader(flat.Bytes()))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the exported tar: %v", err)
		}
		if seen[h.Name] {
			t.Errorf("the exported tar holds %s twice", h.Name)
		}
		seen[h.Name] = true
		if strings.Contains(h.Name, ".wh.") {
			t.Errorf("the exported tar holds a whiteout, %s", h.Name)
		}
	}

	squashed := filepath.Join(dir, "squashed")
	writeImage(t, squashed, plain(flat.Bytes()))
	ours := filepath.Join(dir, "ours")
	if _, err := unpack.Unpack(ctx, openSource(t, img), ours, nil); err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	root := os.Geteuid() == 0
	want := snapshot(t, ours, root)
	t.Run("umoci", func(t *testing.T) {
		tooltest.Need(t, "umoci")
		bundle := filepath.Join(dir, "bundle")
		if err := umociUnpack(squashed+":latest", bundle); err != nil {
			t.Fatal(err)
		}
		diffTrees(t, "umoci unpack of the export against Unpack", snapshot(t, filepath.Join(bundle, "rootfs"), root), want)
	})
	again := filepath.Join(dir, "again")
	if _, err := unpack.Unpack(ctx, openSource(t, squashed), again, nil); err != nil {
		t.Fatalf("Unpack of the export: %v", err)
	}
	diffTrees(t, "Unpack of the export against Unpack", snapshot(t, again, root), want)
}

// TestExportReproducible exports the same image twice, and from an
// oci-archive copy of it: the same bytes each time.
func TestExportReproducible(t *testing.T) {
	dir := t.TempDir()
	ls := whiteoutLayers(t)
	img := filepath.Join(dir, "image")
	writeImage(t, img, gz(t, ls[0]), gz(t, ls[1]), gz(t, ls[2]))
	archive := "oci-archive:" + filepath.Join(dir, "image.tar")
	copyImage(t, img, archive)
	var outs [][]byte
	for _, ref := range []string{img, img, archive} {
		var b bytes.Buffer
		if _, err := unpack.Export(ctxT(t), openSource(t, ref), &b, nil); err != nil {
			t.Fatalf("Export(%s): %v", ref, err)
		}
		outs = append(outs, b.Bytes())
	}
	for i := 1; i < len(outs); i++ {
		if !bytes.Equal(outs[i], outs[0]) {
			t.Errorf("export %d differs from export 0 (%d and %d bytes)", i, len(outs[i]), len(outs[0]))
		}
	}
}
