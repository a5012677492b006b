package digesters

import (
	"os"

	"golang.org/x/sys/unix"
)

// adviseSequential tells the kernel the file is read once from start to
// end, which doubles its read-ahead for files not yet in the page cache.
func adviseSequential(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = unix.Fadvise(int(fd), 0, 0, unix.FADV_SEQUENTIAL) })
	}
}
