package layout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layout"
)

// mountTmpfs mounts a tmpfs of the given size on a new folder, or skips
// (loudly) where mounting is not allowed.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		tooltest.Skipf(t, "cannot mount a %s tmpfs to fill (%v): run as root to test a full disk", size, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes a file until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// TestFullDisk writes into a layout on a tmpfs that fills up: a tag
// whose index.json no longer fits and a blob that does not fit both
// fail with ENOSPC, index.json keeps its old bytes (never empty, never
// partial), no blob appears under its name and no temporary file is
// left; once there is room again the same writes succeed.
func TestFullDisk(t *testing.T) {
	ctx := context.Background()
	mnt := mountTmpfs(t, "1m")
	dir := filepath.Join(mnt, "img")
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	img := newTestImage(t, core.SHA256, nil)
	// An entry of about 150 KB: each rewrite of index.json needs that
	// much free.
	pad := map[string]string{"org.example.pad": strings.Repeat("p", 150<<10)}
	if _, err := l.WriteImage(ctx, mustFormat(t, "oci"), img.manifest, img.blobs, &layout.WriteOptions{Tag: "t0", Annotations: pad}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	fill(t, filepath.Join(mnt, "filler"))

	err = l.Tag(ctx, layout.Selector{Tag: "t0"}, "one-more")
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Tag on a full disk = %v, want an error wrapping ENOSPC", err)
	}
	big := make([]byte, 512<<10)
	bd := core.DescriptorFromBytes(core.KindTar, big)
	err = l.PutBlob(ctx, bd, layout.FromBytes(big), nil)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("PutBlob on a full disk = %v, want an error wrapping ENOSPC", err)
	}
	after, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, before) {
		t.Errorf("index.json changed on a failed write: %d bytes, was %d", len(after), len(before))
	}
	var ix struct{ Manifests []json.RawMessage }
	if err := json.Unmarshal(after, &ix); err != nil || len(ix.Manifests) != 1 {
		t.Errorf("index.json after a full disk: %d entries, %v; want the 1 it had", len(ix.Manifests), err)
	}
	if ok, _ := l.HasBlob(ctx, bd, true); ok {
		t.Errorf("the blob that did not fit is in the layout")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".ocispec-tmp-") {
			t.Errorf("temporary file %s left after a failed write", e.Name())
		}
	}

	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
	if err := l.Tag(ctx, layout.Selector{Tag: "t0"}, "one-more"); err != nil {
		t.Fatalf("Tag with room again = %v", err)
	}
	if err := l.PutBlob(ctx, bd, layout.FromBytes(big), nil); err != nil {
		t.Fatalf("PutBlob with room again = %v", err)
	}
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify = %v", err)
	}
}
