//go:build unix

package digesters

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/concil-go/ocispec/core"
)

// openFile opens path for reading. A regular file takes a stat, one
// open and one fcntl, and stays out of the runtime's poller (os.Open
// adds fcntl calls and an epoll registration that fails, which show when
// thousands of small files are hashed). A FIFO, whose open waits for a
// writer, is opened on a goroutine of its own, so that the wait ends
// when ctx is done; the stat comes first so that no probing open ever
// takes a FIFO's writer. Terminals and devices are opened as os.Open
// does.
func openFile(ctx context.Context, path string) (*os.File, error) {
	var st syscall.Stat_t
	if err := ignoringEINTR(func() error { return syscall.Stat(path, &st) }); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFIFO:
		return openFIFO(ctx, path)
	case syscall.S_IFREG, syscall.S_IFDIR:
	default:
		return os.Open(path)
	}
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	if m := st.Mode & syscall.S_IFMT; m != syscall.S_IFREG && m != syscall.S_IFDIR {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: it stopped being a regular file while it was opened", core.ErrFileChanged)}
	}
	// Regular files ignore O_NONBLOCK, but os.NewFile would try to poll a
	// descriptor that has it.
	if err := setBlocking(fd); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}

func setBlocking(fd int) error {
	flags, err := fcntl(fd, syscall.F_GETFL, 0)
	if err != nil {
		return err
	}
	_, err = fcntl(fd, syscall.F_SETFL, flags&^syscall.O_NONBLOCK)
	return err
}

func fcntl(fd, cmd, arg int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(arg))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// openFIFO opens a FIFO for reading, which waits until a writer opens
// it, on a goroutine. When ctx is done first, it opens the FIFO's write
// end itself, which ends the wait, and closes both ends: no goroutine
// stays blocked to take a later writer's data.
func openFIFO(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
	}
	// The goroutine's open may not have begun: until it returns, keep
	// opening the write end (which fails while no reader waits).
	var o opened
	for o.f == nil && o.err == nil {
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			o = <-ch
			w.Close()
			break
		}
		select {
		case o = <-ch:
		case <-time.After(time.Millisecond):
		}
	}
	if o.f != nil {
		o.f.Close()
	}
	return nil, &os.PathError{Op: "open", Path: path, Err: ctx.Err()}
}
