package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// archiveFile is an image archive opened for reading. An uncompressed
// regular file is read in place: its headers are indexed, and each
// entry is read where it lies. A compressed one (or a pipe) is read in
// one pass the first time anything is asked of it: the small entries
// are kept in memory, the others spooled into files of a folder on the
// destination's file system (see spoolIn), each verified against its
// name (blobs/ALGORITHM/ENCODED) or hashed as it passes; the spool is
// removed by close.
type archiveFile struct {
	path string
	opts *Options

	a *archive.Archive // in place

	once     sync.Once
	scanErr  error
	spoolDir string // where to spool (set before the scan)
	scan     *archive.ScanResult
	spooled  map[string]spooledEntry
	spoolTmp string // the spool's own folder
	// spoolUnlock gives up the spool's ownership (see layout.MakeWorkspace).
	spoolUnlock func()
	stream      *os.File

	ix     *archive.Index
	layout archive.Layout
}

type spooledEntry struct {
	path string
	size int64
}

// openArchiveFile opens the archive at path and detects its layout (in
// place), or prepares the one pass (compressed), which happens on first
// use.
func openArchiveFile(ctx context.Context, path string, opts *Options) (*archiveFile, error) {
	o := &archive.Options{MaxDocumentSize: opts.MaxDocumentSize, Algorithms: opts.Registry.Algorithms()}
	af := &archiveFile{path: path, opts: opts, spoolDir: opts.TempDir}
	a, err := archive.OpenFile(ctx, path, o)
	switch {
	case err == nil:
		af.a, af.ix = a, a.Index
		if af.layout, err = archive.DetectLayout(a.Index); err != nil {
			a.Close()
			return nil, fmt.Errorf("transport: %s: %w", path, err)
		}
		return af, nil
	case errors.Is(err, archive.ErrCompressed), errors.Is(err, archive.ErrNotRegular):
		f, ferr := os.Open(path)
		if ferr != nil {
			return nil, fmt.Errorf("transport: %w", ferr)
		}
		af.stream = f
		return af, nil
	}
	return nil, fmt.Errorf("transport: %w", err)
}

// spoolIn sets the spool's folder, before the pass.
func (af *archiveFile) spoolIn(dir string) {
	if af.a == nil && af.scan == nil {
		af.spoolDir = dir
	}
}

// ready makes sure a compressed archive was read; every accessor calls
// it first.
func (af *archiveFile) ready(ctx context.Context) error {
	if af.a != nil {
		return nil
	}
	af.once.Do(func() { af.scanErr = af.readStream(ctx) })
	return af.scanErr
}

func (af *archiveFile) readStream(ctx context.Context) error {
	dir := af.spoolDir
	if dir == "" {
		dir = filepath.Dir(af.path)
	}
	tmp, unlock, err := layout.MakeWorkspace(dir, layout.SpoolPrefix)
	if err != nil {
		return fmt.Errorf("transport: spool for %s: %w", af.path, err)
	}
	af.spoolTmp, af.spoolUnlock = tmp, unlock
	af.spooled = map[string]spooledEntry{}
	n := 0
	var mu sync.Mutex
	spool := func(ctx context.Context, e archive.Entry, r io.Reader) error {
		if !imageContent(e.Name) {
			return nil // read past: no image refers to it
		}
		name := filepath.Join(tmp, strconv.Itoa(n))
		n++
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		w, err := io.Copy(f, r) // r verifies a blob against its name
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(name)
			return err
		}
		mu.Lock()
		af.spooled[e.Name] = spooledEntry{path: name, size: w}
		mu.Unlock()
		return nil
	}
	res, err := archive.Scan(ctx, af.stream, &archive.ScanOptions{
		Options: archive.Options{MaxDocumentSize: af.opts.MaxDocumentSize, Algorithms: af.opts.Registry.Algorithms()},
		Spool:   spool,
	})
	af.stream.Close()
	if err != nil {
		return fmt.Errorf("transport: %s: %w", af.path, err)
	}
	af.scan, af.ix = res, res.Index
	if af.layout, err = archive.DetectLayout(res.Index); err != nil {
		return fmt.Errorf("transport: %s: %w", af.path, err)
	}
	return nil
}

// readFile reads a small entry (a document) whole.
func (af *archiveFile) readFile(ctx context.Context, name string, max int64) ([]byte, error) {
	if err := af.ready(ctx); err != nil {
		return nil, err
	}
	if af.a != nil {
		return af.a.ReadFile(name, max)
	}
	e, err := af.ix.Resolve(name)
	if err != nil {
		return nil, err
	}
	if e.Size > max {
		return nil, &archive.EntryError{Name: name, Offset: -1, Err: fmt.Errorf("%w: %d bytes, more than %d", core.ErrTooLarge, e.Size, max)}
	}
	if b, ok := af.scan.Documents[e.Name]; ok {
		return b, nil
	}
	if s, ok := af.spooled[e.Name]; ok {
		return os.ReadFile(s.path)
	}
	return nil, &archive.EntryError{Name: name, Offset: -1, Err: fmt.Errorf("%w: it was not kept", archive.ErrNotFound)}
}

// entry returns the regular file name is or leads to.
func (af *archiveFile) entry(ctx context.Context, name string) (archive.Entry, error) {
	if err := af.ready(ctx); err != nil {
		return archive.Entry{}, err
	}
	return af.ix.Resolve(name)
}

// openRaw opens the data of the regular entry name, as stored.
func (af *archiveFile) openRaw(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	e, err := af.entry(ctx, name)
	if err != nil {
		return nil, 0, err
	}
	if af.a != nil {
		r, err := af.a.Open(e.Name)
		if err != nil {
			return nil, 0, err
		}
		return io.NopCloser(r), e.Size, nil
	}
	if b, ok := af.scan.Documents[e.Name]; ok {
		return io.NopCloser(bytes.NewReader(b)), e.Size, nil
	}
	if s, ok := af.spooled[e.Name]; ok {
		f, err := os.Open(s.path)
		return f, s.size, err
	}
	return nil, 0, &archive.EntryError{Name: name, Offset: -1, Err: archive.ErrNotFound}
}

// verifiedAlready reports whether the pass verified name's data as d
// (so that a reader of it need not hash it again): an entry named by
// its digest, or one whose digest the pass computed.
func (af *archiveFile) verifiedAlready(name string, d core.Descriptor) bool {
	if af.scan == nil {
		return false
	}
	e, err := af.ix.Resolve(name)
	if err != nil || e.Size != d.Size {
		return false
	}
	return af.scan.Digests[e.Name] == d.Digest
}

// open opens name's data as d's content, verified: hashed as it is read
// when in place, checked against the digest the pass computed when
// streamed.
func (af *archiveFile) open(ctx context.Context, name string, d core.Descriptor) (io.ReadCloser, error) {
	r, size, err := af.openRaw(ctx, name)
	if err != nil {
		return nil, err
	}
	if size != d.Size {
		r.Close()
		return nil, &archive.EntryError{Name: name, Offset: -1, Err: &core.SizeMismatchError{Want: d.Size, Got: size}}
	}
	if af.verifiedAlready(name, d) {
		return r, nil
	}
	if af.scan != nil {
		// The pass computed this entry's digest: it is another.
		r.Close()
		e, _ := af.ix.Resolve(name)
		return nil, &archive.EntryError{Name: name, Offset: -1, Err: &core.DigestMismatchError{Want: d.Digest, Got: af.scan.Digests[e.Name]}}
	}
	vr, err := digesters.NewVerifyingReaderWith(af.opts.Registry.Algorithms(), r, d)
	if err != nil {
		r.Close()
		return nil, err
	}
	return &entryReader{vr: vr, c: r, name: name}, nil
}

// file returns a spooled entry's file, verified as d by the pass.
func (af *archiveFile) file(ctx context.Context, name string, d core.Descriptor) (*os.File, bool, error) {
	if err := af.ready(ctx); err != nil {
		return nil, false, err
	}
	if af.scan == nil {
		return nil, false, errNoFile
	}
	e, err := af.ix.Resolve(name)
	if err != nil {
		return nil, false, err
	}
	s, ok := af.spooled[e.Name]
	if !ok || !af.verifiedAlready(name, d) {
		return nil, false, errNoFile
	}
	f, err := os.Open(s.path)
	return f, true, err
}

func (af *archiveFile) close() error {
	var err error
	if af.a != nil {
		err = af.a.Close()
	}
	if af.stream != nil {
		af.stream.Close()
	}
	if af.spoolTmp != "" {
		os.RemoveAll(af.spoolTmp)
		af.spoolUnlock()
	}
	return err
}

// entryReader names the entry in a verifying reader's errors.
type entryReader struct {
	vr   *digesters.VerifyingReader
	c    io.Closer
	name string
}

func (r *entryReader) Read(p []byte) (int, error) {
	n, err := r.vr.Read(p)
	if err != nil && err != io.EOF {
		err = &archive.EntryError{Name: r.name, Offset: -1, Err: err}
	}
	return n, err
}

func (r *entryReader) WriteTo(w io.Writer) (int64, error) {
	n, err := r.vr.WriteTo(w)
	if err != nil {
		err = &archive.EntryError{Name: r.name, Offset: -1, Err: err}
	}
	return n, err
}

func (r *entryReader) Close() error { return r.c.Close() }

// blobName is where an OCI layout inside an archive keeps a blob.
func blobName(algs *core.Algorithms, d digest.Digest) (string, error) {
	if err := algs.ValidateDigest(d); err != nil {
		return "", err
	}
	return "blobs/" + string(d.Algorithm()) + "/" + d.Encoded(), nil
}

// imageContent reports whether an archive entry can be content an image
// refers to: an OCI layout's blob, or docker save's config (NAME.json)
// or layer (NAME.tar, ID/layer.tar). Only those are spooled.
func imageContent(name string) bool {
	if rest, ok := strings.CutPrefix(name, "blobs/"); ok {
		return strings.Count(rest, "/") == 1
	}
	return strings.HasSuffix(name, ".tar") || strings.HasSuffix(name, ".json")
}
