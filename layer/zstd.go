package layer

import (
	"context"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/concil-go/ocispec/core"
)

// zstdOptions are the encoder's options: SpeedDefault, the same options,
// so the same bytes, as layers built before this package.
var zstdOptions = []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1)}

// zstdStream compresses the chunks of in into one zstd frame written to
// out, with github.com/klauspost/compress's streaming encoder. The
// encoder works on its own goroutine while the tar stream, the hashes
// and the writes run on others; its output does not depend on the number
// of cores. It is the one WarmUp readied, when there is one.
func zstdStream(ctx context.Context, in <-chan *chunk, out *chunker) error {
	defer out.out.close()
	var err error
	zw := takeWarm()
	if zw != nil {
		zw.Reset(out)
	} else {
		zw, err = zstd.NewWriter(out, zstdOptions...)
	}
	if err != nil {
		for c := range in {
			c.release()
		}
		return err
	}
	var failed error
	for c := range in {
		if failed == nil && ctx.Err() == nil {
			if _, err := zw.Write(c.buf); err != nil {
				failed = err
			}
		}
		c.release()
	}
	if err := zw.Close(); failed == nil {
		failed = err
	}
	if failed == nil {
		failed = out.flush()
	}
	if failed == nil && ctx.Err() != nil {
		failed = context.Cause(ctx)
	}
	return failed
}

// warm holds the encoder WarmUp readies, delivered once on enc.
var warm struct {
	mu  sync.Mutex
	enc chan *zstd.Encoder // nil when no warm-up was asked for
}

// WarmUp readies, on a goroutine of its own, the encoder the next
// [Plan.Write] (or [Build]) of a layer compressed with c uses, and returns
// at once. The encoder of a tar+zstd layer allocates about 17 MiB (its
// window and match tables) and touches every page of it while it
// compresses the first megabytes, on the goroutine whose speed is the
// layer's: where a first touch of a page is dear (on virtual machines,
// 10-30 µs for each 4 KiB), that is about a tenth of packing a 150 MB
// tree. WarmUp does that work ahead, for example on another core while
// [Scan] reads the folders. The output is the same bytes: the encoder is
// reset to a new stream, out of reach of what it compressed to warm up
// (TestZstdWarmUp). The next Write waits for a warm-up still running;
// one warm-up at a time is kept, until a Write takes it. For other
// compressions WarmUp does nothing.
func WarmUp(c core.Compression) {
	if c != core.Zstd {
		return
	}
	warm.mu.Lock()
	defer warm.mu.Unlock()
	if warm.enc != nil {
		return
	}
	ch := make(chan *zstd.Encoder, 1)
	warm.enc = ch
	go func() { ch <- warmEncoder() }()
}

// warmEncoder makes an encoder and compresses into it, to nowhere, more
// than its window holds, so that every page of its buffers is touched;
// nil when it cannot be made.
func warmEncoder() *zstd.Encoder {
	zw, err := zstd.NewWriter(io.Discard, zstdOptions...)
	if err != nil {
		return nil
	}
	junk := make([]byte, 1<<20)
	x := uint32(1)
	for i := range junk {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		junk[i] = "abcdefghijklmnop"[x&15] // matches and literals alike, quickly
	}
	for range 20 {
		zw.Write(junk)
	}
	if zw.Close() != nil {
		return nil
	}
	return zw
}

// takeWarm returns the encoder WarmUp readied, waiting for it if it is
// still warming up, or nil when none was asked for.
func takeWarm() *zstd.Encoder {
	warm.mu.Lock()
	ch := warm.enc
	warm.enc = nil
	warm.mu.Unlock()
	if ch == nil {
		return nil
	}
	return <-ch
}
