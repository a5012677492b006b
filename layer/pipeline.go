package layer

import (
	"context"
	"fmt"
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// chunkSize is the size of every chunk of the tar stream but the last,
// the size of the gzip blocks, and that of the writes to the caller's
// writer.
const chunkSize = 1 << 20

// chunk is a piece of a stream, shared read-only by the goroutines that
// consume it; the last to release it returns it to its pool.
type chunk struct {
	buf  []byte
	refs atomic.Int32
	pool *pool
}

func (c *chunk) release() {
	if c.refs.Add(-1) == 0 {
		c.buf = c.buf[:0]
		c.pool.free <- c // never blocks: free holds every chunk made
	}
}

// pool hands out at most max chunks; get waits for one to be released
// when all are in use. One goroutine calls get. The chunks are made as
// they are first needed, in memory mapped for the pool where the system
// allows (chunkMemory): release returns it, once every goroutine that used
// a chunk has returned.
type pool struct {
	free   chan *chunk
	made   int
	tryMap bool // chunkMemory is to be called for the first chunk
	mem    []byte
	unmap  func()
}

// newPool makes a pool of at most max chunks; mapped asks for them in
// mapped memory, worth its system calls and its 2 MiB first touches
// only for a stream of several chunks.
func newPool(max int, mapped bool) *pool {
	return &pool{free: make(chan *chunk, max), tryMap: mapped}
}

func (p *pool) get(ctx context.Context) (*chunk, error) {
	select {
	case c := <-p.free:
		return c, nil
	default:
	}
	if p.made < cap(p.free) {
		if p.tryMap {
			p.tryMap = false
			p.mem, p.unmap = chunkMemory(cap(p.free) * chunkSize)
		}
		var buf []byte
		if p.mem != nil {
			off := p.made * chunkSize
			buf = p.mem[off : off : off+chunkSize]
		} else {
			buf = make([]byte, 0, chunkSize)
		}
		p.made++
		return &chunk{buf: buf, pool: p}, nil
	}
	select {
	case c := <-p.free:
		return c, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// release returns the pool's mapped memory. Call it only when no
// goroutine can touch a chunk any more.
func (p *pool) release() {
	if p.unmap != nil {
		p.unmap()
		p.unmap, p.mem = nil, nil
	}
}

// fanout sends each chunk to every consumer, in order.
type fanout []chan *chunk

func newFanout(n, depth int) fanout {
	f := make(fanout, n)
	for i := range f {
		f[i] = make(chan *chunk, depth)
	}
	return f
}

func (f fanout) send(ctx context.Context, c *chunk) error {
	c.refs.Store(int32(len(f)))
	for _, ch := range f {
		select {
		case ch <- c:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return nil
}

func (f fanout) close() {
	for _, ch := range f {
		close(ch)
	}
}

// chunker cuts what is written to it into chunks of chunkSize and sends
// them on. Writing a slice that space returned, which already sits in
// the current chunk, costs no copy.
type chunker struct {
	ctx  context.Context
	pool *pool
	out  fanout
	cur  *chunk
	n    int64
}

// space returns the free room of the current chunk, at least one byte.
func (w *chunker) space() ([]byte, error) {
	if w.cur == nil {
		c, err := w.pool.get(w.ctx)
		if err != nil {
			return nil, err
		}
		w.cur = c
	}
	b := w.cur.buf
	return b[len(b):cap(b)], nil
}

func (w *chunker) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		room, err := w.space()
		if err != nil {
			return written, err
		}
		var n int
		if &p[0] == &room[0] { // the caller filled our own room
			n = min(len(p), len(room))
		} else {
			n = copy(room, p)
		}
		w.cur.buf = w.cur.buf[:len(w.cur.buf)+n]
		w.n += int64(n)
		written += n
		p = p[n:]
		if len(w.cur.buf) == cap(w.cur.buf) {
			if err := w.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// flush sends the current chunk, if it holds anything.
func (w *chunker) flush() error {
	c := w.cur
	if c == nil || len(c.buf) == 0 {
		return nil
	}
	w.cur = nil
	return w.out.send(w.ctx, c)
}

// group runs goroutines and keeps the first error, cancelling the
// others' context with it.
type group struct {
	wg     sync.WaitGroup
	once   sync.Once
	err    error
	cancel context.CancelCauseFunc
}

func (g *group) fail(err error) {
	g.once.Do(func() {
		g.err = err
		g.cancel(err)
	})
}

func (g *group) go_(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.fail(err)
		}
	}()
}

// hashChunks feeds every chunk to h. After a failure elsewhere it only
// releases them, so that the stream's producer is never left waiting.
func hashChunks(ctx context.Context, in <-chan *chunk, h hash.Hash) error {
	for c := range in {
		if ctx.Err() == nil {
			h.Write(c.buf)
		}
		c.release()
	}
	return nil
}

// writeChunks writes every chunk to w, one write each, and stops at
// the first error (the others see the group's context cancelled).
func writeChunks(ctx context.Context, in <-chan *chunk, w io.Writer) error {
	for c := range in {
		if ctx.Err() == nil {
			if _, err := w.Write(c.buf); err != nil {
				return fmt.Errorf("layer: writing the layer: %w", err)
			}
		}
		c.release()
	}
	return nil
}
