package layout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
)

// FileOptions control [Layout.PutBlobFile].
type FileOptions struct {
	WriteOptions
	// Verified says that the caller has checked the file against the
	// descriptor already (a spool that hashed it as it was written, say):
	// it is not hashed again, only its size is checked. Leave it false
	// for a file of unknown content; PutBlobFile then hashes it.
	Verified bool
	// NoLink keeps PutBlobFile from hard-linking the file: the blob is
	// cloned (FICLONE) or copied instead, so the layout's blob is a file
	// of its own.
	NoLink bool
}

// Placement says how [Layout.PutBlobFile] put a blob in place.
type Placement int

const (
	// Present: the blob was in the layout already.
	Present Placement = iota + 1
	// Linked: the blob is a hard link to the file given.
	Linked
	// Cloned: the blob shares the file's data copy-on-write (FICLONE).
	Cloned
	// Copied: the blob's data was copied (copy_file_range where the
	// kernel has it, which copies inside the file system).
	Copied
)

func (p Placement) String() string {
	switch p {
	case Present:
		return "present"
	case Linked:
		return "linked"
	case Cloned:
		return "cloned"
	case Copied:
		return "copied"
	}
	return fmt.Sprintf("Placement(%d)", int(p))
}

// OpenBlobFile opens the file holding the blob d describes, a regular
// file of d's size, for [Layout.PutBlobFile] of another layout: its
// content is NOT verified (read it through [Layout.OpenBlob] to use it
// otherwise). Close the file when done.
func (l *Layout) OpenBlobFile(ctx context.Context, d core.Descriptor) (*os.File, error) {
	name, err := l.impl.readName(d.Digest)
	if err != nil {
		return nil, &BlobError{Digest: d.Digest, Err: err}
	}
	return l.blobs.openChecked(ctx, name, d)
}

// PutBlobFile puts the blob d describes into the layout from f, an open
// regular file whose data (from offset 0) is the blob, without reading
// it through user space where the file system allows: the file is
// hashed (unless opts.Verified), then hard-linked into place (blobs are
// immutable and content-addressed, so a link is a copy), or where no
// link is possible (another file system, opts.NoLink, a kernel that
// refuses) cloned with FICLONE, or copied with copy_file_range. As with
// PutBlob, the blob appears under its name only once whole and synced,
// a blob already in place is not written again, and on any error no
// file is left under its name. It reports how the blob was placed.
func (l *Layout) PutBlobFile(ctx context.Context, d core.Descriptor, f *os.File, opts *FileOptions) (Placement, error) {
	if opts == nil {
		opts = &FileOptions{}
	}
	s := l.blobs
	name, err := s.checkWrite(d)
	if err != nil {
		return 0, err
	}
	if err := s.pin(ctx); err != nil {
		return 0, err
	}
	if s.present(ctx, name, d, opts.TrustExisting) {
		s.skipped(name, d, &opts.WriteOptions, nil)
		return Present, nil
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return 0, &BlobError{Path: name, Digest: d.Digest, Err: fmt.Errorf("%w: the source is a %s", core.ErrNotRegular, describeMode(fi.Mode()))}
	}
	if fi.Size() != d.Size {
		return 0, &BlobError{Path: name, Digest: d.Digest, Err: &core.SizeMismatchError{Want: d.Size, Got: fi.Size()}}
	}
	if !opts.Verified {
		if err := verifyFile(ctx, s.algs, f, d); err != nil {
			return 0, &BlobError{Path: name, Digest: d.Digest, Err: err}
		}
	}
	how, err := placeFile(ctx, s.root, name, f, d.Size, !opts.NoLink)
	if err != nil {
		return 0, blobErr(name, d.Digest, "", err)
	}
	if err := syncDir(s.root, path.Dir(name)); err != nil {
		return 0, blobErr(name, d.Digest, "", err)
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Descriptor: d, Delta: d.Size, Written: d.Size})
	}
	return how, nil
}

// verifyFile hashes f's data against d, from offset 0 (f's offset is
// not moved). It reads and hashes on the calling goroutine, in the
// engine's direct reads (a quarter of a MiB, hashed while in cache):
// copies place several blobs at once, one per core, and a reader
// goroutine per blob would take turns with the hashes on the same
// cores.
func verifyFile(ctx context.Context, algs *core.Algorithms, f *os.File, d core.Descriptor) error {
	eng := &digesters.Engine{Algorithms: algs, DirectLimit: math.MaxInt64}
	if err := eng.Verify(ctx, io.NewSectionReader(f, 0, d.Size+1), d); err != nil {
		return typedMismatch(err)
	}
	return nil
}

// copyInto is the placement every system has: a temporary file filled
// from f (copy_file_range where the kernel offers it: *os.File.ReadFrom
// uses it for a file source), synced and renamed to name.
func copyInto(ctx context.Context, root *os.Root, name string, f *os.File, size int64) error {
	return writeUnsynced(root, name, func(t *os.File) error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		n, err := t.ReadFrom(&ctxLimitedFile{ctx: ctx, f: f, left: size})
		if err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		if n != size {
			return &core.SizeMismatchError{Want: size, Got: n}
		}
		return nil
	})
}

// ctxLimitedFile reads at most left bytes of f, failing once ctx is done.
// It is an io.Reader only, so os.File.ReadFrom falls back to a copy
// through a buffer; copyFileRange is tried before it where available.
type ctxLimitedFile struct {
	ctx  context.Context
	f    *os.File
	left int64
}

func (r *ctxLimitedFile) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.f.Read(p)
	r.left -= int64(n)
	return n, err
}

var errNoLink = errors.New("layout: no link possible")
