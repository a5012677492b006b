package digesters

import (
	"context"
	"io"
	"math"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// openFile opens path for reading with one open, which does not wait,
// and one fstat, whatever the path is. A regular file is then read with
// plain system calls. A FIFO is read from the descriptor that open gave,
// through the runtime's poller: the read waits for a writer, as a
// blocking open would have, then for data; both waits end when ctx is
// done. Terminals and devices are read through *os.File, as os.Open's
// are. A folder is an error wrapping core.ErrNotRegular.
func openFile(_ context.Context, path string, w *worker) (*openedFile, error) {
	o := newOpenedFile(path, w.file())
	if w != nil {
		o.dirs = &w.dirs
	}
	fd, err := o.open()
	if err != nil {
		return nil, err
	}
	switch o.st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG, syscall.S_IFDIR:
		return o.openRegular(fd)
	case syscall.S_IFIFO:
		o.fifo = true
	}
	return o.other(os.NewFile(uintptr(fd), path), nil)
}

// readFIFO reads the FIFO. Its descriptor was opened without waiting
// for a writer, so a read returns 0 both before the first writer comes
// and after the last has left: the FIFO has ended only when poll also
// reports a hang-up, which Linux reports once a writer has come and
// gone. Until then the read waits in the runtime's poller; closing the
// file (closeOnDone) ends the wait with ctx's error.
func (o *openedFile) readFIFO(p []byte) (int, error) {
	rc, err := o.f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var (
		n    int
		rerr error
	)
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, rerr = syscall.Read(int(fd), p)
			switch {
			case rerr == syscall.EINTR:
				continue
			case rerr == syscall.EAGAIN:
				return false
			case rerr != nil || n > 0 || len(p) == 0:
				return true
			}
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(fds, 0); err != nil {
				if err == unix.EINTR {
					continue
				}
				rerr = err
				return true
			}
			switch {
			case fds[0].Revents&unix.POLLIN != 0: // data came since the read
				continue
			case fds[0].Revents&unix.POLLHUP != 0: // the end
				return true
			}
			return false // no writer yet
		}
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		if o.ctx != nil && o.ctx.Err() != nil {
			return 0, o.ctx.Err()
		}
		return 0, &os.PathError{Op: "read", Path: o.path, Err: err}
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// folderRun is how many files in a row a worker opens from one folder
// before it opens the folder itself, to open the next ones relative to
// it: the two system calls that opening and closing the folder take
// are paid back only over a run of files.
const folderRun = 8

// folderCache is a worker's folder of the last files it opened, and a
// descriptor of it once a run of files came from it. openat(2) relative
// to that descriptor looks up the file's name only, not every folder of
// its path again: for thousands of files given by absolute paths, the
// lookups are a good part of the time open takes.
type folderCache struct {
	dir string // the folder of the last file, as its path spelled it
	run int    // files in a row from dir; negative once its open failed
	fd  int    // dir's descriptor (O_PATH) plus one; 0 when none
}

// openPath opens o.path with openFlags: relative to its folder when
// o.dirs holds that folder open, else by its whole path.
func (o *openedFile) openPath() (int, error) {
	c := o.dirs
	i := strings.LastIndexByte(o.path, '/')
	if c == nil || i < 0 {
		return syscall.Open(o.path, openFlags, 0)
	}
	dir, name := o.path[:i], o.path[i+1:]
	if dir == "" {
		dir = "/"
	}
	if name == "" || name == "." || name == ".." {
		return syscall.Open(o.path, openFlags, 0)
	}
	if dir != c.dir {
		c.close()
		c.dir, c.run = dir, 0
	}
	if c.run++; c.run == folderRun {
		// The folder is opened as the whole path would resolve it
		// (symbolic links, "..", permissions), without cleaning it.
		if fd, err := syscall.Open(dir, unix.O_PATH|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0); err == nil {
			c.fd = fd + 1
		} else {
			c.run = math.MinInt // not again for this folder
		}
	}
	if c.fd == 0 {
		return syscall.Open(o.path, openFlags, 0)
	}
	fd, err := syscall.Openat(c.fd-1, name, openFlags, 0)
	if err != nil {
		// The answer, error or file, is the whole path's: the folder
		// may have been moved or replaced since it was opened.
		c.close()
		c.run = math.MinInt
		return syscall.Open(o.path, openFlags, 0)
	}
	return fd, nil
}

// close closes the folder's descriptor, if open.
func (c *folderCache) close() {
	if c.fd != 0 {
		syscall.Close(c.fd - 1)
		c.fd = 0
	}
}
