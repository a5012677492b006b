//go:build unix

package digesters

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/concil-go/ocispec/core"
)

// openedFile is a file opened by openFile. A regular file is read with
// plain read system calls on its descriptor, out of the runtime's poller
// (os.Open adds fcntl calls and an epoll registration that fails, and
// os.NewFile an fcntl, which show when thousands of small files are
// hashed); anything else is read through f.
type openedFile struct {
	path string
	fd   int      // a regular file's descriptor, or -1
	f    *os.File // anything else
	st   syscall.Stat_t
	fifo bool            // f is a FIFO opened without waiting for a writer (Linux)
	ctx  context.Context // closeOnDone's: a FIFO's read ended by it reports it
	left int64           // bytes of a regular file not yet read (negative once past its size)
	end  bool            // a regular file was read to the size it had when opened
	one  bool            // ... by its first read
	dirs *folderCache    // where openPath may open path relative to its folder, or nil
}

// newOpenedFile returns o, or a new openedFile when o is nil, set for
// path and nothing else.
func newOpenedFile(path string, o *openedFile) *openedFile {
	if o == nil {
		o = new(openedFile)
	}
	*o = openedFile{path: path, fd: -1}
	return o
}

// openRegular completes o with fd, which is open on path: o.st must be
// fstat's. A regular file is read with plain system calls; a folder is
// an error wrapping core.ErrNotRegular.
func (o *openedFile) openRegular(fd int) (*openedFile, error) {
	switch o.st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		syscall.Close(fd)
		return nil, fmt.Errorf("file %q: %w: it is a folder", o.path, core.ErrNotRegular)
	default:
		syscall.Close(fd)
		return nil, &os.PathError{Op: "open", Path: o.path, Err: fmt.Errorf("%w: it stopped being a regular file while it was opened", core.ErrFileChanged)}
	}
	o.fd = fd
	o.left = o.st.Size
	return o, nil
}

// openFlags open a file for reading without waiting: should the path
// be (or have become) a FIFO, the open does not wait for a writer.
// Reads of a regular file ignore O_NONBLOCK.
const openFlags = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC | syscall.O_NOCTTY

// open opens o.path with openFlags and fstats it into o.st.
func (o *openedFile) open() (int, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = o.openPath()
		return err
	})
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: o.path, Err: err}
	}
	if err := ignoringEINTR(func() error { return syscall.Fstat(fd, &o.st) }); err != nil {
		syscall.Close(fd)
		return -1, &os.PathError{Op: "fstat", Path: o.path, Err: err}
	}
	return fd, nil
}

// other completes o with f, a file that is not regular.
func (o *openedFile) other(f *os.File, err error) (*openedFile, error) {
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file %q: %w", o.path, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("file %q: %w: it is a folder", o.path, core.ErrNotRegular)
	}
	o.f = f
	return o, nil
}

func (o *openedFile) regular() bool { return o.fd >= 0 }

// size is the size a regular file had when opened.
func (o *openedFile) size() int64 { return o.st.Size }

// Read reads a regular file at most one byte past the size it had when
// opened. A read that stops short at exactly that size ends the file
// without a further read that would only return 0: unchanged then
// checks, with another fstat, that it had not grown.
func (o *openedFile) Read(p []byte) (int, error) {
	if o.fifo {
		return o.readFIFO(p)
	}
	if o.f != nil {
		return o.f.Read(p)
	}
	if o.end || o.left < 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > o.left+1 {
		p = p[:o.left+1]
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	err := ignoringEINTR(func() (err error) {
		n, err = syscall.Read(o.fd, p)
		return err
	})
	if err != nil {
		return 0, &os.PathError{Op: "read", Path: o.path, Err: err}
	}
	if n == 0 {
		return 0, io.EOF
	}
	first := o.left == o.st.Size
	o.left -= int64(n)
	if o.left == 0 && n < len(p) {
		o.end, o.one = true, first
		return n, io.EOF
	}
	return n, nil
}

// closeOnDone closes a file that is not regular when ctx is done, which
// wakes a read waiting in the runtime's poller; the returned function
// stops that.
func (o *openedFile) closeOnDone(ctx context.Context) func() bool {
	if o.f == nil {
		return func() bool { return true }
	}
	o.ctx = ctx
	f := o.f // not o's field: o may be used again for another file
	return context.AfterFunc(ctx, func() { f.Close() })
}

func (o *openedFile) Close() error {
	if o.f != nil {
		return o.f.Close()
	}
	return syscall.Close(o.fd)
}

// unchanged stats a regular file again and describes how it differs
// from when it was opened, or returns "" when its size and
// modification time are the same. A file that one read system call
// returned whole, up to the size it had when opened and no further, is
// not stated again: for thousands of small files, that second fstat is
// a fifth of the system calls.
func (o *openedFile) unchanged() (string, error) {
	if o.one {
		return "", nil
	}
	var st syscall.Stat_t
	if err := ignoringEINTR(func() error { return syscall.Fstat(o.fd, &st) }); err != nil {
		return "", &os.PathError{Op: "stat", Path: o.path, Err: err}
	}
	if st.Size == o.st.Size && mtime(&st).Equal(mtime(&o.st)) {
		return "", nil
	}
	return fmt.Sprintf("size %d → %d, modified %s → %s", o.st.Size, st.Size,
		mtime(&o.st).Format(stampLayout), mtime(&st).Format(stampLayout)), nil
}

const stampLayout = "15:04:05.000000000"

// adviseSequential tells the kernel a regular file is read once from
// start to end.
func (o *openedFile) adviseSequential() {
	if o.fd >= 0 {
		adviseSequential(o.fd)
	}
}

func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}
