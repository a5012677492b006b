package digesters

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// tarCheck reads the stream written to it as a tar archive, so that a
// layer's tar structure is checked in the read that hashes it. It sits
// among the hashes of the stream (it is a hash.Hash whose sum is empty);
// finish says what it found. archive/tar's reader runs as a coroutine
// (iter.Pull) of the writer: each Write switches to it until it has used
// the bytes written, with no goroutine to wake and no channel between
// them.
type tarCheck struct {
	p       *skipPipe
	next    func() (struct{}, bool)
	stop    func()
	running bool  // the reader has not returned
	err     error // what the reader found wrong
	n       int64
	closed  bool
}

func newTarCheck() *tarCheck {
	p := &skipPipe{}
	t := &tarCheck{p: p}
	t.next, t.stop = iter.Pull(func(yield func(struct{}) bool) {
		p.yield = yield
		tr := tar.NewReader(p)
		entries := 0
		for {
			_, err := tr.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.err = fmt.Errorf("%w: entry %d: %w", ErrNotTar, entries, err)
				return
			}
			entries++
		}
	})
	// The reader runs up to its first wait for bytes.
	_, t.running = t.next()
	return t
}

// Write hands p to the tar reader and returns once it is done with it.
// What follows the archive's end, or a failure, is not read.
func (t *tarCheck) Write(p []byte) (int, error) {
	t.n += int64(len(p))
	if len(p) > 0 && t.running {
		t.p.cur = p
		_, t.running = t.next()
		t.p.cur = nil
	}
	return len(p), nil
}

func (t *tarCheck) Sum(b []byte) []byte { return b }
func (t *tarCheck) Reset()              {}
func (t *tarCheck) Size() int           { return 0 }
func (t *tarCheck) BlockSize() int      { return 512 }

// finish ends the stream and returns nil when it was a tar archive.
func (t *tarCheck) finish() error {
	t.close(nil)
	if t.err == nil && t.n == 0 {
		return fmt.Errorf("%w: it is empty", ErrNotTar)
	}
	return t.err
}

// abort ends the check without a verdict.
func (t *tarCheck) abort() { t.close(errors.New("aborted")) }

// close ends the stream with err (nil: its end) and lets the reader
// return.
func (t *tarCheck) close(err error) {
	if t.closed {
		return
	}
	t.closed = true
	t.p.werr, t.p.ended = err, true
	if t.running {
		_, t.running = t.next()
	}
	t.stop()
}

// skipPipe hands the tar reader the bytes written to the check without
// copying what the reader skips by seeking: the contents of the
// entries, which archive/tar skips with Seek when it can. When the
// bytes written are used up, the reader yields to the writer.
type skipPipe struct {
	yield func(struct{}) bool
	werr  error // how the writer ended the stream (nil: at its end); set with ended
	ended bool  // no more bytes will come

	cur  []byte // what is left of the bytes written
	skip int64  // bytes to drop before the next read
	pos  int64  // bytes read or skipped so far
}

// next makes cur hold unread bytes, yielding to the writer for more
// when it is empty; false at the end.
func (p *skipPipe) next() bool {
	for len(p.cur) == 0 {
		if p.ended || !p.yield(struct{}{}) {
			p.ended = true
			return false
		}
	}
	return true
}

func (p *skipPipe) endErr() error {
	if p.werr != nil {
		return p.werr
	}
	return io.EOF
}

func (p *skipPipe) Read(b []byte) (int, error) {
	for p.skip > 0 {
		if !p.next() {
			return 0, p.endErr()
		}
		k := int(min(p.skip, int64(len(p.cur))))
		p.cur = p.cur[k:]
		p.skip -= int64(k)
		p.pos += int64(k)
	}
	if len(b) == 0 {
		return 0, nil
	}
	if !p.next() {
		return 0, p.endErr()
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	p.pos += int64(n)
	return n, nil
}

// Seek skips forward (io.SeekCurrent, off >= 0 only). The bytes are
// dropped as they come; a stream that ends first shows at the next
// Read, which archive/tar makes right after seeking.
func (p *skipPipe) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekCurrent || off < 0 {
		return 0, errors.New("digesters: the tar check only skips forward")
	}
	p.skip += off
	return p.pos + p.skip, nil
}

// CheckLayer reads the layer d describes from r once, with the
// compression given, and checks it as a layer: r must hold d's size and
// digest (an error wrapping core.ErrSizeMismatch or
// core.ErrDigestMismatch otherwise) and decompress to a tar archive
// (ErrNotTar, ErrCorruptLayer). It returns the layer's diffIDs in d's
// algorithm and, when that is another, in sha256, for a config's
// rootfs.diff_ids to be checked against (core.CheckDiffIDsOf).
func (e *Engine) CheckLayer(ctx context.Context, r io.Reader, d core.Descriptor, c core.Compression) ([]digest.Digest, error) {
	algs := []digest.Algorithm{core.AlgorithmOf(d.Digest)}
	if algs[0] != core.SHA256 {
		algs = append(algs, core.SHA256)
	}
	ce := *e
	ce.CheckTar = true
	comp, plain, err := ce.DigestLayerAs(ctx, r, c, algs...)
	switch {
	case err != nil:
		return nil, err
	case comp.Size != d.Size:
		return nil, &core.SizeMismatchError{Want: d.Size, Got: comp.Size}
	case comp.Digests[0] != d.Digest:
		return nil, &core.DigestMismatchError{Want: d.Digest, Got: comp.Digests[0]}
	}
	return plain.Digests, nil
}
