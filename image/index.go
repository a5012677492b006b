package image

import (
	"context"
	"fmt"
	"io"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

// Member is one image of a multi-platform index: a manifest as stored
// (its bytes are kept, so its digest is) and the platform the index
// lists it with.
type Member struct {
	Descriptor core.Descriptor
	Bytes      []byte
	Platform   core.Platform
}

// MemberOf reads the manifest the source's reference names (see
// [FromSource]) and puts its config and layers into l, each that l
// lacks fetched once, verified; the member's platform is its config's.
func MemberOf(ctx context.Context, l *layout.Layout, src transport.Source, platform *core.Platform, opts *transport.CopyOptions) (Member, error) {
	img, err := FromSource(ctx, src, platform, opts)
	if err != nil {
		return Member{}, err
	}
	m := img.Base.Manifest
	for _, d := range append([]core.Descriptor{m.Config}, m.Layers...) {
		has, err := l.HasBlob(ctx, d, true)
		if err != nil {
			return Member{}, err
		}
		if has || len(d.URLs) > 0 {
			continue
		}
		if err := l.PutBlob(ctx, d, fetchSource{src, d}, nil); err != nil {
			return Member{}, err
		}
	}
	return Member{Descriptor: img.Base.Descriptor, Bytes: img.Base.Bytes, Platform: img.Config.Platform()}, nil
}

// Replace returns members with m in place of the member of the same
// platform, or with m added at the end.
func Replace(members []Member, m Member) []Member {
	for i, o := range members {
		if o.Platform.String() == m.Platform.String() {
			out := append([]Member(nil), members...)
			out[i] = m
			return out
		}
	}
	return append(append([]Member(nil), members...), m)
}

// WriteIndex writes an index of format f (an OCI index, or a Docker
// manifest list) listing members, each with its platform, into l, whose
// blobs they must all be in already ([MemberOf] puts them there); the
// manifests are stored byte for byte. Two members of one platform are
// an error.
func WriteIndex(ctx context.Context, l *layout.Layout, f core.Format, members []Member, opts *layout.WriteOptions) (core.Descriptor, error) {
	var ix core.Index
	var docs []layout.Document
	seen := map[string]bool{}
	enc := core.Encoding(0)
	if opts != nil {
		enc = opts.Encoding
	}
	for i, m := range members {
		p := m.Platform
		if seen[p.String()] {
			return core.Descriptor{}, fmt.Errorf("image: member %d: a second image for %s (use Replace)", i, p)
		}
		seen[p.String()] = true
		d := m.Descriptor
		d.Platform, d.Annotations = &p, nil
		ix.Manifests = append(ix.Manifests, d)
		docs = append(docs, layout.Document{Descriptor: m.Descriptor, Bytes: m.Bytes})
	}
	raw, err := core.EncodeIndex(ctx, f, ix, enc)
	if err != nil {
		return core.Descriptor{}, fmt.Errorf("image: index: %w", err)
	}
	top := layout.Document{Descriptor: core.DescriptorFromBytes(f.Describe().IndexMediaType, raw), Bytes: raw}
	return l.WriteDocuments(ctx, top, docs, opts)
}

// Members reads the index the source's reference names and returns its
// images as members, their manifests as stored and their platforms as
// the index lists them, so that [Replace] can add or replace one
// platform's image and [WriteIndex] write the result (into the layout
// the source reads, where their blobs are). A reference that names a
// single manifest is an error wrapping core.ErrNotIndex.
func Members(ctx context.Context, src transport.Source, reg *core.Registry) ([]Member, error) {
	if reg == nil {
		reg = core.Default
	}
	imgs, err := src.Resolve(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := fetchDocument(ctx, src, imgs[0].Descriptor)
	if err != nil {
		return nil, err
	}
	ix, _, err := reg.DecodeIndex(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", src.Reference(), err)
	}
	var out []Member
	for i, d := range ix.Manifests {
		if d.Platform == nil {
			return nil, fmt.Errorf("image: %s: manifests[%d] has no platform", src.Reference(), i)
		}
		b, err := fetchDocument(ctx, src, d)
		if err != nil {
			return nil, err
		}
		md := d
		md.Platform, md.Annotations = nil, nil
		out = append(out, Member{Descriptor: md, Bytes: b, Platform: *d.Platform})
	}
	return out, nil
}

// fetchDocument reads a manifest or index, verified, within
// core.DefaultMaxDocumentSize.
func fetchDocument(ctx context.Context, src transport.Source, d core.Descriptor) ([]byte, error) {
	if d.Size > core.DefaultMaxDocumentSize {
		return nil, fmt.Errorf("image: %s: %w: %d bytes", d.Digest, core.ErrTooLarge, d.Size)
	}
	rc, err := src.Fetch(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, d.Size+1))
}
