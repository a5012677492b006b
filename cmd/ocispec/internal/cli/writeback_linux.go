package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// writebackEvery is how many bytes written make writeback start.
const writebackEvery = 8 << 20

// writeback writes to a new file and starts writing its pages to disk
// every writebackEvery bytes (sync_file_range, which does not wait), so
// that the fsync that makes the file durable waits for the last few
// only, not for the whole file after the last byte.
type writeback struct {
	f           *os.File
	off, queued int64
}

func newWriteback(f *os.File) *writeback { return &writeback{f: f} }

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.queued >= writebackEvery {
		if rc, cerr := w.f.SyscallConn(); cerr == nil {
			rc.Control(func(fd uintptr) {
				// Advice only: an error here leaves the work to fsync.
				unix.SyncFileRange(int(fd), w.queued, w.off-w.queued, unix.SYNC_FILE_RANGE_WRITE)
			})
		}
		w.queued = w.off
	}
	return n, err
}
