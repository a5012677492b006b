package digesters

import "golang.org/x/sys/unix"

// adviseSequential tells the kernel the file is read once from start to
// end, which doubles its read-ahead for files not yet in the page cache.
func adviseSequential(fd int) { _ = unix.Fadvise(fd, 0, 0, unix.FADV_SEQUENTIAL) }
