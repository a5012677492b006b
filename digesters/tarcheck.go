package digesters

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// tarCheck reads the stream written to it as a tar archive, on a
// goroutine of its own, so that a layer's tar structure is checked in
// the read that hashes it. It sits among the hashes of the stream (it
// is a hash.Hash whose sum is empty); finish says what it found.
type tarCheck struct {
	p    *skipPipe
	done chan struct{}
	err  error // set before done is closed
	n    int64
	end  sync.Once
}

func newTarCheck() *tarCheck {
	p := &skipPipe{chunks: make(chan []byte), acks: make(chan struct{})}
	t := &tarCheck{p: p, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		tr := tar.NewReader(p)
		entries := 0
		for {
			_, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.err = fmt.Errorf("%w: entry %d: %w", ErrNotTar, entries, err)
				break
			}
			entries++
		}
		p.drain() // what follows the end, or the rest after a failure
	}()
	return t
}

// Write hands p to the tar reader and returns once it is done with it.
func (t *tarCheck) Write(p []byte) (int, error) {
	t.n += int64(len(p))
	if len(p) > 0 {
		t.p.chunks <- p
		<-t.p.acks
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

// close ends the stream with err (nil: its end) and waits for the
// reader.
func (t *tarCheck) close(err error) {
	t.end.Do(func() {
		t.p.werr = err
		close(t.p.chunks)
	})
	<-t.done
}

// skipPipe hands the tar reader the chunks written to the check
// without copying what the reader skips by seeking: the contents of the
// entries, which archive/tar skips with Seek when it can. A chunk
// stays the writer's until the reader acknowledges it.
type skipPipe struct {
	chunks chan []byte
	acks   chan struct{}
	werr   error // how the writer ended the stream (nil: at its end); set before chunks is closed

	cur  []byte // what is left of the chunk held
	held bool   // a chunk is held, not yet acknowledged
	skip int64  // bytes to drop before the next read
	pos  int64  // bytes read or skipped so far
}

// next makes cur hold unread bytes, taking the next chunk (and
// acknowledging the one held) when it is empty; false at the end.
func (p *skipPipe) next() bool {
	for len(p.cur) == 0 {
		if p.held {
			p.acks <- struct{}{}
			p.held = false
		}
		c, ok := <-p.chunks
		if !ok {
			return false
		}
		p.cur, p.held = c, true
	}
	return true
}

func (p *skipPipe) ended() error {
	if p.werr != nil {
		return p.werr
	}
	return io.EOF
}

func (p *skipPipe) Read(b []byte) (int, error) {
	for p.skip > 0 {
		if !p.next() {
			return 0, p.ended()
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
		return 0, p.ended()
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

// drain acknowledges every chunk to the end of the stream.
func (p *skipPipe) drain() {
	p.cur = nil
	for p.next() {
		p.cur = nil
	}
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
