package atomicfile

import (
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// writebackChunk is how many bytes of a file are written between two
// requests that the kernel start writing them to disk.
const writebackChunk = 8 << 20

// Writeback returns a writer to w (which writes to f) that, every 8 MiB,
// asks the kernel to start writing what was written to f to disk
// (sync_file_range with SYNC_FILE_RANGE_WRITE, which does not wait): the
// disk works while the file is still being written, and the fsync that
// makes it durable finds little left to do. It changes no guarantee (the
// fsync still decides durability); an error of the request is ignored.
// On systems without sync_file_range it returns w.
func Writeback(f *os.File, w io.Writer) io.Writer {
	rc, err := f.SyscallConn()
	if err != nil {
		return w
	}
	return &writeback{w: w, rc: rc}
}

type writeback struct {
	w            io.Writer
	rc           syscall.RawConn
	off, started int64
}

func (b *writeback) Write(p []byte) (int, error) {
	n, err := b.w.Write(p)
	b.off += int64(n)
	if b.off-b.started >= writebackChunk {
		start, size := b.started, b.off-b.started
		b.rc.Control(func(fd uintptr) {
			// Advice only: an error leaves the work to fsync.
			unix.SyncFileRange(int(fd), start, size, unix.SYNC_FILE_RANGE_WRITE)
		})
		b.started = b.off
	}
	return n, err
}
