//go:build !unix

package digesters

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/concil-go/ocispec/core"
)

// openedFile is a file opened by openFile, with what it was when opened.
type openedFile struct {
	path  string
	f     *os.File
	r     io.Reader // a regular file: at most one byte past its size
	st    os.FileInfo
	isReg bool
}

func openFile(ctx context.Context, path string, w *worker) (*openedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file %q: %w", path, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("file %q: %w: it is a folder", path, core.ErrNotRegular)
	}
	o := w.file()
	if o == nil {
		o = new(openedFile)
	}
	*o = openedFile{path: path, f: f, r: f, st: fi, isReg: fi.Mode().IsRegular()}
	if o.isReg {
		o.r = io.LimitReader(f, fi.Size()+1)
	}
	return o, nil
}

func (o *openedFile) regular() bool { return o.isReg }

func (o *openedFile) size() int64 { return o.st.Size() }

func (o *openedFile) Read(p []byte) (int, error) { return o.r.Read(p) }

func (o *openedFile) closeOnDone(ctx context.Context) func() bool {
	if o.isReg {
		return func() bool { return true }
	}
	f := o.f // not o's field: o may be used again for another file
	return context.AfterFunc(ctx, func() { f.Close() })
}

func (o *openedFile) Close() error { return o.f.Close() }

func (o *openedFile) unchanged() (string, error) {
	after, err := o.f.Stat()
	if err != nil {
		return "", err
	}
	if after.Size() == o.st.Size() && after.ModTime().Equal(o.st.ModTime()) {
		return "", nil
	}
	return fmt.Sprintf("size %d → %d, modified %s → %s", o.st.Size(), after.Size(),
		o.st.ModTime().Format("15:04:05.000000000"), after.ModTime().Format("15:04:05.000000000")), nil
}

func (o *openedFile) adviseSequential() {}
