package image

import (
	"context"
	"fmt"

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
