package layout

import (
	"context"
	"fmt"
	"maps"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// CopyOptions control [Copy].
type CopyOptions struct {
	// WriteOptions apply to the destination. An empty Tag keeps the
	// source entry's tag when the destination is an OCI layout; an empty
	// Platform keeps the platform the source lists the image with.
	WriteOptions
	// Format converts the image to this format (core.ConvertManifest for
	// a manifest; core.ConvertIndex and each manifest for an index),
	// encoded in Encoding. nil keeps the source's format and its bytes
	// exactly, so the manifest digest is preserved.
	Format core.Format
	// Permissive lets the conversion write kinds the target cannot
	// express faithfully, and drop fields it lacks
	// (core.ConvertOptions.Permissive).
	Permissive bool
	// All copies a whole index (every platform) when sel chooses one;
	// otherwise the manifest of sel.Platform (or the running machine's)
	// is copied alone.
	All bool
}

// Copy copies the image sel chooses in src into dst, converting it when
// opts.Format is set. Config and layer blobs are reused as they are
// (their digests do not change), read verified from src and written
// verified to dst, or not written at all when dst has them already (as
// when dst and src are the same layout: Copy then converts in place).
// Only the manifests (and index) are new. dst's root is written last,
// as [Layout.WriteImage] does. It returns the descriptor of what became
// dst's image.
func Copy(ctx context.Context, dst, src *Layout, sel Selector, opts *CopyOptions) (core.Descriptor, error) {
	if opts == nil {
		opts = &CopyOptions{}
	}
	e, err := src.Find(ctx, sel)
	if err != nil {
		return core.Descriptor{}, err
	}
	wo := opts.WriteOptions
	if wo.Tag == "" && dst.Kind() == OCI {
		wo.Tag = e.Tag
	}
	if err := dst.checkTag(&wo); err != nil {
		return core.Descriptor{}, err
	}
	if e.Index && opts.All {
		return copyIndex(ctx, dst, src, e, opts, &wo)
	}
	img, err := src.Image(ctx, sel)
	if err != nil {
		return core.Descriptor{}, err
	}
	if wo.Platform == nil {
		wo.Platform = img.Descriptor.Platform
	}
	doc, err := convertManifest(ctx, dst, img.Manifest, img.Format, img.Bytes, core.AlgorithmOf(img.Descriptor.Digest), opts, &wo)
	if err != nil {
		return core.Descriptor{}, err
	}
	need := blobsOf(img.Manifest)
	return dst.store(ctx, doc, need, sourcesIn(src, need), nil, &wo)
}

// sourcesIn maps each blob to its source in l.
// A non-distributable layer with URLs that l does not hold gets no
// source: the destination may leave it out, as l did.
func sourcesIn(l *Layout, ds []core.Descriptor) Blobs {
	out := Blobs{}
	for _, d := range ds {
		if len(d.URLs) > 0 && d.Data == nil {
			name, err := l.impl.readName(d.Digest)
			if _, serr := statRegular(l.root, name); err == nil && serr != nil {
				continue
			}
		}
		out[d.Digest] = l.BlobSource(d)
	}
	return out
}

// convertManifest returns the manifest to write: raw as it is when no
// format is asked for (digested with srcAlg, the source's algorithm,
// unless another is asked for), otherwise converted and encoded.
func convertManifest(ctx context.Context, dst *Layout, m core.Manifest, from core.Format, raw []byte, srcAlg digest.Algorithm, opts *CopyOptions, wo *WriteOptions) (encoded, error) {
	if opts.Format == nil {
		alg := wo.ManifestAlgorithm
		if alg == "" {
			alg = srcAlg
		}
		return dst.encode(raw, from.Describe().ManifestMediaType, alg)
	}
	cm, err := core.ConvertManifest(m, from, opts.Format, core.ConvertOptions{Permissive: opts.Permissive})
	if err != nil {
		return encoded{}, fmt.Errorf("layout: convert %s manifest to %s: %w", from.Describe().Name, opts.Format.Describe().Name, err)
	}
	return dst.encodeManifest(ctx, opts.Format, cm, wo)
}

// copyIndex copies an index and every manifest it lists.
func copyIndex(ctx context.Context, dst, src *Layout, e Entry, opts *CopyOptions, wo *WriteOptions) (core.Descriptor, error) {
	ix, from, raw, err := src.ReadIndex(ctx, e.Descriptor)
	if err != nil {
		return core.Descriptor{}, err
	}
	var docs []encoded
	var need []core.Descriptor
	srcs := Blobs{}
	out := ix.Clone()
	for i, d := range ix.Manifests {
		if isIndexType(src.reg, d.MediaType) {
			return core.Descriptor{}, &BlobError{Digest: d.Digest, Ref: fmt.Sprintf("manifests[%d] of index %s", i, e.Descriptor.Digest), Err: fmt.Errorf("layout: copying nested indexes: %w", errUnsupported)}
		}
		m, f, b, err := src.ReadManifest(ctx, d)
		if err != nil {
			return core.Descriptor{}, err
		}
		doc, err := convertManifest(ctx, dst, m, f, b, core.AlgorithmOf(d.Digest), opts, wo)
		if err != nil {
			return core.Descriptor{}, fmt.Errorf("manifests[%d]: %w", i, err)
		}
		docs = append(docs, doc)
		out.Manifests[i].MediaType, out.Manifests[i].Size, out.Manifests[i].Digest = doc.desc.MediaType, doc.desc.Size, doc.desc.Digest
		blobs := blobsOf(m)
		need = append(need, blobs...)
		maps.Copy(srcs, sourcesIn(src, blobs))
	}
	var top encoded
	if opts.Format == nil && !changed(ix, out) {
		alg := wo.ManifestAlgorithm
		if alg == "" {
			alg = core.AlgorithmOf(e.Descriptor.Digest)
		}
		if top, err = dst.encode(raw, from.Describe().IndexMediaType, alg); err != nil {
			return core.Descriptor{}, err
		}
	} else {
		to := opts.Format
		if to == nil {
			to = from
		}
		conv, err := core.ConvertIndex(out, from, to, core.ConvertOptions{Permissive: opts.Permissive})
		if err != nil {
			return core.Descriptor{}, fmt.Errorf("layout: convert %s index to %s: %w", from.Describe().Name, to.Describe().Name, err)
		}
		for i := range conv.Manifests {
			conv.Manifests[i].MediaType = out.Manifests[i].MediaType
		}
		b, err := core.EncodeIndex(ctx, to, conv, wo.Encoding)
		if err != nil {
			return core.Descriptor{}, fmt.Errorf("layout: encode %s index: %w", to.Describe().Name, err)
		}
		alg, err := dst.manifestAlgorithm(wo, "")
		if err != nil {
			return core.Descriptor{}, err
		}
		if top, err = dst.encode(b, to.Describe().IndexMediaType, alg); err != nil {
			return core.Descriptor{}, err
		}
	}
	if wo.Platform == nil {
		wo.Platform = e.Descriptor.Platform
	}
	return dst.store(ctx, top, need, srcs, docs, wo)
}

// changed reports whether any entry of an index now points elsewhere.
func changed(a, b core.Index) bool {
	for i := range a.Manifests {
		if a.Manifests[i].Digest != b.Manifests[i].Digest {
			return true
		}
	}
	return false
}
