package layout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// maxDepth bounds how deep indexes may nest (an index of indexes of
// ...); deeper nesting, or a cycle, is an error.
const maxDepth = 8

// Entry is a manifest or index a layout names, as [Layout.List] returns
// them: the top-level ones (index.json's entries, or dir:'s
// manifest.json) and, after each index, the entries it lists.
type Entry struct {
	// Descriptor is the entry's descriptor as its parent lists it. For a
	// dir: manifest.json, which nothing lists, it is computed: the media
	// type its content says, its size, its sha256 digest.
	Descriptor core.Descriptor
	// Tag is the org.opencontainers.image.ref.name of the index.json
	// entry this one is reached from ("" when untagged, and in dir:).
	Tag string
	// Index is true for an image index or manifest list.
	Index bool
	// Parent is the digest of the index that lists the entry; "" at the
	// top level.
	Parent digest.Digest
	// Depth is 0 at the top level, 1 for the entries of a top-level
	// index, and so on.
	Depth int
	// Err is set on an index that could not be read (missing, damaged,
	// nested too deep): the entries it lists are not in the list.
	Err error
}

// OpenBlob opens the blob d describes for reading, verified: the reader
// hands out at most d.Size bytes and ends with io.EOF only when the
// blob had exactly that size and digest; otherwise the bytes already
// handed out are followed by a *BlobError naming the blob that wraps a
// *core.SizeMismatchError or *core.DigestMismatchError. A descriptor
// with embedded data is served from it, verified the same way. A digest
// that is not of the spec's grammar is an error before any file is
// opened; a missing blob, a file that is not regular and a symbolic link
// leading out of the layout are errors naming the blob. The reader
// checks ctx between reads; close it when done.
func (l *Layout) OpenBlob(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	if d.Data != nil {
		vr, err := digesters.NewVerifyingReaderWith(l.algs, bytes.NewReader(d.Data), d)
		if err != nil {
			return nil, &BlobError{Digest: d.Digest, Ref: "embedded data", Err: err}
		}
		return &blobReader{ctx: ctx, vr: vr, desc: d}, nil
	}
	name, err := l.blobName(d.Digest)
	if err != nil {
		return nil, err
	}
	return l.openVerified(ctx, name, d)
}

// blobName returns the file of a blob. In a dir: folder of version 1.1
// a non-sha256 blob may carry the name containers/image gave it before
// version 1.2 (its encoded part alone), which is used when the 1.2 name
// is absent.
func (l *Layout) blobName(d digest.Digest) (string, error) {
	if l.kind == OCI {
		name, err := ociBlobPath(l.algs, d)
		if err != nil {
			return "", &BlobError{Digest: d, Err: err}
		}
		return name, nil
	}
	name, err := dirBlobName(l.algs, d)
	if err != nil {
		return "", &BlobError{Digest: d, Err: err}
	}
	if core.AlgorithmOf(d) != core.SHA256 {
		if ok, _ := exists(l.root, name); !ok {
			if ok, _ := exists(l.root, dirLegacyBlobName(d)); ok {
				return dirLegacyBlobName(d), nil
			}
		}
	}
	return name, nil
}

func (l *Layout) openVerified(ctx context.Context, name string, d core.Descriptor) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, fi, err := openRegular(l.root, name)
	if err != nil {
		return nil, &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	if fi.Size() != d.Size {
		f.Close()
		return nil, &BlobError{Path: name, Digest: d.Digest, Err: &core.SizeMismatchError{Want: d.Size, Got: fi.Size()}}
	}
	vr, err := digesters.NewVerifyingReaderWith(l.algs, f, d)
	if err != nil {
		f.Close()
		return nil, &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	return &blobReader{ctx: ctx, vr: vr, c: f, name: name, desc: d}, nil
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

func (r *blobReader) Close() error {
	if r.c == nil {
		return nil
	}
	return r.c.Close()
}

// ReadBlob reads a small blob (a config, say) whole, verified as
// OpenBlob does. Blobs larger than the layout's document limit
// ([WithMaxDocumentSize]) are refused before anything is read.
func (l *Layout) ReadBlob(ctx context.Context, d core.Descriptor) ([]byte, error) {
	if d.Size > l.opts.maxDoc {
		return nil, &BlobError{Digest: d.Digest, Err: fmt.Errorf("%w: %d bytes, limit %d", core.ErrTooLarge, d.Size, l.opts.maxDoc)}
	}
	r, err := l.OpenBlob(ctx, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// readDocument reads a manifest or index d describes and returns it
// with the name of its file. In a dir: folder an instance manifest of a
// manifest list lives in "<name>.manifest.json", the top one in
// manifest.json.
func (l *Layout) readDocument(ctx context.Context, d core.Descriptor) ([]byte, string, error) {
	if d.Size > l.opts.maxDoc {
		return nil, "", &BlobError{Digest: d.Digest, Err: fmt.Errorf("%w: %d bytes, limit %d", core.ErrTooLarge, d.Size, l.opts.maxDoc)}
	}
	if l.kind == OCI {
		b, err := l.ReadBlob(ctx, d)
		name, _ := ociBlobPath(l.algs, d.Digest)
		return b, name, err
	}
	name, err := dirInstanceName(l.algs, d.Digest)
	if err != nil {
		return nil, "", &BlobError{Digest: d.Digest, Err: err}
	}
	if ok, _ := exists(l.root, name); ok {
		b, err := l.readVerified(ctx, name, d)
		return b, name, err
	}
	if top, err := readSmallFile(l.root, dirManifestFile, l.opts.maxDoc); err == nil && l.algs.VerifyBytes(top, d.Size, d.Digest) == nil {
		return top, dirManifestFile, nil
	}
	return nil, name, &BlobError{Path: name, Digest: d.Digest, Err: fmt.Errorf("%w: no such file, and manifest.json is another document", core.ErrNotFound)}
}

func (l *Layout) readVerified(ctx context.Context, name string, d core.Descriptor) ([]byte, error) {
	r, err := l.openVerified(ctx, name, d)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// ReadManifest reads the manifest d describes, verified, and decodes it
// with the layout's registry (its format detected). It returns the
// bytes as stored too.
func (l *Layout) ReadManifest(ctx context.Context, d core.Descriptor) (core.Manifest, core.Format, []byte, error) {
	b, name, err := l.readDocument(ctx, d)
	if err != nil {
		return core.Manifest{}, nil, nil, err
	}
	m, f, err := l.reg.DecodeManifest(ctx, b, core.WithMaxSize(l.opts.maxDoc))
	if err != nil {
		return core.Manifest{}, nil, nil, &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	return m, f, b, nil
}

// ReadIndex reads the index (manifest list) d describes, verified, and
// decodes it.
func (l *Layout) ReadIndex(ctx context.Context, d core.Descriptor) (core.Index, core.Format, []byte, error) {
	b, name, err := l.readDocument(ctx, d)
	if err != nil {
		return core.Index{}, nil, nil, err
	}
	ix, f, err := l.reg.DecodeIndex(ctx, b, core.WithMaxSize(l.opts.maxDoc))
	if err != nil {
		return core.Index{}, nil, nil, &BlobError{Path: name, Digest: d.Digest, Err: err}
	}
	return ix, f, b, nil
}

// dirTop reads a dir: image's manifest.json and describes it.
func (l *Layout) dirTop(ctx context.Context) (core.Descriptor, core.Detection, []byte, error) {
	b, err := readSmallFile(l.root, dirManifestFile, l.opts.maxDoc)
	if errors.Is(err, core.ErrNotFound) {
		return core.Descriptor{}, core.Detection{}, nil, &BlobError{Path: dirManifestFile, Err: fmt.Errorf("%w: manifest.json does not exist", ErrNoImage)}
	}
	if err != nil {
		return core.Descriptor{}, core.Detection{}, nil, &BlobError{Path: dirManifestFile, Err: err}
	}
	det, err := l.reg.Detect(ctx, b, core.WithMaxSize(l.opts.maxDoc))
	if err != nil {
		return core.Descriptor{}, core.Detection{}, nil, &BlobError{Path: dirManifestFile, Err: err}
	}
	d := core.DescriptorFromBytes(det.MediaType, b)
	return d, det, b, nil
}

// List returns every manifest and index of the layout: the top-level
// entries in order (index.json's, or dir:'s manifest.json), each index
// followed by the entries it lists, depth first. An index that cannot
// be read is listed with its Err set, so that one damaged image does not
// hide the others; List itself fails only when the top level (index.json,
// manifest.json) cannot be read.
func (l *Layout) List(ctx context.Context) ([]Entry, error) {
	entries, _, err := l.list(ctx)
	return entries, err
}

func (l *Layout) list(ctx context.Context) ([]Entry, []byte, error) {
	var top []core.Descriptor
	var topRaw []byte
	switch l.kind {
	case OCI:
		ix, err := l.readIndexJSON(ctx)
		if err != nil {
			return nil, nil, err
		}
		top = ix.Manifests
	case Dir:
		d, _, b, err := l.dirTop(ctx)
		if err != nil {
			return nil, nil, err
		}
		top, topRaw = []core.Descriptor{d}, b
	}
	var out []Entry
	var walk func(d core.Descriptor, tag string, parent digest.Digest, depth int, seen []digest.Digest)
	walk = func(d core.Descriptor, tag string, parent digest.Digest, depth int, seen []digest.Digest) {
		out = append(out, Entry{Descriptor: d, Tag: tag, Index: isIndexType(l.reg, d.MediaType), Parent: parent, Depth: depth})
		e := &out[len(out)-1]
		if !e.Index {
			return
		}
		if depth >= maxDepth || slices.Contains(seen, d.Digest) {
			e.Err = &BlobError{Digest: d.Digest, Err: fmt.Errorf("%w: indexes nest deeper than %d or in a cycle", core.ErrInvalidDocument, maxDepth)}
			return
		}
		ix, _, _, err := l.readEntryIndex(ctx, *e)
		if err != nil {
			e.Err = err
			return
		}
		for _, c := range ix.Manifests {
			walk(c, tag, d.Digest, depth+1, append(seen, d.Digest))
		}
	}
	for _, d := range top {
		walk(d, tagOf(d), "", 0, nil)
	}
	return out, topRaw, nil
}

// Selector chooses an image of a layout. The zero Selector chooses the
// only top-level entry, and fails when there are several.
type Selector struct {
	// Tag keeps the index.json entries tagged Tag (OCI only).
	Tag string
	// Digest keeps the manifest or index of that digest, at any depth.
	Digest digest.Digest
	// Platform chooses among several matches and inside an index; nil
	// means the running machine's platform when a choice is needed.
	Platform *core.Platform
}

// String returns the selector as ParseSelector reads it, with the
// platform after a space when set.
func (s Selector) String() string {
	out := s.Tag
	if s.Digest != "" {
		out += "@" + string(s.Digest)
	}
	if s.Platform != nil {
		out += " " + s.Platform.String()
	}
	return out
}

// ParseSelector reads "TAG", "@DIGEST" or "TAG@DIGEST" ("" selects the
// only image).
func ParseSelector(s string) (Selector, error) {
	var sel Selector
	tag, dg, hasDigest := strings.Cut(s, "@")
	if hasDigest {
		if err := core.ValidateDigest(digest.Digest(dg)); err != nil {
			return Selector{}, fmt.Errorf("%w: %q: %w", ErrInvalidReference, s, err)
		}
		sel.Digest = digest.Digest(dg)
	}
	if tag != "" {
		if err := ValidateTag(tag); err != nil {
			return Selector{}, fmt.Errorf("%w: %q: %w", ErrInvalidReference, s, err)
		}
		sel.Tag = tag
	}
	return sel, nil
}

// Find returns the entry sel chooses, which may be an index: the
// top-level entries (or, with a digest, the entries of that digest at any
// depth), kept by tag; among several, the one of the wanted platform
// (core.SelectManifest's rules) when every one has a platform. No match
// is an error wrapping core.ErrNotFound that lists what the layout has;
// several that nothing tells apart, ErrAmbiguous.
func (l *Layout) Find(ctx context.Context, sel Selector) (Entry, error) {
	if sel.Tag != "" {
		if l.kind == Dir {
			return Entry{}, fmt.Errorf("%w (asked for tag %q in %s)", ErrNoTags, sel.Tag, l)
		}
		if err := ValidateTag(sel.Tag); err != nil {
			return Entry{}, err
		}
	}
	if sel.Digest != "" {
		if err := l.algs.ValidateDigest(sel.Digest); err != nil {
			return Entry{}, err
		}
	}
	entries, topRaw, err := l.list(ctx)
	if err != nil {
		return Entry{}, err
	}
	if len(entries) == 0 {
		return Entry{}, fmt.Errorf("%w: %s: index.json lists nothing", ErrNoImage, l)
	}
	var cands []Entry
	for _, e := range entries {
		if sel.Tag != "" && e.Tag != sel.Tag {
			continue
		}
		switch {
		case sel.Digest == "":
			if e.Depth != 0 {
				continue
			}
		case e.Descriptor.Digest == sel.Digest:
		case l.kind == Dir && e.Depth == 0 && core.AlgorithmOf(sel.Digest) != core.AlgorithmOf(e.Descriptor.Digest):
			if got, err := l.algs.FromBytes(core.AlgorithmOf(sel.Digest), topRaw); err != nil || got != sel.Digest {
				continue
			}
			e.Descriptor.Digest = sel.Digest
		default:
			continue
		}
		cands = append(cands, e)
	}
	return pick(cands, entries, sel, l)
}

// pick chooses one of the candidates Find collected.
func pick(cands, all []Entry, sel Selector, l *Layout) (Entry, error) {
	if len(cands) == 0 {
		var unreadable []error
		for _, e := range all {
			if e.Err != nil {
				unreadable = append(unreadable, e.Err)
			}
		}
		if len(unreadable) > 0 {
			return Entry{}, fmt.Errorf("%w: %q in %s (it has %s; indexes that cannot be read: %w)", core.ErrNotFound, sel.String(), l, describeEntries(all), errors.Join(unreadable...))
		}
		return Entry{}, fmt.Errorf("%w: %q in %s (it has %s)", core.ErrNotFound, sel.String(), l, describeEntries(all))
	}
	same := true
	for _, c := range cands[1:] {
		same = same && c.Descriptor.Digest == cands[0].Descriptor.Digest
	}
	if len(cands) == 1 || same {
		c := cands[0]
		if sel.Platform != nil && c.Descriptor.Platform != nil && !c.Descriptor.Platform.Matches(*sel.Platform) {
			return Entry{}, fmt.Errorf("%w: %q in %s: %w %s (it is for %s)", core.ErrNotFound, sel.String(), l, core.ErrNoMatchingPlatform, sel.Platform, c.Descriptor.Platform)
		}
		return c, nil
	}
	ix := core.Index{}
	for _, c := range cands {
		if c.Descriptor.Platform == nil {
			return Entry{}, fmt.Errorf("%w: %q in %s matches %s; name a tag or digest", ErrAmbiguous, sel.String(), l, describeEntries(cands))
		}
		ix.Manifests = append(ix.Manifests, c.Descriptor)
	}
	d, err := core.SelectManifest(ix, sel.Platform)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %q in %s: %w", core.ErrNotFound, sel.String(), l, err)
	}
	for _, c := range cands {
		if c.Descriptor.Digest == d.Digest && samePlatform(c.Descriptor.Platform, d.Platform) {
			return c, nil
		}
	}
	return Entry{}, fmt.Errorf("%w: %q in %s", core.ErrNotFound, sel.String(), l)
}

func describeEntries(es []Entry) string {
	var parts []string
	for _, e := range es {
		if e.Depth != 0 && len(es) > 1 {
			continue
		}
		s := string(e.Descriptor.Digest)
		if e.Tag != "" {
			s = e.Tag + "@" + s
		}
		if e.Descriptor.Platform != nil {
			s += " (" + e.Descriptor.Platform.String() + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// Image is a manifest read from a layout.
type Image struct {
	// Descriptor describes the manifest: as index.json or an index lists
	// it, or computed for a dir: manifest.json.
	Descriptor core.Descriptor
	// Tag is the tag of the index.json entry it was reached from.
	Tag string
	// Manifest is the decoded manifest, media types as written.
	Manifest core.Manifest
	// Format is the manifest's format, detected.
	Format core.Format
	// Bytes is the manifest as stored.
	Bytes []byte
	// Index is the index the manifest was chosen from by platform, nil
	// when sel chose the manifest itself.
	Index *core.Descriptor
}

// Image resolves sel to one manifest ([Layout.Find]; an index is
// descended into by sel.Platform, or the running machine's platform)
// and reads it, verified.
func (l *Layout) Image(ctx context.Context, sel Selector) (*Image, error) {
	e, err := l.Find(ctx, sel)
	if err != nil {
		return nil, err
	}
	var parent *core.Descriptor
	for depth := 0; e.Index; depth++ {
		if depth >= maxDepth {
			return nil, &BlobError{Digest: e.Descriptor.Digest, Err: fmt.Errorf("%w: indexes nest deeper than %d", core.ErrInvalidDocument, maxDepth)}
		}
		ix, _, _, err := l.readEntryIndex(ctx, e)
		if err != nil {
			return nil, err
		}
		p := e.Descriptor
		parent = &p
		d, err := core.SelectManifest(ix, sel.Platform)
		if err != nil {
			return nil, fmt.Errorf("%w: index %s in %s: %w", core.ErrNotFound, p.Digest, l, err)
		}
		e = Entry{Descriptor: d, Tag: e.Tag, Index: isIndexType(l.reg, d.MediaType), Parent: p.Digest, Depth: e.Depth + 1}
	}
	m, f, b, err := l.readEntryManifest(ctx, e)
	if err != nil {
		return nil, err
	}
	return &Image{Descriptor: e.Descriptor, Tag: e.Tag, Manifest: m, Format: f, Bytes: b, Index: parent}, nil
}

// isDirTop reports whether e is a dir: image's manifest.json.
func (l *Layout) isDirTop(e Entry) bool { return l.kind == Dir && e.Depth == 0 }

// readEntryIndex reads the index an entry of List or Find refers to.
func (l *Layout) readEntryIndex(ctx context.Context, e Entry) (core.Index, core.Format, []byte, error) {
	if !l.isDirTop(e) {
		return l.ReadIndex(ctx, e.Descriptor)
	}
	_, _, raw, err := l.dirTop(ctx)
	if err != nil {
		return core.Index{}, nil, nil, err
	}
	ix, f, err := l.reg.DecodeIndex(ctx, raw, core.WithMaxSize(l.opts.maxDoc))
	if err != nil {
		return core.Index{}, nil, nil, &BlobError{Path: dirManifestFile, Err: err}
	}
	return ix, f, raw, nil
}

// readEntryManifest reads the manifest an entry of List or Find refers
// to.
func (l *Layout) readEntryManifest(ctx context.Context, e Entry) (core.Manifest, core.Format, []byte, error) {
	if !l.isDirTop(e) {
		return l.ReadManifest(ctx, e.Descriptor)
	}
	_, _, raw, err := l.dirTop(ctx)
	if err != nil {
		return core.Manifest{}, nil, nil, err
	}
	m, f, err := l.reg.DecodeManifest(ctx, raw, core.WithMaxSize(l.opts.maxDoc))
	if err != nil {
		return core.Manifest{}, nil, nil, &BlobError{Path: dirManifestFile, Err: err}
	}
	return m, f, raw, nil
}
