package digesters

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// BufferSize is the size of the pooled buffers blobs are read into, at
// most 256 KiB at a time (not io.Copy's 32 KiB).
const BufferSize = 1 << 20

// DefaultDirectLimit is the default [Engine.DirectLimit]: blobs up to
// this size (manifests, configs, small layers) are hashed on the calling
// goroutine without starting the pipeline. BenchmarkCrossover in package
// benchmarks measures where the pipeline starts to pay: not below 1 MiB
// on a 2-core machine, where starting the reader goroutine and waking
// it cost more than the overlap saves.
const DefaultDirectLimit = BufferSize

// pipelineDepth is how many buffers one stream has in flight at most,
// so a stream holds at most pipelineDepth*BufferSize bytes (and touches
// a quarter of them) whatever the blob size.
const pipelineDepth = 4

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, BufferSize)
	return &b
}}

// Engine digests blobs. The zero value is ready to use and is what the
// package-level functions use: the algorithms of core.DefaultAlgorithms, one
// worker per core, the default direct limit and no progress reports. An
// Engine is safe for concurrent use once its fields are set.
//
// Every call reads each byte once and computes the size and every
// requested digest; with no algorithm given, sha256. Blobs larger than
// DirectLimit go through a pipeline: a goroutine reads into pooled
// buffers, 256 KiB at a time, while the caller's goroutine hashes the
// previous ones, and when several algorithms are asked for and there is
// a core to spare each further algorithm hashes on a goroutine of its
// own.
// Memory stays at a few buffers per blob whatever its size. The context
// is checked between buffers; a call returns only after every goroutine
// it started has ended, so a reader that can block forever must be
// closed by its owner to stop a cancelled call.
type Engine struct {
	// Algorithms supplies the digest algorithms; nil means
	// core.DefaultAlgorithms (where importing this package registers
	// sha256, sha512 and blake3).
	Algorithms *core.Algorithms
	// Workers is how many blobs DigestFiles and DigestReaders hash at
	// once; 0 or less means runtime.GOMAXPROCS(0).
	Workers int
	// DirectLimit: the first DirectLimit bytes of a blob are read and
	// hashed on the calling goroutine, and a blob that ends within them
	// never starts the pipeline. 0 means DefaultDirectLimit; a negative
	// value sends every blob through the pipeline.
	DirectLimit int64
	// Progress, when set, is called with the number of bytes just
	// hashed, after every buffer (at most BufferSize bytes). Calls are
	// never concurrent, even from DigestFiles; they come from the
	// goroutine hashing, so Progress must return quickly.
	Progress func(n int64)
	// CheckTar makes DigestLayer, DigestLayerAs and DigestLayerFile
	// read the layer's decompressed stream as a tar archive while they
	// hash it, in the same read: a stream that is not one (a header
	// whose checksum or fields are wrong, a truncated entry, no bytes at
	// all) is an error wrapping [ErrNotTar] that names the entry.
	CheckTar bool
}

// Result is what one read of a blob gives: its size and its digests, in
// the order the algorithms were asked for.
type Result struct {
	Size    int64
	Digests []digest.Digest
}

// Digest returns the digest of algorithm alg, or "" when it was not
// asked for.
func (r Result) Digest(alg digest.Algorithm) digest.Digest {
	for _, d := range r.Digests {
		if d.Algorithm() == alg {
			return d
		}
	}
	return ""
}

// Descriptor describes the blob with the first digest.
func (r Result) Descriptor(mediaType string) core.Descriptor {
	d := core.Descriptor{MediaType: mediaType, Size: r.Size}
	if len(r.Digests) > 0 {
		d.Digest = r.Digests[0]
	}
	return d
}

func (e *Engine) algorithms() *core.Algorithms {
	if e.Algorithms != nil {
		return e.Algorithms
	}
	return core.DefaultAlgorithms
}

func (e *Engine) workers() int {
	if e.Workers > 0 {
		return e.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (e *Engine) directLimit() int64 {
	if e.DirectLimit == 0 {
		return DefaultDirectLimit
	}
	return e.DirectLimit
}

func (e *Engine) progress(n int) {
	if e.Progress != nil && n > 0 {
		e.Progress(int64(n))
	}
}

// DigestReader reads r to its end and returns its size and digests.
// Errors name the reader, say how many bytes were read, and wrap the
// read error or the context's.
func DigestReader(ctx context.Context, r io.Reader, algs ...digest.Algorithm) (Result, error) {
	return (&Engine{}).DigestReader(ctx, r, algs...)
}

// DigestReader is [DigestReader] with this engine's settings.
func (e *Engine) DigestReader(ctx context.Context, r io.Reader, algs ...digest.Algorithm) (Result, error) {
	return e.digestReader(ctx, "reader", r, algs, 1)
}

func (e *Engine) digestReader(ctx context.Context, name string, r io.Reader, algs []digest.Algorithm, streams int) (Result, error) {
	hs, err := e.newHashSet(algs)
	if err != nil {
		return Result{}, fmt.Errorf("digesters: %s: %w", name, err)
	}
	n, err := e.stream(ctx, r, sizeHint(r), hs.hs, parallelHashing(len(hs.hs), streams))
	if err != nil {
		return Result{}, streamErr(name, n, err)
	}
	return hs.result(n), nil
}

// parallelHashing says whether a stream hashes its algorithms on
// separate goroutines: when there are several and at least two cores
// per stream running at once.
func parallelHashing(hashes, streams int) bool {
	return hashes > 1 && runtime.GOMAXPROCS(0)/max(streams, 1) >= 2
}

func streamErr(name string, n int64, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("digesters: %s: stopped after %d bytes: %w", name, n, err)
	}
	return fmt.Errorf("digesters: %s: read failed after %d bytes: %w", name, n, err)
}

// hashSet holds one hash per distinct algorithm asked for.
type hashSet struct {
	algs []digest.Algorithm // as asked
	idx  []int              // algs[i] is hashed by hs[idx[i]]
	hs   []hash.Hash
	sum  []byte // result's buffers
	text []byte
}

func (e *Engine) newHashSet(algs []digest.Algorithm) (*hashSet, error) {
	if len(algs) == 0 {
		algs = []digest.Algorithm{core.SHA256}
	}
	s := &hashSet{algs: algs, idx: make([]int, len(algs))}
	seen := map[digest.Algorithm]int{}
	reg := e.algorithms()
	for i, alg := range algs {
		if j, ok := seen[alg]; ok {
			s.idx[i] = j
			continue
		}
		if err := core.ValidateAlgorithm(alg); err != nil {
			return nil, err
		}
		h, err := reg.NewHash(alg)
		if err != nil {
			return nil, err
		}
		seen[alg] = len(s.hs)
		s.idx[i] = len(s.hs)
		s.hs = append(s.hs, h)
	}
	return s, nil
}

// reset makes the hashes new again, for the next blob.
func (s *hashSet) reset() {
	for _, h := range s.hs {
		h.Reset()
	}
}

func (s *hashSet) result(n int64) Result {
	out := Result{Size: n, Digests: make([]digest.Digest, len(s.algs))}
	for i, alg := range s.algs {
		if first := indexOf(s.idx, s.idx[i]); first < i {
			out.Digests[i] = out.Digests[first] // the same algorithm again
			continue
		}
		// The sum and its text are made in buffers kept from blob to
		// blob: the digest's string is the one allocation.
		s.sum = s.hs[s.idx[i]].Sum(s.sum[:0])
		s.text = hex.AppendEncode(append(append(s.text[:0], alg...), ':'), s.sum)
		out.Digests[i] = digest.Digest(s.text)
	}
	return out
}

func indexOf(idx []int, v int) int {
	for i, x := range idx {
		if x == v {
			return i
		}
	}
	return -1
}

func encodeDigest(alg digest.Algorithm, sum []byte) digest.Digest {
	return digest.Digest(string(alg) + ":" + hex.EncodeToString(sum))
}

// sizeHint returns how many bytes r holds when it says so (bytes.Reader,
// strings.Reader, bytes.Buffer), or -1.
func sizeHint(r io.Reader) int64 {
	if l, ok := r.(interface{ Len() int }); ok {
		return int64(l.Len())
	}
	return -1
}

// stream reads r to its end, writing every byte to every hash, and
// returns the number of bytes read. size, when not negative, is how
// long r is expected to be: a blob known to fit within the direct limit
// is hashed directly to its end. Its errors are bare (the read error,
// the context's, or ErrBadReader); callers add the blob's name.
func (e *Engine) stream(ctx context.Context, r io.Reader, size int64, hs []hash.Hash, parallel bool) (int64, error) {
	return e.streamWith(ctx, r, size, hs, parallel, nil)
}

// streamWith is stream with the direct reads in buf when it is not nil
// (a buffer the caller keeps from blob to blob: for a blob of known
// size, at least size+1 bytes or BufferSize), else in a pooled buffer.
func (e *Engine) streamWith(ctx context.Context, r io.Reader, size int64, hs []hash.Hash, parallel bool, buf []byte) (int64, error) {
	limit := e.directLimit()
	if limit > 0 && size >= 0 && size <= limit {
		limit = math.MaxInt64 // no need to look past the end for more
	}
	var total int64
	if limit > 0 {
		var bp *[]byte
		if buf == nil {
			bp = bufPool.Get().(*[]byte)
			buf = *bp
		}
		n, end, err := e.direct(ctx, r, limit, hs, buf)
		if bp != nil {
			bufPool.Put(bp) // before the pipeline takes buffers of its own
		}
		if end || err != nil {
			return n, err
		}
		total = n
	}
	return e.pipeline(ctx, r, hs, parallel, total)
}

// readSize is the most a read asks for, direct or in the pipeline. The
// bytes a read copies are hashed next, from the cache of the core that
// read them (direct) or from the shared cache (pipeline), while they are
// still there: verifying 4 files of 128 MiB took 3-5% less CPU in direct
// reads of 256 KiB than of 1 MiB, and the pipeline hashed a 256 MiB file
// in the page cache 16% faster (178 against 212 ms, on 2 cores; 128 KiB
// gained no more). A stream touches a quarter of each pooled buffer (a
// page fault per 4 KiB on first use).
const readSize = 256 << 10

// direct hashes the first limit bytes of r on this goroutine, reading
// them into buf (readSize bytes at a time at most); end says r ended
// within them.
func (e *Engine) direct(ctx context.Context, r io.Reader, limit int64, hs []hash.Hash, buf []byte) (total int64, end bool, err error) {
	for total < limit {
		if err := ctx.Err(); err != nil {
			return total, false, err
		}
		n, err := readFull(r, buf[:min(int64(len(buf)), readSize, limit-total)])
		for _, h := range hs {
			h.Write(buf[:n])
		}
		total += int64(n)
		e.progress(n)
		if err == io.EOF {
			return total, true, nil
		}
		if err != nil {
			return total, false, err
		}
	}
	return total, false, nil
}

// readFull reads until buf is full, the reader ends (io.EOF, possibly
// with n == len(buf)) or fails. It checks the counts the reader returns.
func readFull(r io.Reader, buf []byte) (int, error) {
	n, empty := 0, 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		if m < 0 || m > len(buf)-n {
			return n, fmt.Errorf("%w: Read returned %d for a buffer of %d", ErrBadReader, m, len(buf)-n)
		}
		n += m
		if err != nil {
			return n, err
		}
		if m == 0 {
			if empty++; empty >= 100 {
				return n, io.ErrNoProgress
			}
		}
	}
	return n, nil
}

// chunk is one pooled buffer in flight and how many hashes still use it.
type chunk struct {
	bp   *[]byte
	n    int
	refs atomic.Int32
}

func (c *chunk) bytes() []byte { return (*c.bp)[:c.n] }

// reader fills pooled buffers from r on a goroutine of its own and
// hands them over in order on full. Buffers come back through free; at
// most pipelineDepth exist.
type reader struct {
	free     chan *chunk
	full     chan *chunk
	stop     chan struct{}
	stopOnce sync.Once
	made     int   // buffers taken from the pool (reader goroutine only)
	err      error // read error, set before full is closed
	panicked any   // a panic of r.Read, re-raised on the caller's goroutine
}

func startReader(ctx context.Context, r io.Reader) *reader {
	p := &reader{
		free: make(chan *chunk, pipelineDepth),
		full: make(chan *chunk, pipelineDepth),
		stop: make(chan struct{}),
	}
	go p.run(ctx, r)
	return p
}

func (p *reader) run(ctx context.Context, r io.Reader) {
	defer close(p.full)
	defer func() {
		if v := recover(); v != nil {
			p.panicked = v
		}
	}()
	for {
		c := p.get()
		if c == nil {
			return
		}
		n, err := readFull(r, (*c.bp)[:readSize])
		c.n = n
		if n > 0 {
			select {
			case p.full <- c:
			case <-p.stop:
				p.free <- c
				return
			}
		} else {
			p.free <- c
		}
		if err == io.EOF {
			return
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			p.err = err
			return
		}
	}
}

// get returns a free buffer, taking a new one from the pool while fewer
// than pipelineDepth exist, or nil once the pipeline is stopped.
func (p *reader) get() *chunk {
	select {
	case c := <-p.free:
		return c
	default:
	}
	if p.made < pipelineDepth {
		p.made++
		return &chunk{bp: bufPool.Get().(*[]byte)}
	}
	select {
	case c := <-p.free:
		return c
	case <-p.stop:
		return nil
	}
}

// halt asks the reader goroutine to stop after its current read.
func (p *reader) halt() { p.stopOnce.Do(func() { close(p.stop) }) }

// done drops one reference to c and frees it after the last.
func (p *reader) done(c *chunk) {
	if c.refs.Add(-1) == 0 {
		p.free <- c
	}
}

// finish runs after full is closed: it returns the buffers to the pool
// and re-raises a panic of the source reader.
func (p *reader) finish() {
	for {
		select {
		case c := <-p.free:
			bufPool.Put(c.bp)
		default:
			if p.panicked != nil {
				panic(p.panicked)
			}
			return
		}
	}
}

// pipeline hashes the rest of r with a reader goroutine; total is what
// was already hashed.
func (e *Engine) pipeline(ctx context.Context, r io.Reader, hs []hash.Hash, parallel bool, total int64) (int64, error) {
	return e.consume(ctx, startReader(ctx, r), hs, parallel, nil, total)
}

// consume hashes the buffers of p, starting with pending when it is not
// nil, until p ends; total is what was already hashed. It returns after
// every goroutine it started and p's goroutine have ended.
func (e *Engine) consume(ctx context.Context, p *reader, hs []hash.Hash, parallel bool, pending *chunk, total int64) (int64, error) {
	var (
		lanes []chan *chunk
		wg    sync.WaitGroup
	)
	if parallel {
		for _, h := range hs[1:] {
			lane := make(chan *chunk, pipelineDepth)
			lanes = append(lanes, lane)
			wg.Go(func() {
				for c := range lane {
					h.Write(c.bytes())
					p.done(c)
				}
			})
		}
	}
	var (
		stopped error
		held    *chunk // a hashed buffer waiting for its pair
	)
	for c := range withPending(pending, p.full) {
		if stopped != nil {
			p.free <- c
			continue
		}
		n := c.n // c is not ours once released
		if parallel {
			c.refs.Store(int32(len(hs)))
			for _, lane := range lanes {
				lane <- c
			}
			hs[0].Write(c.bytes())
			p.done(c)
		} else {
			for _, h := range hs {
				h.Write(c.bytes())
			}
			// Buffers go back in pairs: the reader, which is faster than
			// the hash, then wakes once per two buffers, and the wake-up
			// (a cross-core interrupt, costly on virtual machines) is
			// paid half as often.
			if held != nil {
				p.free <- held
				p.free <- c
				held = nil
			} else {
				held = c
			}
		}
		total += int64(n)
		e.progress(n)
		if err := ctx.Err(); err != nil {
			stopped = err
			p.halt()
		}
	}
	if held != nil {
		p.free <- held
	}
	for _, lane := range lanes {
		close(lane)
	}
	wg.Wait()
	p.finish()
	if stopped != nil {
		return total, stopped
	}
	return total, p.err
}

// withPending yields pending (when not nil), then what full delivers
// until it is closed.
func withPending(pending *chunk, full <-chan *chunk) func(yield func(*chunk) bool) {
	return func(yield func(*chunk) bool) {
		if pending != nil && !yield(pending) {
			return
		}
		for c := range full {
			if !yield(c) {
				return
			}
		}
	}
}
