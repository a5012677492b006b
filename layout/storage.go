package layout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/internal/atomicfile"
	digest "github.com/opencontainers/go-digest"
)

// storage is the content-addressed half of a layout: blobs read through
// verifying readers and written the crash-safe way (a temporary file in
// the layout's top folder, hashed while written, checked, synced,
// renamed into place, its folder synced). It knows where a blob lives
// through its naming, and nothing of index.json, manifest.json or tags,
// which belong to the kind (oci.go, dir.go): the split of oras-go's
// content/oci, whose Storage is apart from its Store.
//
// storage is safe for concurrent use.
type storage struct {
	root    *os.Root
	algs    *core.Algorithms
	workers int
	names   naming

	// pin is called before a blob is looked for or written: the writer
	// keeps what it puts until it closes the layout (see Layout.GC).
	pin func(context.Context) error

	// wrapWriter, set by tests, wraps the files blobs are written to (to
	// simulate a full disk).
	wrapWriter func(io.Writer) io.Writer
}

// naming says which file of a layout holds a blob. A digest is checked
// against the spec's grammar before it becomes a name.
type naming interface {
	// readName is the file a blob is read from (in a dir: folder of
	// version 1.1, perhaps the name given before version 1.2).
	readName(d digest.Digest) (string, error)
	// writeName is the file a blob is written to.
	writeName(d digest.Digest) (string, error)
}

// open opens the blob d describes for reading, verified (see
// [Layout.OpenBlob]).
func (s *storage) open(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	if d.Data != nil {
		vr, err := digesters.NewVerifyingReaderWith(s.algs, bytes.NewReader(d.Data), d)
		if err != nil {
			return nil, &BlobError{Digest: d.Digest, Ref: "embedded data", Err: err}
		}
		return &blobReader{ctx: ctx, vr: vr, desc: d}, nil
	}
	name, err := s.names.readName(d.Digest)
	if err != nil {
		return nil, &BlobError{Digest: d.Digest, Err: err}
	}
	return s.openFile(ctx, name, d)
}

// openFile opens the file name, which must hold the blob d describes,
// for reading through a verifying reader.
func (s *storage) openFile(ctx context.Context, name string, d core.Descriptor) (io.ReadCloser, error) {
	f, err := s.openChecked(ctx, name, d)
	if err != nil {
		return nil, err
	}
	vr, err := digesters.NewVerifyingReaderWith(s.algs, f, d)
	if err != nil {
		f.Close()
		return nil, &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	return &blobReader{ctx: ctx, vr: vr, c: f, name: name, desc: d}, nil
}

// openChecked opens the file name, a regular file of d's size, without
// reading it.
func (s *storage) openChecked(ctx context.Context, name string, d core.Descriptor) (*os.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, fi, err := openRegular(s.root, name)
	if err != nil {
		return nil, &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	if fi.Size() != d.Size {
		f.Close()
		return nil, &BlobError{Path: name, Digest: d.Digest, Err: &core.SizeMismatchError{Want: d.Size, Got: fi.Size()}}
	}
	return f, nil
}

// readFile reads the file name whole, verified against d.
func (s *storage) readFile(ctx context.Context, name string, d core.Descriptor) ([]byte, error) {
	r, err := s.openFile(ctx, name, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// blobReader is a verifying reader over a file that honours ctx and
// names the blob in its errors.
type blobReader struct {
	ctx  context.Context
	vr   *digesters.VerifyingReader
	c    io.Closer
	name string
	desc core.Descriptor
}

func (r *blobReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, &BlobError{Path: r.name, Digest: r.desc.Digest, Err: err}
	}
	n, err := r.vr.Read(p)
	if err != nil && err != io.EOF {
		err = &BlobError{Path: r.name, Digest: r.desc.Digest, Err: typedMismatch(err)}
	}
	return n, err
}

// WriteTo copies the rest of the blob to w in the verifying reader's
// large buffers (io.Copy would otherwise use io.Discard's 8 KiB one, or
// its own 32 KiB), checking ctx between buffers; it returns nil when the
// blob matched its descriptor, and the error Read would give otherwise.
func (r *blobReader) WriteTo(w io.Writer) (int64, error) {
	n, err := r.vr.WriteTo(ctxWriter{r.ctx, w})
	if err != nil {
		err = &BlobError{Path: r.name, Digest: r.desc.Digest, Err: typedMismatch(err)}
	}
	return n, err
}

func (r *blobReader) Close() error {
	if r.c == nil {
		return nil
	}
	return r.c.Close()
}

// ctxWriter fails its writes once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// typedMismatch returns the *core.SizeMismatchError or
// *core.DigestMismatchError inside err (the verifying reader names the
// blob, which the BlobError around it does already), or err.
func typedMismatch(err error) error {
	var sm *core.SizeMismatchError
	var dm *core.DigestMismatchError
	switch {
	case errors.As(err, &sm):
		return sm
	case errors.As(err, &dm):
		return dm
	}
	return err
}

// implicitSource is the source of a blob that needs none: embedded data,
// or the empty JSON object "{}".
func (s *storage) implicitSource(d core.Descriptor) Source {
	if d.Data != nil {
		return FromBytes(d.Data)
	}
	if d.Size == 2 {
		if e, err := s.algs.FromBytes(core.AlgorithmOf(d.Digest), []byte("{}")); err == nil && e == d.Digest {
			return FromBytes([]byte("{}"))
		}
	}
	return nil
}

// present reports whether the blob is stored whole under name: a
// regular file of the right size, whose content hashes to the digest
// unless trust is set.
func (s *storage) present(ctx context.Context, name string, d core.Descriptor, trust bool) bool {
	fi, err := statRegular(s.root, name)
	if err != nil || fi.Size() != d.Size {
		return false
	}
	if trust {
		return true
	}
	r, err := s.openFile(ctx, name, d)
	if err != nil {
		return false
	}
	defer r.Close()
	_, err = io.Copy(io.Discard, r)
	return err == nil
}

// put writes the blob d describes from src (see [Layout.PutBlob]); with
// syncs set, the blob's folder is added to it instead of being synced
// (the caller syncs before referring to it).
func (s *storage) put(ctx context.Context, d core.Descriptor, src Source, opts *WriteOptions, syncs *dirSyncs) error {
	name, err := s.checkWrite(d)
	if err != nil {
		return err
	}
	if err := s.pin(ctx); err != nil {
		return err
	}
	if s.present(ctx, name, d, opts.TrustExisting) {
		s.skipped(name, d, opts, syncs)
		return nil
	}
	if src == nil {
		src = s.implicitSource(d)
	}
	if src == nil {
		return &BlobError{Path: name, Digest: d.Digest, Err: ErrNoSource}
	}
	if err := s.write(ctx, name, d, src, opts.Progress); err != nil {
		return blobErr(name, d.Digest, "", err)
	}
	return s.written(name, d, syncs)
}

// checkWrite checks a descriptor to be written and returns its file.
func (s *storage) checkWrite(d core.Descriptor) (string, error) {
	name, err := s.names.writeName(d.Digest)
	if err != nil {
		return "", &BlobError{Digest: d.Digest, Err: err}
	}
	if d.Size < 0 {
		return "", &BlobError{Path: name, Digest: d.Digest, Err: fmt.Errorf("%w: negative size %d", core.ErrInvalidDocument, d.Size)}
	}
	if err := s.algs.Check(core.AlgorithmOf(d.Digest)); err != nil {
		return "", &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	return name, nil
}

// skipped records a blob found in place.
func (s *storage) skipped(name string, d core.Descriptor, opts *WriteOptions, syncs *dirSyncs) {
	if syncs != nil {
		syncs.add(name) // it may be another writer's, not synced yet
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Descriptor: d, Delta: d.Size, Written: d.Size, Skipped: true})
	}
}

// written makes a blob renamed into place durable, now or with syncs.
func (s *storage) written(name string, d core.Descriptor, syncs *dirSyncs) error {
	if syncs != nil {
		syncs.add(name)
		return nil
	}
	if err := syncDir(s.root, path.Dir(name)); err != nil {
		return blobErr(name, d.Digest, "", err)
	}
	return nil
}

func (s *storage) write(ctx context.Context, name string, d core.Descriptor, src Source, progress func(Progress)) error {
	rc, err := src.Open(ctx)
	if err != nil {
		return fmt.Errorf("open source: %w", err)
	}
	defer rc.Close()
	vr, err := digesters.NewVerifyingReaderWith(s.algs, rc, d)
	if err != nil {
		return err
	}
	return writeUnsynced(s.root, name, func(f *os.File) error {
		w := atomicfile.Writeback(f, f)
		if s.wrapWriter != nil {
			w = s.wrapWriter(w)
		}
		if progress != nil {
			w = &progressWriter{w: w, d: d, fn: progress}
		}
		return copyBlob(ctx, w, vr)
	})
}

// copyBufferSize is the size of the buffer a blob is written through:
// small enough that what was read is still in the processor's cache when
// it is hashed and written (a pull from a registry into a layout spends
// a fifth to a third less CPU through 128 KiB than through 1 MiB, in
// two measurements), large enough that the system calls are few.
const copyBufferSize = 128 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// copyBlob copies through a pooled copyBufferSize buffer, checking ctx
// between buffers. The source is a verifying reader, so io.EOF means the blob
// matched its descriptor.
func copyBlob(ctx context.Context, w io.Writer, r io.Reader) error {
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := io.ReadFull(r, *buf)
		if n > 0 {
			if _, err := w.Write((*buf)[:n]); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return nil
		case rerr != nil:
			return typedMismatch(rerr)
		}
	}
}

type progressWriter struct {
	w  io.Writer
	d  core.Descriptor
	fn func(Progress)
	n  int64
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if n > 0 {
		p.n += int64(n)
		p.fn(Progress{Descriptor: p.d, Delta: int64(n), Written: p.n})
	}
	return n, err
}

// putMany writes blobs with the layout's workers. Every blob needs a
// source, unless it is stored already, has an implicit source, or is a
// non-distributable layer with URLs; all blobs without one are reported
// together before anything is written. The first error stops the other
// writers. The folders the blobs went to are synced once, at the end,
// before anything can refer to the blobs.
func (s *storage) putMany(ctx context.Context, ds []core.Descriptor, srcs Blobs, opts *WriteOptions) error {
	type job struct {
		d   core.Descriptor
		src Source
	}
	if err := s.pin(ctx); err != nil {
		return err
	}
	var jobs []job
	var missing []error
	for _, d := range ds {
		src := srcs[d.Digest]
		if src == nil {
			src = s.implicitSource(d)
		}
		if src == nil {
			name, err := s.names.writeName(d.Digest)
			if err != nil {
				missing = append(missing, &BlobError{Digest: d.Digest, Err: err})
				continue
			}
			if fi, err := statRegular(s.root, name); err == nil && fi.Size() == d.Size {
				jobs = append(jobs, job{d, nil}) // put verifies it
				continue
			}
			if len(d.URLs) > 0 {
				continue // non-distributable: fetched from its URLs by whoever needs it
			}
			missing = append(missing, &BlobError{Path: name, Digest: d.Digest, Err: ErrNoSource})
			continue
		}
		jobs = append(jobs, job{d, src})
	}
	if len(missing) > 0 {
		return errors.Join(missing...)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var syncs dirSyncs
	sem := make(chan struct{}, s.workers)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := s.put(ctx, j.d, j.src, opts, &syncs); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return syncs.sync(s.root)
}

// read reads the blob d describes whole, verified.
func (s *storage) read(ctx context.Context, d core.Descriptor) ([]byte, error) {
	r, err := s.open(ctx, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// HasBlob reports whether the blob d describes is in the layout whole:
// a regular file of its size whose content hashes to its digest (only
// its size is checked when trust is set). A digest that is not of the
// spec's grammar is an error.
func (l *Layout) HasBlob(ctx context.Context, d core.Descriptor, trust bool) (bool, error) {
	name, err := l.impl.readName(d.Digest)
	if err != nil {
		return false, &BlobError{Digest: d.Digest, Err: err}
	}
	return l.blobs.present(ctx, name, d, trust), nil
}
