package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	digest "github.com/opencontainers/go-digest"
)

// DefaultMaxIndexSize is the largest index.json a layout reads (and so
// writes) unless [WithMaxIndexSize] says otherwise: 64 MiB, about 250,000
// tagged entries. index.json grows with every tag, unlike a manifest, so
// its limit is not the document limit: skopeo and umoci read such
// layouts, and a layout this package wrote must stay readable by it.
const DefaultMaxIndexSize = 64 << 20

// ociKind is the OCI image layout: oci-layout, index.json and
// blobs/<algorithm>/<encoded>; several images, told apart by tag or
// platform, and every manifest and index a blob.
type ociKind struct {
	l *Layout
	// reg and index read and write index.json (see newOCIKind).
	reg   *core.Registry
	index *core.BasicFormat
}

// newOCIKind returns the OCI kind of l. index.json is always an OCI
// image index whatever the formats of the manifests it lists: its format
// has an empty table, so media types are written as they are given, and
// a registry of its own lets it be decoded within the index limit
// rather than the document limit.
func newOCIKind(l *Layout) *ociKind {
	f := core.NewFormat(core.FormatSpec{
		Description: core.Description{
			Name:              "oci-layout-index",
			ManifestMediaType: oci.MediaTypeManifest,
			IndexMediaType:    oci.MediaTypeIndex,
			MediaTypeOptional: true,
			ArtifactFields:    true,
		},
		Algorithms: l.algs,
	})
	reg := core.NewRegistry(l.algs)
	reg.MustRegisterFormat(f)
	return &ociKind{l: l, reg: reg, index: f}
}

func (*ociKind) Kind() Kind      { return OCI }
func (*ociKind) exclusive() bool { return false }

func (k *ociKind) readName(d digest.Digest) (string, error)  { return ociBlobPath(k.l.algs, d) }
func (k *ociKind) writeName(d digest.Digest) (string, error) { return ociBlobPath(k.l.algs, d) }

// ociBlobPath returns blobs/<algorithm>/<encoded> for a valid digest.
// The digest is checked against the spec's grammar first (so no '/',
// '.', NUL or other path character can appear) and, for the algorithms
// algs knows, its exact lower-case hex length, before it becomes a name.
func ociBlobPath(algs *core.Algorithms, d digest.Digest) (string, error) {
	if err := algs.ValidateDigest(d); err != nil {
		return "", err
	}
	alg, enc, _ := strings.Cut(string(d), ":")
	return ociBlobsDir + "/" + alg + "/" + enc, nil
}

func (k *ociKind) create() error {
	if err := writeFileAtomic(k.l.root, ociLayoutFile, []byte(`{"imageLayoutVersion":"`+ImageLayoutVersion+`"}`)); err != nil {
		return fmt.Errorf("layout: %s: %w", k.l.path, err)
	}
	return k.complete()
}

// complete adds what an OCI layout with its oci-layout file lacks: the
// blobs folder, an empty index.json (after a creation cut short).
func (k *ociKind) complete() error {
	l := k.l
	if err := l.root.Mkdir(ociBlobsDir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("layout: %s: %w", l.path, err)
	}
	if ok, err := exists(l.root, ociIndexFile); err != nil || ok {
		return err
	}
	b, err := k.encodeIndexJSON(context.Background(), core.Index{Manifests: []core.Descriptor{}})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(l.root, ociIndexFile, b); err != nil {
		return fmt.Errorf("layout: %s: %w", l.path, err)
	}
	return nil
}

func (k *ociKind) checkVersion() error {
	b, err := readSmallFile(k.l.root, ociLayoutFile, 64<<10)
	if err != nil {
		return blobErr(ociLayoutFile, "", "", err)
	}
	var v struct {
		ImageLayoutVersion *string `json:"imageLayoutVersion"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return blobErr(ociLayoutFile, "", "", fmt.Errorf("%w: not a JSON object: %v", ErrNotLayout, err))
	}
	switch {
	case v.ImageLayoutVersion == nil:
		return blobErr(ociLayoutFile, "", "", fmt.Errorf("%w: no imageLayoutVersion", ErrNotLayout))
	case *v.ImageLayoutVersion != ImageLayoutVersion:
		return blobErr(ociLayoutFile, "", "", fmt.Errorf("%w: imageLayoutVersion %q (want %q)", ErrUnsupportedVersion, truncate(*v.ImageLayoutVersion, 64), ImageLayoutVersion))
	}
	return nil
}

func (k *ociKind) top(ctx context.Context) ([]core.Descriptor, []byte, error) {
	ix, err := k.readIndexJSON(ctx)
	if err != nil {
		return nil, nil, err
	}
	return ix.Manifests, nil, nil
}

// readDocument reads a manifest or index, which is a blob.
func (k *ociKind) readDocument(ctx context.Context, d core.Descriptor) ([]byte, string, error) {
	name, err := ociBlobPath(k.l.algs, d.Digest)
	if err != nil {
		return nil, "", &BlobError{Digest: d.Digest, Err: err}
	}
	b, err := k.l.blobs.read(ctx, d)
	return b, name, err
}

func (*ociKind) checkTag(tag string) error { return ValidateTag(tag) }

// storeDocument stores a manifest or index below the root: as a blob.
func (k *ociKind) storeDocument(ctx context.Context, e encoded, opts *WriteOptions) error {
	d := e.desc
	d.Platform, d.Annotations = nil, nil
	return k.l.PutBlob(ctx, d, FromBytes(e.raw), opts)
}

// commit stores the documents, then gives the top one an entry in
// index.json.
func (k *ociKind) commit(ctx context.Context, top encoded, _ []core.Descriptor, docs []encoded, opts *WriteOptions) (core.Descriptor, error) {
	for _, d := range append(docs, top) {
		if err := k.storeDocument(ctx, d, opts); err != nil {
			return core.Descriptor{}, err
		}
	}
	if err := ctx.Err(); err != nil {
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
	err := k.updateIndexJSON(ctx, func(ix *core.Index) error {
		putEntry(ix, entry)
		return nil
	})
	return entry, err
}

// encodeIndexJSON writes index.json in the compact encoding (image-spec
// field order), as OCI tools do; its bytes are hashed by nobody.
func (k *ociKind) encodeIndexJSON(ctx context.Context, ix core.Index) ([]byte, error) {
	b, err := k.index.EncodeIndex(ctx, ix, core.EncodingCompact)
	if err != nil {
		return nil, blobErr(ociIndexFile, "", "", err)
	}
	return b, nil
}

// readIndexJSON reads and decodes index.json. A missing or invalid
// index.json is an error naming it; one over the index limit an error
// naming the limit and the way out.
func (k *ociKind) readIndexJSON(ctx context.Context) (core.Index, error) {
	l := k.l
	max := l.opts.maxIndex
	b, err := readSmallFile(l.root, ociIndexFile, max)
	switch {
	case errors.Is(err, core.ErrNotFound):
		// A layout whose creation was cut short between oci-layout and
		// index.json: no image, and Create completes it.
		err = fmt.Errorf("%w: index.json does not exist (%w)", ErrNoImage, fs.ErrNotExist)
	case errors.Is(err, core.ErrTooLarge):
		err = fmt.Errorf("%w: index.json is larger than the %d bytes this layout reads (layout.WithMaxIndexSize raises the limit)", core.ErrTooLarge, max)
	}
	if err != nil {
		return core.Index{}, blobErr(ociIndexFile, "", "", err)
	}
	ix, _, err := k.reg.DecodeIndex(ctx, b, core.WithMaxSize(max))
	if err != nil {
		return core.Index{}, blobErr(ociIndexFile, "", "", err)
	}
	return ix, nil
}

// updateIndexJSON applies fn to index.json under the layout's lock and
// writes the result back atomically. An index.json that would be over
// the limit readers use is not written: a layout this package writes
// stays one it can read.
func (k *ociKind) updateIndexJSON(ctx context.Context, fn func(*core.Index) error) error {
	l := k.l
	unlock, err := l.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := k.readIndexJSON(ctx)
	if err != nil {
		return err
	}
	if err := fn(&ix); err != nil {
		return err
	}
	b, err := k.encodeIndexJSON(ctx, ix)
	if err != nil {
		return err
	}
	if int64(len(b)) > l.opts.maxIndex {
		return blobErr(ociIndexFile, "", "", fmt.Errorf("%w: with %d entries index.json would be %d bytes, over the %d bytes readers of this layout take; nothing was written (untag images, write to another layout, or raise the limit with layout.WithMaxIndexSize)", core.ErrTooLarge, len(ix.Manifests), len(b), l.opts.maxIndex))
	}
	if err := writeFileAtomic(l.root, ociIndexFile, b); err != nil {
		return blobErr(ociIndexFile, "", "", err)
	}
	return nil
}

// tagOf returns an index.json entry's tag.
func tagOf(d core.Descriptor) string { return d.Annotations[AnnotationRefName] }

// samePlatform reports whether two optional platforms are the same
// after normalisation (both absent counts as the same).
func samePlatform(a, b *core.Platform) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	na, nb := core.NormalizePlatform(*a), core.NormalizePlatform(*b)
	return na.OS == nb.OS && na.Architecture == nb.Architecture && na.Variant == nb.Variant &&
		na.OSVersion == nb.OSVersion && slices.Equal(na.OSFeatures, nb.OSFeatures)
}

// putEntry adds d to index.json's manifests. A tagged entry replaces
// the entries of the same tag that it serves: all of them when it has no
// platform (the tag moves), those without a platform or with the same
// one otherwise (so one tag can name an image per platform). An
// untagged entry replaces an untagged entry of the same digest.
func putEntry(ix *core.Index, d core.Descriptor) {
	tag := tagOf(d)
	out := ix.Manifests[:0:0]
	for _, e := range ix.Manifests {
		switch {
		case tag != "" && tagOf(e) == tag && (d.Platform == nil || e.Platform == nil || samePlatform(e.Platform, d.Platform)):
			continue
		case tag == "" && tagOf(e) == "" && e.Digest == d.Digest:
			continue
		}
		out = append(out, e)
	}
	ix.Manifests = append(out, d)
}

// Tag points tag at the image sel selects in an OCI layout (moving the
// tag if another image had it). A dir: layout has no tags (ErrNoTags).
func (l *Layout) Tag(ctx context.Context, sel Selector, tag string) error {
	k, ok := l.impl.(*ociKind)
	if !ok {
		return ErrNoTags
	}
	if err := ValidateTag(tag); err != nil {
		return err
	}
	n, err := l.Find(ctx, sel)
	if err != nil {
		return err
	}
	d := n.Descriptor.Clone()
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[AnnotationRefName] = tag
	return k.updateIndexJSON(ctx, func(ix *core.Index) error {
		putEntry(ix, d)
		return nil
	})
}

// Untag removes the index.json entries tagged tag (their blobs stay).
// It returns core.ErrNotFound when no entry has the tag.
func (l *Layout) Untag(ctx context.Context, tag string) error {
	k, ok := l.impl.(*ociKind)
	if !ok {
		return ErrNoTags
	}
	return k.updateIndexJSON(ctx, func(ix *core.Index) error {
		n := len(ix.Manifests)
		ix.Manifests = slices.DeleteFunc(ix.Manifests, func(e core.Descriptor) bool { return tagOf(e) == tag })
		if len(ix.Manifests) == n {
			return fmt.Errorf("%w: no entry of index.json is tagged %q", core.ErrNotFound, tag)
		}
		return nil
	})
}
