package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/concil-go/ocispec/core"
)

// Archive is an uncompressed tar archive read in place: its index is
// built from the headers alone, in one pass that seeks over the data, and
// each file is then read where it lies through an io.SectionReader.
// Nothing is extracted and no temporary file is made. An Archive is safe
// for concurrent use (its readers are independent; the io.ReaderAt must
// allow concurrent ReadAt calls, as *os.File does).
type Archive struct {
	*Index
	r    io.ReaderAt
	size int64
	f    *os.File // closed by Close when OpenFile opened it
}

// New indexes the tar archive of size bytes that r holds. The archive is
// checked as it is indexed, and refused with an error naming the entry
// (an [*EntryError]) when an entry's name or link target leaves the
// archive's root, a hard link's target is not an earlier entry, two
// entries have the same cleaned name, an entry's data runs past size, or
// a header's checksum is wrong; a gzip or zstd archive is refused with
// ErrCompressed (read it with [NewStream]). ctx is checked between
// headers.
func New(ctx context.Context, r io.ReaderAt, size int64, opts *Options) (*Archive, error) {
	o := opts.orZero()
	if size < 0 {
		return nil, fmt.Errorf("archive: negative archive size %d", size)
	}
	head := make([]byte, min(size, blockSize))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("archive: reading the first header: %w", err)
	}
	switch c, err := DetectCompression(head); {
	case err != nil:
		return nil, err
	case c != core.Uncompressed:
		return nil, fmt.Errorf("%w: it is %s-compressed", ErrCompressed, c)
	}
	sr := io.NewSectionReader(&readAhead{r: r, size: size, buf: make([]byte, readAheadSize)}, 0, size)
	w := &walker{ctx: ctx, tr: tar.NewReader(sr), src: sectionSource{sr}, ix: newIndex(o), size: size}
	for {
		_, err := w.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return &Archive{Index: w.ix, r: r, size: size}, nil
}

// OpenFile opens and indexes the archive at path (see [New]). The file
// must be a regular file; a pipe or a compressed archive is read with
// [NewStream]. Close the Archive to close the file.
func OpenFile(ctx context.Context, path string, opts *Options) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("archive: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is a %v, which cannot be read in place (read it as a stream)", ErrNotRegular, path, fi.Mode().Type())
	}
	a, err := New(ctx, f, fi.Size(), opts)
	if err != nil {
		f.Close()
		return nil, &pathError{path, err}
	}
	a.f = f
	return a, nil
}

// Size is the archive's size in bytes.
func (a *Archive) Size() int64 { return a.size }

// Open returns a reader of the data of the regular file name is or
// leads to (links are followed, see [Index.Resolve]). Each call returns
// a new reader; readers are independent and may be used concurrently.
func (a *Archive) Open(name string) (*io.SectionReader, error) {
	e, err := a.Resolve(name)
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(a.r, e.Offset, e.Size), nil
}

// ReadFile returns the data of the regular file name is or leads to,
// refusing one longer than max bytes (<= 0: Options.MaxDocumentSize)
// before reading it, with an error wrapping core.ErrTooLarge.
func (a *Archive) ReadFile(name string, max int64) ([]byte, error) {
	e, err := a.Resolve(name)
	if err != nil {
		return nil, err
	}
	if max <= 0 {
		max = a.opts.MaxDocumentSize
	}
	if e.Size > max {
		return nil, entryErr(lookupName(name), -1, fmt.Errorf("%w: %d bytes, more than %d", core.ErrTooLarge, e.Size, max))
	}
	buf := make([]byte, e.Size)
	if _, err := a.r.ReadAt(buf, e.Offset); err != nil && !(err == io.EOF && e.Size == 0) {
		return nil, entryErr(lookupName(name), -1, fmt.Errorf("reading its data: %w", err))
	}
	return buf, nil
}

// Close closes the file OpenFile opened; for an Archive made by New it
// does nothing.
func (a *Archive) Close() error {
	if a.f == nil {
		return nil
	}
	return a.f.Close()
}

// DetectCompression tells from an archive's first bytes (512 are
// enough) how it is compressed: a valid tar header, or anything without
// a known compression magic, is core.Uncompressed; gzip and zstd are
// recognised by their magic numbers; xz and bzip2 are refused with an
// error wrapping ErrUnsupportedCompression.
func DetectCompression(head []byte) (core.Compression, error) {
	if len(head) >= blockSize && (checksumProblem(head[:blockSize]) == "" || bytes.Equal(head[:blockSize], make([]byte, blockSize))) {
		return core.Uncompressed, nil
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return core.Gzip, nil
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}),
		len(head) >= 4 && head[0]&0xf0 == 0x50 && bytes.Equal(head[1:4], []byte{0x2a, 0x4d, 0x18}): // a skippable frame
		return core.Zstd, nil
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return 0, fmt.Errorf("%w: xz", ErrUnsupportedCompression)
	case bytes.HasPrefix(head, []byte("BZh")):
		return 0, fmt.Errorf("%w: bzip2", ErrUnsupportedCompression)
	}
	return core.Uncompressed, nil
}

// readAheadSize is the window of header reads while indexing: the
// headers of small entries lie close together, and one read serves
// several of them instead of two system calls each.
const readAheadSize = 32 << 10

// readAhead serves small reads from a window of the archive it reads
// whole. It is for the indexing pass only (one goroutine).
type readAhead struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	off  int64 // of buf[0]
	n    int   // valid bytes in buf
}

func (c *readAhead) ReadAt(p []byte, off int64) (int, error) {
	if len(p) > len(c.buf)/2 {
		return c.r.ReadAt(p, off)
	}
	if off < c.off || off+int64(len(p)) > c.off+int64(c.n) {
		want := min(int64(len(c.buf)), c.size-off)
		if want <= 0 {
			return 0, io.EOF
		}
		n, err := c.r.ReadAt(c.buf[:want], off)
		c.off, c.n = off, n
		if n < len(p) {
			copy(p, c.buf[:n])
			if err == nil {
				err = io.EOF
			}
			return n, err
		}
	}
	return copy(p, c.buf[off-c.off:]), nil
}
