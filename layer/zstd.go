package layer

import (
	"context"

	"github.com/klauspost/compress/zstd"
)

// zstdStream compresses the chunks of in into one zstd frame written to
// out, with github.com/klauspost/compress's streaming encoder at
// SpeedDefault: the same options, so the same bytes, as layers built
// before this package. The encoder works on goroutines of its own while
// the tar stream, the hashes and the writes run on others: with a
// concurrency of 2, the matches of each 128 KiB block are found on one
// while the block before is entropy-coded and written on another. The
// blocks are still found in order, each with the whole window before
// it, so the bytes are those of one goroutine and do not depend on the
// number of cores.
// zstdConcurrency is fixed rather than GOMAXPROCS, so that one core
// runs the same code as many.
const zstdConcurrency = 2

func zstdStream(ctx context.Context, in <-chan *chunk, out *chunker) error {
	defer out.out.close()
	zw, err := zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(zstdConcurrency))
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
