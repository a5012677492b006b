package layer

import (
	"context"

	"github.com/klauspost/compress/zstd"
)

// zstdStream compresses the chunks of in into one zstd frame written to
// out, with github.com/klauspost/compress's streaming encoder at
// SpeedDefault: the same options, so the same bytes, as layers built
// before this package. The encoder works on its own goroutine while the
// tar stream, the hashes and the writes run on others; its output does
// not depend on the number of cores.
func zstdStream(ctx context.Context, in <-chan *chunk, out *chunker) error {
	defer out.out.close()
	zw, err := zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
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
