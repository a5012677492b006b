//go:build unix && !linux

package digesters

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/concil-go/ocispec/core"
)

// openFile opens path for reading. A regular file takes a stat of the
// path, one open and one fstat. A FIFO, whose open waits for a writer,
// is opened on a goroutine of its own, so that the wait ends when ctx is
// done; the stat comes first so that no probing open ever takes a FIFO's
// writer. Terminals and devices are opened as os.Open does. A folder is
// an error wrapping core.ErrNotRegular.
func openFile(ctx context.Context, path string, w *worker) (*openedFile, error) {
	o := newOpenedFile(path, w.file())
	if err := ignoringEINTR(func() error { return syscall.Stat(path, &o.st) }); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	switch o.st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		return nil, fmt.Errorf("file %q: %w: it is a folder", path, core.ErrNotRegular)
	case syscall.S_IFIFO:
		f, err := openFIFO(ctx, path)
		return o.other(f, err)
	default:
		return o.other(os.Open(path))
	}
	fd, err := o.open()
	if err != nil {
		return nil, err
	}
	return o.openRegular(fd)
}

// readFIFO is not used where FIFOs are opened waiting for a writer.
func (o *openedFile) readFIFO(p []byte) (int, error) { return o.f.Read(p) }

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

// openPath opens o.path with openFlags.
func (o *openedFile) openPath() (int, error) { return syscall.Open(o.path, openFlags, 0) }
