package digesters

import (
	"context"
	"fmt"
	"io"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// DigestFile reads the file at path once and returns its size and
// digests. The file is read in BufferSize reads, never past the size it
// had when opened plus one byte; a regular file whose size or
// modification time changes while it is read is an error wrapping
// [core.ErrFileChanged]. (A file that a single read returns whole, as
// small files are on Unix systems, is checked by that read alone: it
// must end at the size the file had when opened.) Errors name the file.
func DigestFile(ctx context.Context, path string, algs ...digest.Algorithm) (Result, error) {
	return (&Engine{}).DigestFile(ctx, path, algs...)
}

// DigestFile is [DigestFile] with this engine's settings.
func (e *Engine) DigestFile(ctx context.Context, path string, algs ...digest.Algorithm) (Result, error) {
	return e.digestFile(ctx, path, algs, 1, nil)
}

// digestFile digests one file, with the hashes of w when it is not nil.
func (e *Engine) digestFile(ctx context.Context, path string, algs []digest.Algorithm, streams int, w *worker) (Result, error) {
	hs, err := w.hashes(e, algs)
	if err != nil {
		return Result{}, fmt.Errorf("digesters: file %q: %w", path, err)
	}
	var res Result
	err = withFile(ctx, path, func(r io.Reader, size int64, check func(int64) error) error {
		n, err := e.stream(ctx, r, size, hs.hs, parallelHashing(len(hs.hs), streams))
		if err != nil {
			return streamErr(fmt.Sprintf("file %q", path), n, err)
		}
		if err := check(n); err != nil {
			return err
		}
		res = hs.result(n)
		return nil
	})
	return res, err
}

// withFile opens path for one sequential read and calls fn with a
// reader that stops one byte past the size the file had when opened,
// that size (-1 for a file that is not regular), and a check to call
// with the number of bytes read, which fails when the file changed
// meanwhile. Waits honour ctx: opening a FIFO (which blocks until a
// writer comes) and reading one or a terminal end when ctx is done.
func withFile(ctx context.Context, path string, fn func(r io.Reader, size int64, check func(n int64) error) error) error {
	f, err := openFile(ctx, path)
	if err != nil {
		return fmt.Errorf("digesters: %w", err)
	}
	defer f.Close()
	// A read of a FIFO or terminal waits in the runtime's poller;
	// closing the file wakes it when ctx is done.
	defer f.closeOnDone(ctx)()
	size := int64(-1)
	if f.regular() {
		size = f.size()
		if size > BufferSize {
			f.adviseSequential() // a system call that small files do without
		}
	}
	check := func(n int64) error {
		if !f.regular() {
			return nil
		}
		if n > size {
			return fmt.Errorf("digesters: file %q: %w: it grew past the %d bytes it had when opened", path, core.ErrFileChanged, size)
		}
		if n < size {
			return fmt.Errorf("digesters: file %q: %w: it had %d bytes when opened, %d could be read", path, core.ErrFileChanged, size, n)
		}
		change, err := f.unchanged()
		if err != nil {
			return fmt.Errorf("digesters: file %q: %w", path, err)
		}
		if change != "" {
			return fmt.Errorf("digesters: file %q: %w: %s", path, core.ErrFileChanged, change)
		}
		return nil
	}
	return fn(f, size, check)
}
