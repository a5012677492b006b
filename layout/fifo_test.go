//go:build unix

package layout

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/concil-go/ocispec/core"
)

// TestFIFO: a named pipe under a blob's name is refused at once, not
// waited on.
func TestFIFO(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "l")
	l, err := Create(dir, OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := core.DescriptorFromBytes(core.KindTar, []byte("x"))
	name, _ := ociBlobPath(core.DefaultAlgorithms, d.Digest)
	os.MkdirAll(filepath.Join(dir, path.Dir(name)), 0o755)
	if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	_, err = l.OpenBlob(context.Background(), d)
	if !errors.Is(err, core.ErrNotRegular) {
		t.Errorf("OpenBlob(fifo) = %v, want core.ErrNotRegular", err)
	}
	// Writing replaces the pipe with the blob.
	if err := l.PutBlob(context.Background(), d, FromBytes([]byte("x")), nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("after PutBlob: %v, %v", fi, err)
	}
}
