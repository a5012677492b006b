package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

const blockSize = 512

// source is the tar stream a walker reads headers from: where it is, and
// the header block it read last (for error messages).
type source interface {
	pos() int64
	lastBlock() (blk []byte, off int64, ok bool)
}

// walker reads an archive's headers in order and adds their entries to
// an index, checking each as it comes.
type walker struct {
	ctx  context.Context
	tr   *tar.Reader
	src  source
	ix   *Index
	size int64 // of the tar stream, or -1 when it is not known

	hdrAt int64  // offset of the next header, -1 after a sparse file
	prev  string // the last entry's name, for errors about what follows it
	seen  bool   // a header was read
}

// next returns the next entry, io.EOF at the end of the archive.
func (w *walker) next() (Entry, error) {
	for {
		if err := w.ctx.Err(); err != nil {
			return Entry{}, err
		}
		start := w.hdrAt
		h, err := w.tr.Next()
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && h != nil) {
			if err == io.EOF {
				return Entry{}, io.EOF
			}
			return Entry{}, w.headerError(start, err)
		}
		w.seen = true
		dataAt := w.src.pos()
		e, skip, err := w.ix.admit(h, dataAt)
		if err != nil {
			return Entry{}, entryErr(displayName(h.Name), start, err)
		}
		var physical int64
		switch {
		case e.Type == TypeSparse:
			physical = -1 // its data's length in the archive is not Size
		case !headerOnly(h.Typeflag):
			physical = h.Size
		}
		if physical < 0 || physical > math.MaxInt64-blockSize-dataAt {
			w.hdrAt = -1
		} else {
			w.hdrAt = dataAt + roundUp(physical)
		}
		if physical >= 0 {
			if w.size >= 0 && physical > w.size-dataAt {
				return Entry{}, entryErr(displayName(h.Name), start, fmt.Errorf("%w: its data (%d bytes) runs past the end of the archive, %d bytes after its header",
					ErrTruncated, physical, max(w.size-dataAt, 0)))
			}
		}
		if skip {
			continue
		}
		w.prev = e.Name
		return e, nil
	}
}

func roundUp(n int64) int64 { return (n + blockSize - 1) &^ (blockSize - 1) }

// headerError turns an error of tar.Reader.Next into one that says
// where, and about which entry.
func (w *walker) headerError(start int64, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		if w.prev != "" {
			return entryErr(w.prev, -1, fmt.Errorf("%w: the archive ends inside its data or the header after it", ErrTruncated))
		}
		return fmt.Errorf("%w: the archive ends inside its first header", ErrTruncated)
	}
	if !errors.Is(err, tar.ErrHeader) && !errors.Is(err, tar.ErrFieldTooLong) {
		if w.ctx.Err() != nil {
			return w.ctx.Err()
		}
		if start >= 0 {
			return fmt.Errorf("archive: reading the header at offset %d: %w", start, err)
		}
		return fmt.Errorf("archive: reading the header after entry %q: %w", w.prev, err)
	}
	detail := err.Error()
	blk, off, ok := w.src.lastBlock()
	name := ""
	if ok {
		name = rawName(blk)
		if d := checksumProblem(blk); d != "" {
			detail = d
		}
	} else {
		off = start
	}
	kind := ErrInvalidHeader
	if !w.seen && start == 0 {
		return fmt.Errorf("%w: no valid tar header at offset 0 (%s)", ErrNotTar, detail)
	}
	if name == "" {
		if off >= 0 {
			return fmt.Errorf("%w: header at offset %d: %s", kind, off, detail)
		}
		return fmt.Errorf("%w: header after entry %q: %s", kind, w.prev, detail)
	}
	return &EntryError{Name: name, Offset: off, Err: fmt.Errorf("%w: %s", kind, detail)}
}

// rawName reads the name fields of a raw header block, for messages.
func rawName(blk []byte) string {
	if len(blk) < blockSize {
		return ""
	}
	name := cString(blk[0:100])
	if string(blk[257:263]) == "ustar\x00" {
		if prefix := cString(blk[345:500]); prefix != "" {
			name = prefix + "/" + name
		}
	}
	return displayName(name)
}

func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// displayName bounds a name from an archive for an error message.
func displayName(s string) string {
	const max = 256
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// checksumProblem compares a header's stored checksum with the sum of
// its bytes; "" when they agree (or the field does not parse).
func checksumProblem(blk []byte) string {
	field := strings.Trim(string(blk[148:156]), " \x00")
	stored, err := strconv.ParseInt(field, 8, 64)
	if err != nil {
		return fmt.Sprintf("checksum field %q is not an octal number", field)
	}
	var unsigned, signed int64
	for i, c := range blk[:blockSize] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	if stored == unsigned || stored == signed {
		return ""
	}
	return fmt.Sprintf("header checksum mismatch: the header says %#o, its bytes sum to %#o", stored, unsigned)
}

// sectionSource is a source over a seekable section.
type sectionSource struct{ sr *io.SectionReader }

func (s sectionSource) pos() int64 {
	n, _ := s.sr.Seek(0, io.SeekCurrent)
	return n
}

func (s sectionSource) lastBlock() ([]byte, int64, bool) {
	off := s.pos() - blockSize
	if off < 0 || off%blockSize != 0 {
		return nil, 0, false
	}
	blk := make([]byte, blockSize)
	if _, err := s.sr.ReadAt(blk, off); err != nil {
		return nil, 0, false
	}
	return blk, off, true
}

// countingReader is a source over a stream: it counts the bytes read
// and keeps the last 512 of them.
type countingReader struct {
	ctx  context.Context
	r    io.Reader
	n    int64
	last [blockSize]byte
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if n > 0 {
		if n >= blockSize {
			copy(c.last[:], p[n-blockSize:n])
		} else {
			copy(c.last[:], c.last[n:])
			copy(c.last[blockSize-n:], p[:n])
		}
		c.n += int64(n)
	}
	return n, err
}

func (c *countingReader) pos() int64 { return c.n }

func (c *countingReader) lastBlock() ([]byte, int64, bool) {
	if c.n < blockSize || c.n%blockSize != 0 {
		return nil, 0, false
	}
	return c.last[:], c.n - blockSize, true
}
