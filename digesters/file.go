package digesters

import (
	"context"
	"fmt"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// DigestFile reads the file at path once and returns its size and
// digests. The file is read in reads of 256 KiB, never past the size it
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

// digestFile digests one file, with the hashes and buffer of w when it
// is not nil.
func (e *Engine) digestFile(ctx context.Context, path string, algs []digest.Algorithm, streams int, w *worker) (Result, error) {
	hs, err := w.hashes(e, algs)
	if err != nil {
		return Result{}, fmt.Errorf("digesters: file %q: %w", path, err)
	}
	var res Result
	err = withFile(ctx, path, w, func(f *openedFile) error {
		n, err := e.streamWith(ctx, f, f.expected(), hs.hs, parallelHashing(len(hs.hs), streams), w.buffer(f.expected()))
		if err != nil {
			return streamErr(fmt.Sprintf("file %q", path), n, err)
		}
		if err := f.check(n); err != nil {
			return err
		}
		res = hs.result(n)
		return nil
	})
	return res, err
}

// withFile opens path for one sequential read (with what w keeps from
// file to file when it is not nil) and calls fn with the file, which
// reads at most one byte past the size it had when opened;
// fn calls its check with the number of bytes read, which fails when
// the file changed meanwhile. Waits honour ctx: opening a FIFO (which
// blocks until a writer comes) and reading one or a terminal end when
// ctx is done.
func withFile(ctx context.Context, path string, w *worker, fn func(f *openedFile) error) error {
	f, err := openFile(ctx, path, w)
	if err != nil {
		return fmt.Errorf("digesters: %w", err)
	}
	defer f.Close()
	// A read of a FIFO or terminal waits in the runtime's poller;
	// closing the file wakes it when ctx is done.
	defer f.closeOnDone(ctx)()
	if f.regular() && f.size() > BufferSize {
		f.adviseSequential() // a system call that small files do without
	}
	return fn(f)
}

// expected is the size a regular file had when opened, or -1 for a file
// that is not regular.
func (f *openedFile) expected() int64 {
	if !f.regular() {
		return -1
	}
	return f.size()
}

// check says whether a regular file of which n bytes were read is
// unchanged since it was opened: its size then was n, and its size and
// modification time are still what they were.
func (f *openedFile) check(n int64) error {
	if !f.regular() {
		return nil
	}
	path, size := f.path, f.size()
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
