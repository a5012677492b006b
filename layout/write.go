package layout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// Source supplies the bytes of a blob to be written. Each call of Open
// returns a new reader from the start, except for [FromReader]'s, which
// can be opened once. The bytes are verified against the blob's
// descriptor while they are written.
type Source interface {
	Open(ctx context.Context) (io.ReadCloser, error)
}

// FromBytes is a Source of bytes in memory.
func FromBytes(b []byte) Source { return bytesSource(b) }

type bytesSource []byte

func (s bytesSource) Open(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(s)), nil
}

// FromFile is a Source that reads the file at path.
func FromFile(path string) Source { return fileSource(path) }

type fileSource string

func (s fileSource) Open(context.Context) (io.ReadCloser, error) { return os.Open(string(s)) }

// FromReader is a Source that can be opened once: it reads r (and does
// not close it).
func FromReader(r io.Reader) Source { return &readerSource{r: r} }

type readerSource struct {
	mu   sync.Mutex
	r    io.Reader
	used bool
}

func (s *readerSource) Open(context.Context) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used {
		return nil, errors.New("layout: a FromReader source can be opened only once")
	}
	s.used = true
	return io.NopCloser(s.r), nil
}

// BlobSource is a Source of the blob d describes in l, read verified.
// It lets blobs be copied between layouts.
func (l *Layout) BlobSource(d core.Descriptor) Source { return layoutSource{l, d} }

type layoutSource struct {
	l *Layout
	d core.Descriptor
}

func (s layoutSource) Open(ctx context.Context) (io.ReadCloser, error) {
	return s.l.OpenBlob(ctx, s.d)
}

// Blobs maps digests to the sources of the blobs a manifest refers to.
type Blobs map[digest.Digest]Source

// Progress reports bytes written to a layout, for a progress bar.
type Progress struct {
	// Descriptor is the blob being written.
	Descriptor core.Descriptor
	// Delta is the number of bytes written since the last report for this
	// blob: add it to a bar whose total is the sum of the blobs' sizes.
	Delta int64
	// Written is the number of bytes of this blob written so far.
	Written int64
	// Skipped is true when the blob was already in the layout and not
	// written again; Delta is then its size.
	Skipped bool
}

// WriteOptions control writes. The zero value writes the compact
// encoding, no tag, verifies blobs already present, and reports no
// progress.
type WriteOptions struct {
	// Encoding is the JSON spelling of the manifests and indexes written
	// (index.json itself is always compact).
	Encoding core.Encoding
	// Tag names the image in index.json (OCI only). Without a Platform
	// the tag moves to the image from every entry that had it; with one,
	// only the entries of that tag with the same platform or none are
	// replaced, so a tag can name one image per platform. A dir: layout
	// has no tags.
	Tag string
	// Platform is recorded on the image's index.json entry (OCI).
	Platform *core.Platform
	// Annotations are added to the image's index.json entry (OCI).
	Annotations map[string]string
	// ManifestAlgorithm digests the manifest or index written; "" uses the
	// config's algorithm (so a sha512 image is sha512 throughout), or
	// sha256.
	ManifestAlgorithm digest.Algorithm
	// TrustExisting takes a blob already in the layout with the right
	// size as whole, without hashing it. By default it is hashed, and
	// replaced when it does not match.
	TrustExisting bool
	// Progress, when set, is called as bytes are written, from the
	// goroutines that write blobs (several at once: it must be safe for
	// concurrent use).
	Progress func(Progress)
}

func (o *WriteOptions) orZero() *WriteOptions {
	if o == nil {
		return &WriteOptions{}
	}
	return o
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// PutBlob writes the blob d describes from src, the crash-safe way: into
// a temporary file in the layout's folder, hashed while it is written,
// checked against d's size and digest, synced, and renamed into place
// only when it matched (then the folder is synced). A blob already in
// the layout is not written again (see WriteOptions.TrustExisting). A
// nil src is allowed for a descriptor with embedded data and for the
// empty JSON object "{}". On any error no file is left under the blob's
// name that was not there before.
func (l *Layout) PutBlob(ctx context.Context, d core.Descriptor, src Source, opts *WriteOptions) error {
	return l.putBlob(ctx, d, src, opts.orZero(), nil)
}

// putBlob is PutBlob; with syncs set, the blob's folder is added to it
// instead of being synced (the caller syncs before referring to it).
func (l *Layout) putBlob(ctx context.Context, d core.Descriptor, src Source, opts *WriteOptions, syncs *dirSyncs) error {
	name, err := l.writeName(d.Digest)
	if err != nil {
		return err
	}
	if d.Size < 0 {
		return &BlobError{Path: name, Digest: d.Digest, Err: fmt.Errorf("%w: negative size %d", core.ErrInvalidDocument, d.Size)}
	}
	if err := l.algs.Check(core.AlgorithmOf(d.Digest)); err != nil {
		return &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	if l.present(ctx, name, d, opts.TrustExisting) {
		if syncs != nil {
			syncs.add(name) // it may be another writer's, not synced yet
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Descriptor: d, Delta: d.Size, Written: d.Size, Skipped: true})
		}
		return nil
	}
	if src == nil {
		src = l.implicitSource(d)
	}
	if src == nil {
		return &BlobError{Path: name, Digest: d.Digest, Err: ErrNoSource}
	}
	if err := l.writeBlob(ctx, name, d, src, opts.Progress); err != nil {
		return blobErr(name, d.Digest, "", err)
	}
	if syncs != nil {
		syncs.add(name)
		return nil
	}
	if err := syncDir(l.root, path.Dir(name)); err != nil {
		return blobErr(name, d.Digest, "", err)
	}
	return nil
}

// writeName is the file a blob is written to (in a dir: folder, always
// the version 1.2 name).
func (l *Layout) writeName(d digest.Digest) (string, error) {
	var name string
	var err error
	if l.kind == OCI {
		name, err = ociBlobPath(l.algs, d)
	} else {
		name, err = dirBlobName(l.algs, d)
	}
	if err != nil {
		return "", &BlobError{Digest: d, Err: err}
	}
	return name, nil
}

// implicitSource is the source of a blob that needs none: embedded data,
// or the empty JSON object "{}".
func (l *Layout) implicitSource(d core.Descriptor) Source {
	if d.Data != nil {
		return FromBytes(d.Data)
	}
	if d.Size == 2 {
		if e, err := l.algs.FromBytes(core.AlgorithmOf(d.Digest), []byte("{}")); err == nil && e == d.Digest {
			return FromBytes([]byte("{}"))
		}
	}
	return nil
}

// present reports whether the blob is in the layout whole: a regular
// file of the right size, whose content hashes to the digest unless
// trust is set.
func (l *Layout) present(ctx context.Context, name string, d core.Descriptor, trust bool) bool {
	fi, err := statRegular(l.root, name)
	if err != nil || fi.Size() != d.Size {
		return false
	}
	if trust {
		return true
	}
	r, err := l.openVerified(ctx, name, d)
	if err != nil {
		return false
	}
	defer r.Close()
	_, err = io.Copy(io.Discard, r)
	return err == nil
}

func (l *Layout) writeBlob(ctx context.Context, name string, d core.Descriptor, src Source, progress func(Progress)) error {
	rc, err := src.Open(ctx)
	if err != nil {
		return fmt.Errorf("open source: %w", err)
	}
	defer rc.Close()
	vr, err := digesters.NewVerifyingReaderWith(l.algs, rc, d)
	if err != nil {
		return err
	}
	return writeUnsynced(l.root, name, func(f *os.File) error {
		var w io.Writer = f
		if l.wrapWriter != nil {
			w = l.wrapWriter(w)
		}
		if progress != nil {
			w = &progressWriter{w: w, d: d, fn: progress}
		}
		return copyBlob(ctx, w, vr)
	})
}

// copyBlob copies through a pooled 1 MiB buffer, checking ctx between
// buffers. The source is a verifying reader, so io.EOF means the blob
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

// blobsOf lists the blobs an image needs in the layout: its config and
// layers, without repeats (the subject is another image and is not
// written).
func blobsOf(m core.Manifest) []core.Descriptor {
	seen := map[digest.Digest]bool{}
	var out []core.Descriptor
	for _, d := range append([]core.Descriptor{m.Config}, m.Layers...) {
		if !seen[d.Digest] {
			seen[d.Digest] = true
			out = append(out, d)
		}
	}
	return out
}

// putBlobs writes blobs with the layout's workers. Every blob needs a
// source, unless it is in the layout already, has an implicit source,
// or is a non-distributable layer with URLs; all blobs without one are
// reported together before anything is written. The first error stops
// the other writers. The folders the blobs went to are synced once, at
// the end, before anything can refer to the blobs.
func (l *Layout) putBlobs(ctx context.Context, ds []core.Descriptor, srcs Blobs, opts *WriteOptions) error {
	type job struct {
		d   core.Descriptor
		src Source
	}
	var jobs []job
	var missing []error
	for _, d := range ds {
		src := srcs[d.Digest]
		if src == nil {
			src = l.implicitSource(d)
		}
		if src == nil {
			name, err := l.writeName(d.Digest)
			if err != nil {
				missing = append(missing, err)
				continue
			}
			if fi, err := statRegular(l.root, name); err == nil && fi.Size() == d.Size {
				jobs = append(jobs, job{d, nil}) // PutBlob verifies it
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
	sem := make(chan struct{}, l.opts.workers)
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
			if err := l.putBlob(ctx, j.d, j.src, opts, &syncs); err != nil {
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
	return syncs.sync(l.root)
}

// encoded is a manifest or index ready to be stored.
type encoded struct {
	desc core.Descriptor
	raw  []byte
}

func (l *Layout) manifestAlgorithm(opts *WriteOptions, config digest.Digest) (digest.Algorithm, error) {
	alg := opts.ManifestAlgorithm
	if alg == "" {
		alg = core.SHA256
		if c := core.AlgorithmOf(config); config != "" && l.algs.ValidateDigest(config) == nil && l.algs.Check(c) == nil {
			alg = c
		}
	}
	if err := l.algs.Check(alg); err != nil {
		return "", err
	}
	return alg, nil
}

func (l *Layout) encode(raw []byte, mediaType string, alg digest.Algorithm) (encoded, error) {
	d, err := l.algs.FromBytes(alg, raw)
	if err != nil {
		return encoded{}, err
	}
	return encoded{desc: core.Descriptor{MediaType: mediaType, Size: int64(len(raw)), Digest: d}, raw: raw}, nil
}

func (l *Layout) encodeManifest(ctx context.Context, f core.Format, m core.Manifest, opts *WriteOptions) (encoded, error) {
	if f == nil {
		return encoded{}, fmt.Errorf("%w: nil", core.ErrInvalidFormat)
	}
	raw, err := f.EncodeManifest(ctx, m, opts.Encoding)
	if err != nil {
		return encoded{}, fmt.Errorf("layout: encode %s manifest: %w", f.Describe().Name, err)
	}
	alg, err := l.manifestAlgorithm(opts, m.Config.Digest)
	if err != nil {
		return encoded{}, fmt.Errorf("layout: manifest digest: %w", err)
	}
	return l.encode(raw, f.Describe().ManifestMediaType, alg)
}

func (l *Layout) checkTag(opts *WriteOptions) error {
	if opts.Tag == "" {
		return nil
	}
	if l.kind == Dir {
		return fmt.Errorf("%w (asked to tag %q in %s)", ErrNoTags, opts.Tag, l)
	}
	return ValidateTag(opts.Tag)
}

// WriteImage writes an image: every blob m refers to (config and
// layers, from blobs; see [Layout.PutBlob]), then the manifest encoded
// by format f in opts.Encoding, then the layout's root: index.json gets
// an entry for it (OCI, with opts.Tag, opts.Platform and
// opts.Annotations), or it becomes manifest.json (dir:, whose version
// file says 1.2 when a digest is not sha256 and 1.1 otherwise; the
// previous image's files are removed after). Each file is written to a
// temporary file and renamed into place, the root last, so a reader
// never sees a manifest whose blobs are missing or partial and a crash
// at any moment leaves the old image or the new one. It returns the
// manifest's descriptor as the layout lists it.
func (l *Layout) WriteImage(ctx context.Context, f core.Format, m core.Manifest, blobs Blobs, opts *WriteOptions) (core.Descriptor, error) {
	opts = opts.orZero()
	if err := l.checkTag(opts); err != nil {
		return core.Descriptor{}, err
	}
	enc, err := l.encodeManifest(ctx, f, m, opts)
	if err != nil {
		return core.Descriptor{}, err
	}
	return l.store(ctx, enc, blobsOf(m), blobs, nil, opts)
}

// Member is one image of an index written by [Layout.WriteIndex].
type Member struct {
	Manifest core.Manifest
	Blobs    Blobs
	// Platform is recorded on the index's entry for the image.
	Platform *core.Platform
	// Annotations are recorded on the index's entry for the image.
	Annotations map[string]string
}

// WriteIndex writes a multi-platform image: each member's blobs and
// manifest (format f), then an index of f listing them with their
// platforms, then the layout's root as [Layout.WriteImage] does (in a
// dir: folder the index becomes manifest.json and the manifests are
// stored as "<digest>.manifest.json", as containers/image does). f must
// have an index (core.IndexFormat).
func (l *Layout) WriteIndex(ctx context.Context, f core.Format, members []Member, opts *WriteOptions) (core.Descriptor, error) {
	opts = opts.orZero()
	if err := l.checkTag(opts); err != nil {
		return core.Descriptor{}, err
	}
	if f == nil {
		return core.Descriptor{}, fmt.Errorf("%w: nil", core.ErrInvalidFormat)
	}
	var ix core.Index
	var docs []encoded
	var need []core.Descriptor
	srcs := Blobs{}
	for i, mb := range members {
		e, err := l.encodeManifest(ctx, f, mb.Manifest, opts)
		if err != nil {
			return core.Descriptor{}, fmt.Errorf("layout: member %d: %w", i, err)
		}
		e.desc.Platform, e.desc.Annotations = mb.Platform, maps.Clone(mb.Annotations)
		docs = append(docs, e)
		ix.Manifests = append(ix.Manifests, e.desc)
		need = append(need, blobsOf(mb.Manifest)...)
		maps.Copy(srcs, mb.Blobs)
	}
	raw, err := core.EncodeIndex(ctx, f, ix, opts.Encoding)
	if err != nil {
		return core.Descriptor{}, fmt.Errorf("layout: encode %s index: %w", f.Describe().Name, err)
	}
	alg, err := l.manifestAlgorithm(opts, "")
	if err != nil {
		return core.Descriptor{}, err
	}
	top, err := l.encode(raw, f.Describe().IndexMediaType, alg)
	if err != nil {
		return core.Descriptor{}, err
	}
	return l.store(ctx, top, need, srcs, docs, opts)
}

// store writes an image whose documents are encoded: the blobs first,
// then the documents below the root, then the root. A dir: layout is
// locked throughout, since writing its root removes the files of the
// image it replaces.
func (l *Layout) store(ctx context.Context, top encoded, need []core.Descriptor, srcs Blobs, docs []encoded, opts *WriteOptions) (core.Descriptor, error) {
	if l.kind == Dir {
		unlock, err := l.lock(ctx)
		if err != nil {
			return core.Descriptor{}, err
		}
		defer unlock()
	}
	need = dedupe(need)
	if err := l.putBlobs(ctx, need, srcs, opts); err != nil {
		return core.Descriptor{}, err
	}
	return l.commit(ctx, top, need, docs, opts)
}

func dedupe(ds []core.Descriptor) []core.Descriptor {
	seen := map[digest.Digest]bool{}
	out := ds[:0:0]
	for _, d := range ds {
		if !seen[d.Digest] {
			seen[d.Digest] = true
			out = append(out, d)
		}
	}
	return out
}

// storeDocument stores a manifest or index that is not the dir: root:
// as a blob (OCI) or as "<digest>.manifest.json" (dir:).
func (l *Layout) storeDocument(ctx context.Context, e encoded, opts *WriteOptions) error {
	if l.kind == OCI {
		d := e.desc
		d.Platform, d.Annotations = nil, nil
		return l.PutBlob(ctx, d, FromBytes(e.raw), opts)
	}
	name, err := dirInstanceName(l.algs, e.desc.Digest)
	if err != nil {
		return &BlobError{Digest: e.desc.Digest, Err: err}
	}
	if fi, err := statRegular(l.root, name); err == nil && fi.Size() == e.desc.Size {
		if b, err := l.readVerified(ctx, name, e.desc); err == nil && bytes.Equal(b, e.raw) {
			return nil
		}
	}
	if err := writeFileAtomic(l.root, name, e.raw); err != nil {
		return &BlobError{Path: name, Digest: e.desc.Digest, Err: err}
	}
	return nil
}

// commit stores the documents below the root, then the root: the
// index.json entry (OCI) or manifest.json and version (dir:, with the
// lock already held).
func (l *Layout) commit(ctx context.Context, top encoded, blobs []core.Descriptor, docs []encoded, opts *WriteOptions) (core.Descriptor, error) {
	for _, d := range docs {
		if err := l.storeDocument(ctx, d, opts); err != nil {
			return core.Descriptor{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return core.Descriptor{}, err
	}
	if l.kind == OCI {
		if err := l.storeDocument(ctx, top, opts); err != nil {
			return core.Descriptor{}, err
		}
		entry := top.desc
		entry.Platform = opts.Platform
		if len(opts.Annotations) > 0 || opts.Tag != "" {
			entry.Annotations = maps.Clone(opts.Annotations)
			if entry.Annotations == nil {
				entry.Annotations = map[string]string{}
			}
			if opts.Tag != "" {
				entry.Annotations[AnnotationRefName] = opts.Tag
			}
		}
		err := l.updateIndexJSON(ctx, func(ix *core.Index) error {
			putEntry(ix, entry)
			return nil
		})
		return entry, err
	}
	keep := map[string]bool{}
	all := digestsOf(blobs...)
	for _, d := range blobs {
		name, _ := dirBlobName(l.algs, d.Digest)
		keep[name] = true
	}
	for _, d := range docs {
		name, _ := dirInstanceName(l.algs, d.desc.Digest)
		keep[name] = true
		all = append(all, d.desc.Digest)
	}
	return top.desc, l.commitDir(top.raw, dirVersionFor(all), keep)
}

// commitDir makes raw the dir: image's manifest.json. The version file
// is raised to 1.2 before (an old image under 1.2 is still whole) and
// lowered to 1.1 after (the new image needs no more), then the files of
// the previous image are removed.
func (l *Layout) commitDir(raw []byte, need string, keep map[string]bool) error {
	cur, err := readDirVersion(l.root)
	if err != nil {
		return err
	}
	if need == DirVersion12 && cur != DirVersion12 {
		if err := writeFileAtomic(l.root, dirVersionFile, []byte(DirVersion12)); err != nil {
			return blobErr(dirVersionFile, "", "", err)
		}
	}
	if err := writeFileAtomic(l.root, dirManifestFile, raw); err != nil {
		return blobErr(dirManifestFile, "", "", err)
	}
	if need == DirVersion11 && cur != DirVersion11 {
		if err := writeFileAtomic(l.root, dirVersionFile, []byte(DirVersion11)); err != nil {
			return blobErr(dirVersionFile, "", "", err)
		}
	}
	return l.dirCollect(keep)
}

// dirCollect removes what a dir: folder holds besides the current image:
// blobs and instance manifests it does not refer to, the previous
// image's signatures, and temporary files of writes cut short (the lock
// is held, so none is in use). Files of other names are left alone.
func (l *Layout) dirCollect(keep map[string]bool) error {
	d, err := l.root.Open(".")
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	removed := false
	for _, name := range names {
		if keep[name] || !l.dirOwned(name) {
			continue
		}
		if err := l.root.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("layout: remove %s: %w", name, err)
		}
		removed = true
	}
	if removed {
		return syncDir(l.root, ".")
	}
	return nil
}

// dirOwned reports whether name is a file a dir: image is made of (other
// than version and manifest.json) or a temporary file of this package.
func (l *Layout) dirOwned(name string) bool {
	if strings.HasPrefix(name, tmpPrefix) {
		return true
	}
	base := name
	if i := strings.LastIndex(name, "signature-"); i >= 0 && isDigits(name[i+len("signature-"):]) {
		switch {
		case i == 0:
			return true
		case name[i-1] == '.':
			base = name[:i-1]
		}
	}
	_, _, ok := dirFileDigest(l.algs, base)
	return ok
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
