package layout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	digest "github.com/opencontainers/go-digest"
)

// indexCodec reads and writes index.json, which is always an OCI image
// index whatever the formats of the manifests it lists. Its table is
// empty, so media types are written as they are given.
func indexCodec(algs *core.Algorithms) *core.BasicFormat {
	return core.NewFormat(core.FormatSpec{
		Description: core.Description{
			Name:              "oci-layout-index",
			ManifestMediaType: oci.MediaTypeManifest,
			IndexMediaType:    oci.MediaTypeIndex,
			MediaTypeOptional: true,
			ArtifactFields:    true,
		},
		Algorithms: algs,
	})
}

// encodeIndexJSON writes index.json in the compact encoding (image-spec
// field order), as OCI tools do; its bytes are hashed by nobody.
func encodeIndexJSON(ctx context.Context, algs *core.Algorithms, ix core.Index) ([]byte, error) {
	b, err := indexCodec(algs).EncodeIndex(ctx, ix, core.EncodingCompact)
	if err != nil {
		return nil, blobErr(ociIndexFile, "", "", err)
	}
	return b, nil
}

// readIndexJSON reads and decodes index.json. A missing or invalid
// index.json is an error naming it.
func (l *Layout) readIndexJSON(ctx context.Context) (core.Index, error) {
	b, err := readSmallFile(l.root, ociIndexFile, l.opts.maxDoc)
	if errors.Is(err, core.ErrNotFound) {
		// A layout whose creation was cut short between oci-layout and
		// index.json: no image, and Create completes it.
		err = fmt.Errorf("%w: index.json does not exist (%w)", ErrNoImage, fs.ErrNotExist)
	}
	if err != nil {
		return core.Index{}, blobErr(ociIndexFile, "", "", err)
	}
	ix, err := indexCodec(l.algs).DecodeIndex(ctx, b)
	if err != nil {
		return core.Index{}, blobErr(ociIndexFile, "", "", err)
	}
	return ix, nil
}

// updateIndexJSON applies fn to index.json under the layout's lock and
// writes the result back atomically.
func (l *Layout) updateIndexJSON(ctx context.Context, fn func(*core.Index) error) error {
	unlock, err := l.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := l.readIndexJSON(ctx)
	if err != nil {
		return err
	}
	if err := fn(&ix); err != nil {
		return err
	}
	b, err := encodeIndexJSON(ctx, l.algs, ix)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(l.root, ociIndexFile, b); err != nil {
		return blobErr(ociIndexFile, "", "", err)
	}
	return nil
}

// lock takes the layout's write lock: the mutex for this process, flock
// on the folder for others.
func (l *Layout) lock(ctx context.Context) (func(), error) {
	l.mu.Lock()
	unlockFolder, err := lockFolder(ctx, l.root)
	if err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("layout: lock %s: %w", l.path, err)
	}
	return func() {
		unlockFolder()
		l.mu.Unlock()
	}, nil
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
	if l.kind != OCI {
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
	return l.updateIndexJSON(ctx, func(ix *core.Index) error {
		putEntry(ix, d)
		return nil
	})
}

// Untag removes the index.json entries tagged tag (their blobs stay).
// It returns core.ErrNotFound when no entry has the tag.
func (l *Layout) Untag(ctx context.Context, tag string) error {
	if l.kind != OCI {
		return ErrNoTags
	}
	return l.updateIndexJSON(ctx, func(ix *core.Index) error {
		n := len(ix.Manifests)
		ix.Manifests = slices.DeleteFunc(ix.Manifests, func(e core.Descriptor) bool { return tagOf(e) == tag })
		if len(ix.Manifests) == n {
			return fmt.Errorf("%w: no entry of index.json is tagged %q", core.ErrNotFound, tag)
		}
		return nil
	})
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
