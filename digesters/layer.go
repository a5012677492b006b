package digesters

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync/atomic"

	"github.com/concil-go/ocispec/core"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
)

// Detect, given as the compression to DigestLayerAs and DigestLayerFile,
// asks them to detect the compression from the layer's first bytes, as
// DigestLayer does.
const Detect core.Compression = -1

// MaxZstdWindow is the largest window a zstd layer may ask for (what
// `zstd --long=27` writes); a frame that claims more is refused instead
// of allocated.
const MaxZstdWindow = 128 << 20

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// DetectCompression returns the compression whose magic bytes head
// starts with: gzip (1f 8b), zstd (28 b5 2f fd), otherwise
// core.Uncompressed.
func DetectCompression(head []byte) core.Compression {
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return core.Gzip
	case bytes.HasPrefix(head, zstdMagic):
		return core.Zstd
	}
	return core.Uncompressed
}

// DigestLayer reads a layer once and returns the size and sha256 of its
// bytes as they are (the layer digest of the manifest) and of its
// decompressed stream (the diffID of the image config). The compression
// is detected from the magic bytes; an uncompressed layer gets the same
// result twice. The decompressor (github.com/klauspost/compress) and
// the hash of the decompressed stream run on goroutines of their own,
// overlapping the read and the hash of the compressed bytes. A stream
// that does not decompress, or has data after its end, is an error
// wrapping [ErrCorruptLayer].
func DigestLayer(ctx context.Context, r io.Reader) (compressed, uncompressed Result, err error) {
	return (&Engine{}).DigestLayer(ctx, r)
}

// DigestLayer is [DigestLayer] with this engine's settings.
func (e *Engine) DigestLayer(ctx context.Context, r io.Reader) (compressed, uncompressed Result, err error) {
	return e.digestLayer(ctx, "layer", r, Detect, nil)
}

// DigestLayerAs is [DigestLayer] with the compression given (a layer
// media type's, from [core.LayerCompression]) and the algorithms given
// (sha256 when none), in the same order for both results.
// [Engine.Progress] counts compressed bytes.
func DigestLayerAs(ctx context.Context, r io.Reader, c core.Compression, algs ...digest.Algorithm) (compressed, uncompressed Result, err error) {
	return (&Engine{}).DigestLayerAs(ctx, r, c, algs...)
}

// DigestLayerAs is [DigestLayerAs] with this engine's settings.
func (e *Engine) DigestLayerAs(ctx context.Context, r io.Reader, c core.Compression, algs ...digest.Algorithm) (compressed, uncompressed Result, err error) {
	return e.digestLayer(ctx, "layer", r, c, algs)
}

// DigestLayerFile is [DigestLayerAs] over the file at path, with the
// checks of [DigestFile]; errors name the file.
func DigestLayerFile(ctx context.Context, path string, c core.Compression, algs ...digest.Algorithm) (compressed, uncompressed Result, err error) {
	return (&Engine{}).DigestLayerFile(ctx, path, c, algs...)
}

// DigestLayerFile is [DigestLayerFile] with this engine's settings.
func (e *Engine) DigestLayerFile(ctx context.Context, path string, c core.Compression, algs ...digest.Algorithm) (compressed, uncompressed Result, err error) {
	err = withFile(ctx, path, nil, func(f *openedFile) error {
		var err error
		compressed, uncompressed, err = e.digestLayer(ctx, fmt.Sprintf("file %q", path), f, c, algs)
		if err == nil {
			err = f.check(compressed.Size)
		}
		return err
	})
	if err != nil {
		return Result{}, Result{}, err
	}
	return compressed, uncompressed, nil
}

func (e *Engine) digestLayer(ctx context.Context, name string, r io.Reader, c core.Compression, algs []digest.Algorithm) (Result, Result, error) {
	switch c {
	case Detect, core.Uncompressed, core.Gzip, core.Zstd:
	default:
		return Result{}, Result{}, fmt.Errorf("digesters: %s: %w %v (want gzip, zstd or none)", name, core.ErrUnknownCompression, c)
	}
	chs, err := e.newHashSet(algs)
	if err != nil {
		return Result{}, Result{}, fmt.Errorf("digesters: %s: %w", name, err)
	}
	uhs, _ := e.newHashSet(algs)
	if err := ctx.Err(); err != nil {
		return Result{}, Result{}, streamErr(name, 0, err)
	}
	var tc *tarCheck
	if e.CheckTar {
		tc = newTarCheck()
	}
	if c == core.Uncompressed {
		// Known to be uncompressed: hashed like any blob, its first
		// DirectLimit bytes on this goroutine.
		hs := withTar(chs.hs, tc)
		n, err := e.stream(ctx, r, -1, hs, parallelHashing(len(hs), 1))
		return plainLayer(name, chs, tc, n, err)
	}
	p := startReader(ctx, r)
	first := <-p.full
	if c == Detect {
		c = core.Uncompressed
		if first != nil {
			c = DetectCompression(first.bytes())
		}
	}
	if c == core.Uncompressed {
		var n int64
		hs := withTar(chs.hs, tc)
		if first != nil {
			n, err = e.consume(ctx, p, hs, parallelHashing(len(hs), 1), first, 0)
		} else {
			p.finish()
			err = p.err
		}
		return plainLayer(name, chs, tc, n, err)
	}
	res, ures, err := e.decompressLayer(ctx, name, p, first, c, chs, uhs, tc)
	if err != nil {
		if tc != nil {
			tc.abort()
		}
		return Result{}, Result{}, err
	}
	if err := tarVerdict(name, tc); err != nil {
		return Result{}, Result{}, err
	}
	return res, ures, nil
}

// withTar is hs and, when it is not nil, the tar check, which reads
// the stream as the hashes do.
func withTar(hs []hash.Hash, tc *tarCheck) []hash.Hash {
	if tc == nil {
		return hs
	}
	return append(hs[:len(hs):len(hs)], tc)
}

// plainLayer gives the results of an uncompressed layer of n bytes,
// hashed by chs and read by tc, whose read ended with err: one hash
// gives both results.
func plainLayer(name string, chs *hashSet, tc *tarCheck, n int64, err error) (Result, Result, error) {
	if err != nil {
		if tc != nil {
			tc.abort()
		}
		return Result{}, Result{}, streamErr(name, n, err)
	}
	if err := tarVerdict(name, tc); err != nil {
		return Result{}, Result{}, err
	}
	return chs.result(n), chs.result(n), nil
}

// tarVerdict is the error of a tar check, naming the layer, or nil.
func tarVerdict(name string, tc *tarCheck) error {
	if tc == nil {
		return nil
	}
	if err := tc.finish(); err != nil {
		return fmt.Errorf("digesters: %s: %w", name, err)
	}
	return nil
}

// errDecoderEnded marks compressed bytes left over after the decoder
// reached the end of its stream.
var errDecoderEnded = errors.New("data after the end of the compressed stream")

// decompressLayer hashes the compressed chunks of p on the calling
// goroutine and feeds them to a decoder goroutine whose output a third
// goroutine hashes.
func (e *Engine) decompressLayer(ctx context.Context, name string, p *reader, first *chunk, c core.Compression, chs, uhs *hashSet, tc *tarCheck) (Result, Result, error) {
	uh := uhs.hs
	if tc != nil {
		uh = append(uh[:len(uh):len(uh)], tc)
	}
	feed := &chunkFeed{in: make(chan *chunk, pipelineDepth), p: p}
	dec := &decoder{c: c, src: feed}
	out := startReader(ctx, dec)
	quiet := *e
	quiet.Progress = nil
	var (
		utotal int64
		uerr   error
		uDone  = make(chan struct{})
	)
	go func() {
		defer close(uDone)
		defer dec.close()
		defer func() {
			if v := recover(); v != nil {
				uerr = fmt.Errorf("%w: %s decoder panicked: %v", ErrCorruptLayer, c, v)
			}
		}()
		utotal, uerr = quiet.consume(ctx, out, uh, false, nil, 0)
	}()

	var (
		ctotal  int64
		stopped error
	)
	// The decoder can end before the compressed stream does (a corrupt
	// stream, or data after its end): the loop then stops the reader at
	// once, while it waits for the next chunk as well as while it hands
	// one over, rather than leave the chunks the decoder will never take
	// holding every buffer the reader has.
	for ch := first; ; ch = nil {
		if ch == nil {
			decoderDone := uDone
			if stopped != nil {
				decoderDone = nil // already stopped: only drain the reader
			}
			var ok bool
			select {
			case ch, ok = <-p.full:
			case <-decoderDone:
				stopped = errDecoderEnded
				p.halt()
				continue
			}
			if !ok {
				break
			}
		}
		if stopped != nil {
			p.free <- ch
			continue
		}
		ch.refs.Store(2)
		select {
		case feed.in <- ch:
		case <-uDone:
			ch.refs.Add(-1)
			stopped = errDecoderEnded
			p.halt()
		}
		for _, h := range chs.hs {
			h.Write(ch.bytes())
		}
		n := ch.n
		p.done(ch)
		ctotal += int64(n)
		e.progress(n)
		if err := ctx.Err(); err != nil && stopped == nil {
			stopped = err
			p.halt()
		}
	}
	close(feed.in)
	<-uDone
	for ch := range feed.in {
		p.done(ch)
	}
	feed.release()
	p.finish()
	switch {
	case stopped != nil && stopped != errDecoderEnded:
		return Result{}, Result{}, streamErr(name, ctotal, stopped)
	case p.err != nil:
		return Result{}, Result{}, streamErr(name, ctotal, p.err)
	case uerr != nil:
		if errors.Is(uerr, context.Canceled) || errors.Is(uerr, context.DeadlineExceeded) {
			return Result{}, Result{}, streamErr(name, ctotal, uerr)
		}
		return Result{}, Result{}, fmt.Errorf("digesters: %s: %w", name, uerr)
	case stopped == errDecoderEnded:
		return Result{}, Result{}, fmt.Errorf("digesters: %s: %w: %s: %w after %d compressed bytes", name, ErrCorruptLayer, c, errDecoderEnded, feed.consumed.Load())
	}
	return chs.result(ctotal), uhs.result(utotal), nil
}

// chunkFeed is an io.Reader over the chunks sent on in; it drops its
// reference to each chunk once it has handed out all of its bytes.
type chunkFeed struct {
	in       chan *chunk
	p        *reader
	cur      *chunk
	off      int
	consumed atomic.Int64
}

func (f *chunkFeed) Read(b []byte) (int, error) {
	if f.cur == nil {
		c, ok := <-f.in
		if !ok {
			return 0, io.EOF
		}
		f.cur, f.off = c, 0
	}
	n := copy(b, f.cur.bytes()[f.off:])
	f.off += n
	f.consumed.Add(int64(n))
	if f.off == f.cur.n {
		f.p.done(f.cur)
		f.cur = nil
	}
	return n, nil
}

// release drops the chunk the decoder stopped in (after it ended).
func (f *chunkFeed) release() {
	if f.cur != nil {
		f.p.done(f.cur)
		f.cur = nil
	}
}

// decoder opens the decompressor on its first Read, on the goroutine
// that reads it, and marks its errors as ErrCorruptLayer.
type decoder struct {
	c    core.Compression
	src  *chunkFeed
	r    io.Reader
	stop func()
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.r == nil {
		if err := d.open(); err != nil {
			return 0, d.corrupt(err)
		}
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = d.corrupt(err)
	}
	return n, err
}

func (d *decoder) open() error {
	switch d.c {
	case core.Gzip:
		zr, err := gzip.NewReader(d.src)
		if err != nil {
			return err
		}
		d.r, d.stop = zr, func() { zr.Close() }
	case core.Zstd:
		zr, err := zstd.NewReader(d.src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(MaxZstdWindow))
		if err != nil {
			return err
		}
		d.r, d.stop = zr, zr.Close
	}
	return nil
}

func (d *decoder) corrupt(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %s after %d compressed bytes: %w", ErrCorruptLayer, d.c, d.src.consumed.Load(), err)
}

func (d *decoder) close() {
	if d.stop != nil {
		d.stop()
	}
}
