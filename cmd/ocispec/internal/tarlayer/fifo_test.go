//go:build unix

package tarlayer_test

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/tarlayer"
)

func TestScanNamedPipe(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skipf("SKIPPING: mkfifo: %v", err)
	}
	if _, err := tarlayer.Scan(dir); !errors.Is(err, tarlayer.ErrUnsupportedFile) {
		t.Errorf("Scan(folder with a pipe) error = %v, want ErrUnsupportedFile", err)
	}
}
