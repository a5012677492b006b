//go:build unix

package transport_test

import (
	"os"
	"syscall"
	"testing"
)

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(fi.Sys().(*syscall.Stat_t).Ino)
}

// writeBack flushes dirty pages to disk, so that a timed run does not
// pay for the writes of the one before (cp's, a fixture's).
func writeBack() { syscall.Sync() }
