package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	digest "github.com/opencontainers/go-digest"
)

// AnnotationTitle names a file of an artifact (image-spec's
// org.opencontainers.image.title), as oras writes it.
const AnnotationTitle = "org.opencontainers.image.title"

// ArtifactFile is one file of an artifact: its content and the title
// it is given.
type ArtifactFile struct {
	// Descriptor describes the content (its media type, size, digest).
	Descriptor core.Descriptor
	Source     Source
	// Title is recorded as the layer's org.opencontainers.image.title.
	Title string
}

// Attach writes an artifact that refers to the image subject selects,
// following image-spec 1.1's guidance: an image manifest whose
// artifactType is artifactType, whose config is the empty descriptor
// ({} as application/vnd.oci.empty.v1+json), whose layers are the files
// (each with its title) and whose subject is the subject's descriptor;
// annotations go on the manifest. It gets an index.json entry, tagged
// with opts.Tag or untagged, so that it is kept and listed. A subject
// that is not in the layout is an error wrapping core.ErrNotFound.
func (l *Layout) Attach(ctx context.Context, subject Selector, artifactType string, annotations map[string]string, files []ArtifactFile, opts *WriteOptions) (core.Descriptor, error) {
	if _, ok := l.impl.(*ociKind); !ok {
		return core.Descriptor{}, fmt.Errorf("layout: attach to %s: %w: a dir: layout holds one image and no referrers", l, errors.ErrUnsupported)
	}
	if err := core.ValidateMediaType(artifactType); err != nil || artifactType == "" {
		return core.Descriptor{}, fmt.Errorf("layout: attach: artifact type %q: want a media type such as application/vnd.example.sbom+json", artifactType)
	}
	e, err := l.Find(ctx, subject)
	if err != nil {
		return core.Descriptor{}, fmt.Errorf("layout: attach: subject: %w", err)
	}
	empty := core.DescriptorFromBytes(oci.MediaTypeEmpty, []byte("{}"))
	layers := []core.Descriptor{}
	blobs := []core.Descriptor{empty}
	srcs := Blobs{empty.Digest: FromBytes([]byte("{}"))}
	for _, f := range files {
		d := f.Descriptor.Clone()
		if f.Title != "" {
			if d.Annotations == nil {
				d.Annotations = map[string]string{}
			}
			d.Annotations[AnnotationTitle] = f.Title
		}
		layers = append(layers, d)
		blobs = append(blobs, d)
		srcs[d.Digest] = f.Source
	}
	if len(layers) == 0 {
		// image-spec: an artifact without content has the empty layer.
		layers = append(layers, empty)
	}
	sub := core.Descriptor{MediaType: e.Descriptor.MediaType, Digest: e.Descriptor.Digest, Size: e.Descriptor.Size}
	m := core.Manifest{ArtifactType: artifactType, Config: empty, Layers: layers, Subject: &sub, Annotations: maps.Clone(annotations)}
	raw, err := oci.Format.EncodeManifest(ctx, m, core.EncodingCompact)
	if err != nil {
		return core.Descriptor{}, fmt.Errorf("layout: attach: %w", err)
	}
	if err := l.blobs.putMany(ctx, dedupe(blobs), srcs, opts.orZero()); err != nil {
		return core.Descriptor{}, err
	}
	alg := core.AlgorithmOf(sub.Digest)
	if l.algs.Check(alg) != nil {
		alg = core.SHA256
	}
	enc, err := l.encode(raw, oci.MediaTypeManifest, alg)
	if err != nil {
		return core.Descriptor{}, err
	}
	top := Document{Descriptor: enc.desc, Bytes: raw}
	top.Descriptor.ArtifactType = artifactType
	return l.WriteDocuments(ctx, top, nil, opts)
}

// Referrer is a manifest that refers to a subject.
type Referrer struct {
	// Descriptor describes the referrer, with its artifactType and
	// annotations.
	Descriptor core.Descriptor
	// Tag is the tag it is reached by, if any.
	Tag string
	// Via says how it was found: "subject" (a manifest of the layout
	// whose subject is the image), "tag-schema" (listed in the index
	// tagged ReferrersTag(subject)), or "cosign" (a "sha256-<hex>.sig",
	// ".att" or ".sbom" tag).
	Via string
}

// Referrers lists the referrers of the manifest or index of digest
// subject: every manifest the layout's index.json reaches whose subject
// it is, the manifests of the distribution-spec's tag-schema fallback
// index (tagged [ReferrersTag](subject)), and cosign's legacy tags
// ("sha256-<hex>.sig", ".att", ".sbom"). With artifactType set, only
// referrers of that artifact type are listed (cosign's by the type
// their tag implies). Each referrer is listed once. Only manifests and
// indexes are read.
func (l *Layout) Referrers(ctx context.Context, subject digest.Digest, artifactType string) ([]Referrer, error) {
	if _, ok := l.impl.(*ociKind); !ok {
		return nil, fmt.Errorf("layout: referrers in %s: %w: a dir: layout holds no referrers", l, errors.ErrUnsupported)
	}
	if err := l.algs.ValidateDigest(subject); err != nil {
		return nil, err
	}
	entries, err := l.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []Referrer
	seen := map[digest.Digest]bool{}
	add := func(r Referrer) {
		if seen[r.Descriptor.Digest] || (artifactType != "" && r.Descriptor.ArtifactType != artifactType) {
			return
		}
		seen[r.Descriptor.Digest] = true
		out = append(out, r)
	}
	fallback := ReferrersTag(subject)
	alg, enc, _ := strings.Cut(string(subject), ":")
	for _, e := range entries {
		if e.Index || e.Err != nil {
			if e.Depth == 0 && e.Tag == fallback && e.Index && e.Err == nil {
				ix, _, _, err := l.ReadIndex(ctx, e.Descriptor)
				if err != nil {
					return nil, err
				}
				for _, d := range ix.Manifests {
					add(Referrer{Descriptor: d, Tag: fallback, Via: "tag-schema"})
				}
			}
			continue
		}
		if e.Depth == 0 && strings.HasPrefix(e.Tag, alg+"-"+enc+".") {
			if t, ok := cosignTypes[strings.TrimPrefix(e.Tag, alg+"-"+enc+".")]; ok {
				d := e.Descriptor.Clone()
				if d.ArtifactType == "" {
					d.ArtifactType = t
				}
				add(Referrer{Descriptor: d, Tag: e.Tag, Via: "cosign"})
				continue
			}
		}
		b, err := l.ReadDocument(ctx, e.Descriptor)
		if err != nil {
			continue // listed with its error by List's readers
		}
		var m struct {
			ArtifactType string                          `json:"artifactType"`
			Config       struct{ MediaType string }      `json:"config"`
			Subject      *struct{ Digest digest.Digest } `json:"subject"`
			Annotations  map[string]string               `json:"annotations"`
		}
		if json.Unmarshal(b, &m) != nil || m.Subject == nil || m.Subject.Digest != subject {
			continue
		}
		d := e.Descriptor.Clone()
		if d.ArtifactType == "" {
			d.ArtifactType = m.ArtifactType
		}
		if d.ArtifactType == "" {
			d.ArtifactType = m.Config.MediaType // image-spec's rule without artifactType
		}
		if d.Annotations == nil && len(m.Annotations) > 0 {
			d.Annotations = m.Annotations
		}
		add(Referrer{Descriptor: d, Tag: e.Tag, Via: "subject"})
	}
	return out, nil
}

// cosignTypes are the artifact types cosign's legacy tag suffixes
// stand for.
var cosignTypes = map[string]string{
	"sig":  "application/vnd.dev.cosign.artifact.sig.v1+json",
	"att":  "application/vnd.dev.cosign.artifact.att.v1+json",
	"sbom": "application/vnd.dev.cosign.artifact.sbom.v1+json",
}
