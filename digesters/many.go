package digesters

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	digest "github.com/opencontainers/go-digest"
)

// DigestFiles digests the files at paths, [Engine.Workers] at a time
// (one per core by default), each as [DigestFile] does. The results are
// in the order of paths. The first error stops the files not yet
// finished and is the one returned; the results are then nil. When the
// workers occupy every core, each reads and hashes its blob on its own
// goroutine, without the per-blob pipeline (unless
// [Engine.DirectLimit] is set). On Linux, a worker that opens a run of
// files from one folder opens the folder too, and the next files of the
// run relative to it (openat), which spares the lookup of every folder
// of their paths: a file is then read from the folder its path named
// when the run began, should the folder be moved or replaced meanwhile.
func DigestFiles(ctx context.Context, paths []string, algs ...digest.Algorithm) ([]Result, error) {
	return (&Engine{}).DigestFiles(ctx, paths, algs...)
}

// DigestFiles is [DigestFiles] with this engine's settings.
func (e *Engine) DigestFiles(ctx context.Context, paths []string, algs ...digest.Algorithm) ([]Result, error) {
	return e.many(ctx, len(paths), func(ctx context.Context, sub *Engine, w *worker, i, streams int) (Result, error) {
		return sub.digestFile(ctx, paths[i], algs, streams, w)
	})
}

// DigestReaders is [DigestFiles] over readers; errors name a reader by
// its index ("reader 3").
func DigestReaders(ctx context.Context, rs []io.Reader, algs ...digest.Algorithm) ([]Result, error) {
	return (&Engine{}).DigestReaders(ctx, rs, algs...)
}

// DigestReaders is [DigestReaders] with this engine's settings.
func (e *Engine) DigestReaders(ctx context.Context, rs []io.Reader, algs ...digest.Algorithm) ([]Result, error) {
	return e.many(ctx, len(rs), func(ctx context.Context, sub *Engine, _ *worker, i, streams int) (Result, error) {
		return sub.digestReader(ctx, fmt.Sprintf("reader %d", i), rs[i], algs, streams)
	})
}

// worker is what one goroutine of many keeps from one blob to the next.
type worker struct {
	hs    *hashSet    // the hashes of the last blob, reset for the next
	buf   *[]byte     // the direct reads' buffer for large blobs, from bufPool
	small []byte      // ... for small ones
	f     openedFile  // the file being read, filled again for each
	dirs  folderCache // the folder of the last files, where openFile uses it
}

// file returns the openedFile for w's next file, or nil when w is nil.
func (w *worker) file() *openedFile {
	if w == nil {
		return nil
	}
	return &w.f
}

// smallBuffer is the largest buffer a worker makes for itself, for
// blobs known to be smaller; larger ones are read into a pooled buffer
// of BufferSize bytes.
const smallBuffer = 64 << 10

// buffer returns a buffer for the direct reads of a blob of size bytes
// (-1 when unknown), or nil when w is nil.
func (w *worker) buffer(size int64) []byte {
	switch {
	case w == nil:
		return nil
	case size >= 0 && size < smallBuffer:
		// A small file is read whole, and one byte more (which shows it
		// ended), into a buffer of about its size, kept from blob to blob:
		// for thousands of small files, no large buffer is made and
		// cleared for each call.
		if int64(len(w.small)) <= size {
			w.small = make([]byte, min(max(2*len(w.small), 1<<bits.Len64(uint64(size))), smallBuffer))
		}
		return w.small
	case w.buf == nil:
		// Held from blob to blob: a buffer taken from the pool and put
		// back for each blob would be dropped from the pool by every
		// garbage collection and made again, each time in memory the
		// process may never have touched.
		w.buf = bufPool.Get().(*[]byte)
	}
	return *w.buf
}

// release puts w's buffer back in the pool and closes what it keeps open.
func (w *worker) release() {
	if w.buf != nil {
		bufPool.Put(w.buf)
		w.buf = nil
	}
	w.dirs.close()
}

// hashes returns the hashes of algs, reset, reusing those of the last
// blob when there was one.
func (w *worker) hashes(e *Engine, algs []digest.Algorithm) (*hashSet, error) {
	if w != nil && w.hs != nil {
		w.hs.reset()
		return w.hs, nil
	}
	hs, err := e.newHashSet(algs)
	if err == nil && w != nil {
		w.hs = hs
	}
	return hs, err
}

// many runs one job per blob on at most e.workers() goroutines, each
// with a worker of its own. sub is e with its Progress serialised,
// since jobs report concurrently.
func (e *Engine) many(ctx context.Context, n int, job func(ctx context.Context, sub *Engine, w *worker, i, streams int) (Result, error)) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("digesters: %d blobs: %w", n, err)
	}
	sub := *e
	if e.Progress != nil {
		var mu sync.Mutex
		sub.Progress = func(k int64) {
			mu.Lock()
			defer mu.Unlock()
			e.Progress(k)
		}
	}
	workers := min(e.workers(), n)
	if workers >= runtime.GOMAXPROCS(0) && e.DirectLimit == 0 {
		// Every core hashes a blob of its own: a reader goroutine per
		// blob would only take turns with the hashes on the same cores
		// (BenchmarkManyFiles: reading and hashing on one goroutine per
		// worker scales better), so each worker reads directly.
		sub.DirectLimit = math.MaxInt64
	}
	// A fixed set of workers takes the next blob from a counter: no
	// goroutine per blob, which for thousands of small files costs more
	// than hashing them.
	results := make([]Result, n)
	var (
		next    atomic.Int64
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w worker
			defer w.release()
			for wctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				res, err := job(wctx, &sub, &w, i, workers)
				if err != nil {
					errOnce.Do(func() { first = err; cancel() })
					return
				}
				results[i] = res
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("digesters: %d blobs: %w", n, err)
	}
	return results, nil
}
