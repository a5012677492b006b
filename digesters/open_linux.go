package digesters

import (
	"context"
	"io"
	"os"
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
func openFile(_ context.Context, path string, o *openedFile) (*openedFile, error) {
	o = newOpenedFile(path, o)
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
