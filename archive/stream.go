package archive

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/concil-go/ocispec/core"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// MaxZstdWindow is the largest zstd window a [Stream] accepts: 128 MiB,
// the zstd command's own default limit when it decompresses. A frame
// that asks for more is refused before its window is allocated.
const MaxZstdWindow = 128 << 20

// Stream reads a tar archive in one sequential pass, for archives that
// cannot be read in place: gzip- or zstd-compressed ones (detected by
// their magic numbers) and uncompressed ones on a pipe. [Stream.Next]
// moves to each entry in archive order; [Stream.Read] reads the current
// entry's data as it passes, so that a large entry can be copied to
// where it is wanted without being held; [Stream.ReadDocument] reads a
// small one into memory within a limit. Entries are checked as they come
// exactly as [New] checks them (a symbolic link's target, which may come
// later, can only be resolved once the stream has ended). A hard link's
// data is its target's, which came earlier and has been read past: a
// Stream never reads it again.
//
// A Stream is not safe for concurrent use. It holds one tar header and
// the decompressor's window in memory, whatever the archive's size.
type Stream struct {
	w      *walker
	comp   core.Compression
	closer func()

	cur  Entry
	left int64 // bytes of cur's data not yet read
	err  error // sticky error of Next
}

// NewStream starts reading the archive r holds. It reads the first bytes
// to detect the compression; a compression other than gzip or zstd is an
// error wrapping ErrUnsupportedCompression. ctx is checked at every read
// of r. Close the Stream to release the decompressor.
func NewStream(ctx context.Context, r io.Reader, opts *Options) (*Stream, error) {
	o := opts.orZero()
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(blockSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("archive: reading the archive's first bytes: %w", err)
	}
	comp, err := DetectCompression(head)
	if err != nil {
		return nil, err
	}
	s := &Stream{comp: comp, closer: func() {}}
	var data io.Reader = br
	switch comp {
	case core.Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("archive: gzip: %w", err)
		}
		data, s.closer = zr, func() { zr.Close() }
	case core.Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(MaxZstdWindow))
		if err != nil {
			return nil, fmt.Errorf("archive: zstd: %w", err)
		}
		data, s.closer = zr, zr.Close
	}
	cr := &countingReader{ctx: ctx, r: data}
	s.w = &walker{ctx: ctx, tr: tar.NewReader(cr), src: cr, ix: newIndex(o), size: -1}
	return s, nil
}

// Compression is how the archive is compressed.
func (s *Stream) Compression() core.Compression { return s.comp }

// Next moves to the next entry, skipping what is left of the current
// one's data, and returns it; io.EOF at the end of the archive. An error
// is final: every later call returns it.
func (s *Stream) Next() (Entry, error) {
	if s.err != nil {
		return Entry{}, s.err
	}
	e, err := s.w.next()
	if err != nil {
		s.err, s.cur, s.left = err, Entry{}, 0
		return Entry{}, err
	}
	s.cur, s.left = e, 0
	if e.Type == TypeReg {
		s.left = e.Size
	}
	return e, nil
}

// Read reads the current entry's data: a regular file's bytes, then
// io.EOF; io.EOF at once for other entries. The archive ending inside
// the data is an error naming the entry that wraps ErrTruncated.
func (s *Stream) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.w.tr.Read(p)
	s.left -= int64(n)
	if err == io.EOF && s.left > 0 || errors.Is(err, io.ErrUnexpectedEOF) {
		err = entryErr(s.cur.Name, -1, fmt.Errorf("%w: the archive ends inside its data", ErrTruncated))
	} else if err != nil && err != io.EOF {
		err = entryErr(s.cur.Name, -1, fmt.Errorf("reading its data: %w", err))
	}
	if err == nil && s.left == 0 {
		err = io.EOF
	}
	return n, err
}

// ReadDocument reads what is left of the current entry's data into
// memory. An entry longer than max bytes (<= 0: Options.MaxDocumentSize)
// is refused from its header's size, before anything is allocated or
// read, with an error wrapping core.ErrTooLarge (the stream can
// still move on); an entry that is not a regular file with one wrapping
// ErrNotRegular.
func (s *Stream) ReadDocument(max int64) ([]byte, error) {
	if s.cur.Name == "" {
		return nil, errors.New("archive: ReadDocument called with no current entry")
	}
	if s.cur.Type != TypeReg {
		return nil, entryErr(s.cur.Name, -1, fmt.Errorf("%w: it is a %s", ErrNotRegular, s.cur.Type))
	}
	if max <= 0 {
		max = s.w.ix.opts.MaxDocumentSize
	}
	if s.left > max {
		return nil, entryErr(s.cur.Name, -1, fmt.Errorf("%w: %d bytes, more than %d", core.ErrTooLarge, s.left, max))
	}
	buf := make([]byte, s.left)
	if _, err := io.ReadFull(s, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// Index is the index of the entries read so far: the whole archive's
// once Next has returned io.EOF. It is the Stream's own and grows with
// each Next.
func (s *Stream) Index() *Index { return s.w.ix }

// Close releases the decompressor. It does not close the reader given
// to NewStream.
func (s *Stream) Close() error {
	s.closer()
	s.closer = func() {}
	if s.err == nil {
		s.err = errors.New("archive: stream is closed")
	}
	return nil
}
