package layout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
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

// defaultMaxNested bounds the entries a walk lists below the top level
// (the entries of indexes, of their indexes, ...): with each index
// expanded once, a walk is linear in what the layout stores, and this
// budget keeps a hostile graph of many small indexes from costing more
// than a clear error.
const defaultMaxNested = 100_000

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
	return l.blobs.open(ctx, d)
}

// ReadBlob reads a small blob (a config, say) whole, verified as
// OpenBlob does. Blobs larger than the layout's document limit
// ([WithMaxDocumentSize]) are refused before anything is read.
func (l *Layout) ReadBlob(ctx context.Context, d core.Descriptor) ([]byte, error) {
	if d.Size > l.opts.maxDoc {
		return nil, &BlobError{Digest: d.Digest, Err: fmt.Errorf("%w: %d bytes, limit %d", core.ErrTooLarge, d.Size, l.opts.maxDoc)}
	}
	return l.blobs.read(ctx, d)
}

// ReadDocument reads the manifest or index d describes as stored,
// verified: a blob in an OCI layout; in a dir: folder manifest.json or
// an instance manifest ("<name>.manifest.json"). Documents larger than
// the layout's document limit are refused before they are read.
func (l *Layout) ReadDocument(ctx context.Context, d core.Descriptor) ([]byte, error) {
	b, _, err := l.readDocument(ctx, d)
	return b, err
}

// readDocument is ReadDocument, with the name of the document's file.
func (l *Layout) readDocument(ctx context.Context, d core.Descriptor) ([]byte, string, error) {
	if d.Size > l.opts.maxDoc {
		return nil, "", &BlobError{Digest: d.Digest, Err: fmt.Errorf("%w: %d bytes, limit %d", core.ErrTooLarge, d.Size, l.opts.maxDoc)}
	}
	l.docReads.Add(1)
	return l.impl.readDocument(ctx, d)
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

// List returns every manifest and index of the layout: the top-level
// entries in order (index.json's, or dir:'s manifest.json), each index
// followed by the entries it lists, depth first. An index listed by
// several parents (or several times by one) is listed each time, and
// its entries after the first time only: each index is read once, so
// the cost is linear in what the layout stores, and past 100,000 entries
// below the top level List fails with an error wrapping
// core.ErrTooLarge. An index that cannot be read (missing, damaged,
// nested too deep, in a cycle) is listed with its Err set, so that one
// damaged image does not hide the others; otherwise List fails only
// when the top level (index.json, manifest.json) cannot be read.
func (l *Layout) List(ctx context.Context) ([]Entry, error) {
	entries, _, err := l.list(ctx, true)
	return entries, err
}

// list returns the top-level entries and, with deep, those below them
// (see List), and a dir: layout's manifest.json.
func (l *Layout) list(ctx context.Context, deep bool) ([]Entry, []byte, error) {
	top, topRaw, err := l.impl.top(ctx)
	if err != nil {
		return nil, nil, err
	}
	w := &walk{l: l, expanded: map[digest.Digest]bool{}}
	for _, d := range top {
		w.out = append(w.out, Entry{Descriptor: d, Tag: tagOf(d), Index: isIndexType(l.reg, d.MediaType)})
		if deep {
			if err := w.expand(ctx, len(w.out)-1, nil); err != nil {
				return nil, nil, err
			}
		}
	}
	return w.out, topRaw, nil
}

// walk lists the entries below the top level, expanding each index
// once.
type walk struct {
	l        *Layout
	out      []Entry
	expanded map[digest.Digest]bool
	nested   int
}

// expand appends the entries of the index out[i] (when it is one not
// expanded before) and theirs. path holds the digests of the indexes
// above it, to tell a cycle from a repeat.
func (w *walk) expand(ctx context.Context, i int, path []digest.Digest) error {
	e := w.out[i]
	if !e.Index {
		return nil
	}
	switch {
	case slices.Contains(path, e.Descriptor.Digest):
		w.out[i].Err = &BlobError{Digest: e.Descriptor.Digest, Err: fmt.Errorf("%w: index lists itself (a cycle through %d indexes)", core.ErrInvalidDocument, len(path)-slices.Index(path, e.Descriptor.Digest))}
		return nil
	case e.Depth >= maxDepth:
		w.out[i].Err = &BlobError{Digest: e.Descriptor.Digest, Err: fmt.Errorf("%w: indexes nest deeper than %d", core.ErrInvalidDocument, maxDepth)}
		return nil
	case w.expanded[e.Descriptor.Digest]:
		return nil // listed with its entries before
	}
	w.expanded[e.Descriptor.Digest] = true
	if err := ctx.Err(); err != nil {
		return err
	}
	ix, _, _, err := w.l.ReadIndex(ctx, e.Descriptor)
	if err != nil {
		w.out[i].Err = err
		return nil
	}
	if w.nested += len(ix.Manifests); w.nested > w.l.opts.maxNested {
		return &BlobError{Digest: e.Descriptor.Digest, Err: fmt.Errorf("%w: the indexes of %s list more than %d entries below the top level; a walk stops there", core.ErrTooLarge, w.l, w.l.opts.maxNested)}
	}
	path = append(path, e.Descriptor.Digest)
	for _, c := range ix.Manifests {
		w.out = append(w.out, Entry{Descriptor: c, Tag: e.Tag, Index: isIndexType(w.l.reg, c.MediaType), Parent: e.Descriptor.Digest, Depth: e.Depth + 1})
		if err := w.expand(ctx, len(w.out)-1, path); err != nil {
			return err
		}
	}
	return nil
}

// Selector chooses an image of a layout. The zero Selector chooses the
// only image, and fails when there are several: an image is a tag (all
// the index.json entries of one tag, one per platform) or the untagged
// entries; a choice between images is never made silently.
type Selector struct {
	// Tag keeps the index.json entries tagged Tag (OCI only).
	Tag string
	// Digest keeps the manifest or index of that digest, at any depth.
	Digest digest.Digest
	// Platform chooses among the entries of one image and inside an
	// index; nil means the running machine's platform when a choice is
	// needed. An image for another platform (its index.json entry or,
	// without one, its config says so) is an error naming both, never a
	// silent choice; an OS or architecture that neither Go nor the
	// image-spec knows is an error wrapping core.ErrUnknownPlatform.
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

// Find returns the entry sel chooses, which may be an index: among the
// top-level entries (or, with a digest, the entries of that digest at
// any depth) those of sel's tag; without a tag or digest, those of the
// only image (several images are an error wrapping ErrAmbiguous that
// lists each with its tag, digest and platform); among the entries of
// one image, the one of the wanted platform (core.SelectManifest's
// rules). No match is an error wrapping core.ErrNotFound that lists what
// the layout has.
func (l *Layout) Find(ctx context.Context, sel Selector) (Entry, error) {
	if sel.Tag != "" {
		if err := l.impl.checkTag(sel.Tag); err != nil {
			return Entry{}, err
		}
	}
	if sel.Digest != "" {
		if err := l.algs.ValidateDigest(sel.Digest); err != nil {
			return Entry{}, err
		}
	}
	if sel.Platform != nil {
		if err := core.CheckPlatform(*sel.Platform); err != nil {
			return Entry{}, fmt.Errorf("layout: %w", err)
		}
	}
	// Only a digest can name an entry below the top level.
	entries, topRaw, err := l.list(ctx, sel.Digest != "")
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
		case topRaw != nil && e.Depth == 0 && core.AlgorithmOf(sel.Digest) != core.AlgorithmOf(e.Descriptor.Digest):
			// dir:'s manifest.json, named by a digest of another algorithm.
			if got, err := l.algs.FromBytes(core.AlgorithmOf(sel.Digest), topRaw); err != nil || got != sel.Digest {
				continue
			}
			e.Descriptor.Digest = sel.Digest
		default:
			continue
		}
		cands = append(cands, e)
	}
	return l.pick(cands, entries, sel)
}

// pick chooses one of the candidates Find collected.
func (l *Layout) pick(cands, all []Entry, sel Selector) (Entry, error) {
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
	if sel.Tag == "" && sel.Digest == "" {
		tags := map[string]bool{}
		for _, c := range cands {
			tags[c.Tag] = true
		}
		if len(tags) > 1 {
			return Entry{}, fmt.Errorf("%w: %s holds %d images, name one with a tag or digest: %s", ErrAmbiguous, l, len(tags), describeEntries(cands))
		}
	}
	same := true
	for _, c := range cands[1:] {
		same = same && c.Descriptor.Digest == cands[0].Descriptor.Digest
	}
	if len(cands) == 1 || same {
		c := cands[0]
		if sel.Platform != nil && c.Descriptor.Platform != nil && !c.Index && !c.Descriptor.Platform.Matches(*sel.Platform) {
			return Entry{}, fmt.Errorf("%w: %s in %s is for %s, not %s", ErrPlatformMismatch, describeEntry(c), l, c.Descriptor.Platform, sel.Platform)
		}
		return c, nil
	}
	ix := core.Index{}
	for _, c := range cands {
		if c.Descriptor.Platform == nil {
			return Entry{}, fmt.Errorf("%w: %q in %s matches %s, not all of them with a platform; name a digest", ErrAmbiguous, sel.String(), l, describeEntries(cands))
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

// describeEntry names an entry: TAG@DIGEST (PLATFORM).
func describeEntry(e Entry) string {
	s := string(e.Descriptor.Digest)
	if e.Tag != "" {
		s = e.Tag + "@" + s
	}
	if e.Descriptor.Platform != nil {
		s += " (" + e.Descriptor.Platform.String() + ")"
	}
	return s
}

func describeEntries(es []Entry) string {
	var parts []string
	for _, e := range es {
		if e.Depth != 0 && len(es) > 1 {
			continue
		}
		parts = append(parts, describeEntry(e))
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
// and reads it, verified. When sel names a platform and nothing listed
// the manifest with one, its config says which platform it is for: an
// image config of another platform is an error wrapping
// ErrPlatformMismatch that names both.
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
		ix, _, _, err := l.ReadIndex(ctx, e.Descriptor)
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
	m, f, b, err := l.ReadManifest(ctx, e.Descriptor)
	if err != nil {
		return nil, err
	}
	if sel.Platform != nil && e.Descriptor.Platform == nil {
		if err := l.checkConfigPlatform(ctx, e, m, *sel.Platform); err != nil {
			return nil, err
		}
	}
	return &Image{Descriptor: e.Descriptor, Tag: e.Tag, Manifest: m, Format: f, Bytes: b, Index: parent}, nil
}

// checkConfigPlatform compares the platform an image's config states
// with the one asked for. Configs of artifacts, and image configs that
// name no OS or architecture, say nothing and pass.
func (l *Layout) checkConfigPlatform(ctx context.Context, e Entry, m core.Manifest, want core.Platform) error {
	if !isImageConfigType(m.Config.MediaType) {
		return nil
	}
	raw, err := l.ReadBlob(ctx, m.Config)
	if err != nil {
		return err
	}
	got, ok := core.ConfigPlatform(raw)
	if !ok || got.Matches(want) {
		return nil
	}
	return fmt.Errorf("%w: %s in %s is for %s (its config says so), not %s", ErrPlatformMismatch, describeEntry(e), l, got, want.String())
}

// isImageConfigType reports whether mt is the media type of an OCI or
// Docker image config, which states the image's platform.
func isImageConfigType(mt string) bool {
	switch core.NormalizeMediaType(mt) {
	case oci.MediaTypeConfig, docker.MediaTypeConfig:
		return true
	}
	return false
}

// isIndexType reports whether mt is the index (manifest list) media
// type of a registered format, or of OCI or Docker.
func isIndexType(reg *core.Registry, mt string) bool {
	n := core.NormalizeMediaType(mt)
	if n == oci.MediaTypeIndex || n == docker.MediaTypeManifestList {
		return true
	}
	if f, err := reg.FormatByMediaType(n); err == nil {
		return core.NormalizeMediaType(f.Describe().IndexMediaType) == n
	}
	return false
}

// isDocumentType reports whether mt is the manifest or index media type
// of a registered format, or of OCI or Docker.
func (l *Layout) isDocumentType(mt string) bool {
	switch core.NormalizeMediaType(mt) {
	case oci.MediaTypeManifest, oci.MediaTypeIndex, docker.MediaTypeManifest, docker.MediaTypeManifestList:
		return true
	}
	_, err := l.reg.FormatByMediaType(mt)
	return err == nil
}

// digestsOf lists the digests of the descriptors, without repeats.
func digestsOf(ds ...core.Descriptor) []digest.Digest {
	seen := map[digest.Digest]bool{}
	var out []digest.Digest
	for _, d := range ds {
		if d.Digest != "" && !seen[d.Digest] {
			seen[d.Digest] = true
			out = append(out, d.Digest)
		}
	}
	return out
}

// Top returns the top-level entries of the layout (index.json's, or a
// dir: image's manifest.json), without reading below them.
func (l *Layout) Top(ctx context.Context) ([]Entry, error) {
	entries, _, err := l.list(ctx, false)
	return entries, err
}
