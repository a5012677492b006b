package layout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/concil-go/ocispec/core"
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

// PutBlob writes the blob d describes from src, the crash-safe way: into
// a temporary file in the layout's folder, hashed while it is written,
// checked against d's size and digest, synced, and renamed into place
// only when it matched (then the folder is synced). A blob already in
// the layout is not written again (see WriteOptions.TrustExisting). A
// nil src is allowed for a descriptor with embedded data and for the
// empty JSON object "{}". On any error no file is left under the blob's
// name that was not there before.
func (l *Layout) PutBlob(ctx context.Context, d core.Descriptor, src Source, opts *WriteOptions) error {
	return l.blobs.put(ctx, d, src, opts.orZero(), nil)
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
	return l.impl.checkTag(opts.Tag)
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
// then the documents below the root, then the root. A layout whose
// commit removes files (dir:) is locked throughout.
func (l *Layout) store(ctx context.Context, top encoded, need []core.Descriptor, srcs Blobs, docs []encoded, opts *WriteOptions) (core.Descriptor, error) {
	if l.impl.exclusive() {
		unlock, err := l.lock(ctx)
		if err != nil {
			return core.Descriptor{}, err
		}
		defer unlock()
	}
	need = dedupe(need)
	if err := l.blobs.putMany(ctx, need, srcs, opts); err != nil {
		return core.Descriptor{}, err
	}
	return l.impl.commit(ctx, top, need, docs, opts)
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

// Document is a manifest or index as stored: its descriptor and bytes.
type Document struct {
	Descriptor core.Descriptor
	Bytes      []byte
}

// WriteDocuments commits an image whose blobs are in the layout already
// (written with PutBlob or PutBlobFile, or there before): docs, the
// manifests and indexes below top (an index's manifests), are stored,
// then top becomes the layout's image as [Layout.WriteImage] makes it
// (an index.json entry with opts.Tag, opts.Platform and
// opts.Annotations; or dir:'s manifest.json). The documents are stored
// byte for byte, so their digests are kept. Each is checked against its
// descriptor and decoded; every config and layer they refer to must be
// in the layout with its size (it is not hashed again: PutBlob verified
// it), or be a non-distributable layer with URLs, or the write fails
// before anything is committed.
func (l *Layout) WriteDocuments(ctx context.Context, top Document, docs []Document, opts *WriteOptions) (core.Descriptor, error) {
	opts = opts.orZero()
	if err := l.checkTag(opts); err != nil {
		return core.Descriptor{}, err
	}
	var need []core.Descriptor
	var encs []encoded
	for i, d := range append(slices.Clone(docs), top) {
		if err := l.algs.VerifyBytes(d.Bytes, d.Descriptor.Size, d.Descriptor.Digest); err != nil {
			return core.Descriptor{}, &BlobError{Digest: d.Descriptor.Digest, Err: err}
		}
		doc, err := l.reg.Decode(ctx, d.Bytes, core.WithMaxSize(l.opts.maxDoc))
		if err != nil {
			return core.Descriptor{}, &BlobError{Digest: d.Descriptor.Digest, Err: err}
		}
		if doc.Manifest != nil {
			need = append(need, blobsOf(*doc.Manifest)...)
		}
		desc := d.Descriptor
		if desc.MediaType == "" {
			desc.MediaType = doc.MediaType
		}
		if i < len(docs) {
			encs = append(encs, encoded{desc: desc, raw: d.Bytes})
		} else {
			top = Document{Descriptor: desc, Bytes: d.Bytes}
		}
	}
	trusted := *opts
	trusted.TrustExisting = true
	return l.store(ctx, encoded{desc: top.Descriptor, raw: top.Bytes}, need, nil, encs, &trusted)
}
