package core

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"

	digest "github.com/opencontainers/go-digest"
)

// Descriptor describes a piece of content: the image-spec 1.1 content
// descriptor. MediaType may hold a kind ("tar+gzip") before encoding; the
// format translates it when the descriptor is written.
type Descriptor struct {
	MediaType    string
	Size         int64
	Digest       digest.Digest
	Annotations  map[string]string
	URLs         []string
	Data         []byte // embedded content; must match Size and Digest
	Platform     *Platform
	ArtifactType string
	// Extra holds the members the model has no field for, kept as read.
	Extra Extra
}

// Platform is the platform an image runs on (image-spec's platform
// object).
type Platform struct {
	Architecture string
	OS           string
	OSVersion    string
	OSFeatures   []string
	Variant      string
	// Extra holds the members the model has no field for (Docker's
	// "features"), kept as read.
	Extra Extra
}

// Manifest is an image manifest: a config and layers, plus the artifact
// fields of image-spec 1.1. Its media type is its format's; the
// schemaVersion is always 2.
type Manifest struct {
	ArtifactType string
	Config       Descriptor
	Layers       []Descriptor
	Subject      *Descriptor
	Annotations  map[string]string
	// Extra holds the top-level members the model has no field for, kept
	// as read (in a format without artifact fields, such as Docker's,
	// artifactType, subject and annotations are among them).
	Extra Extra
}

// Index is an image index (a Docker manifest list): manifests, usually one
// per platform.
type Index struct {
	ArtifactType string
	Manifests    []Descriptor
	Subject      *Descriptor
	Annotations  map[string]string
	// Extra is [Manifest.Extra] for indexes.
	Extra Extra
}

// DescriptorFromBytes describes data: size len(data), sha256 digest
// (concil's Descriptor.from_data). mediaType may be a kind or a concrete
// type.
func DescriptorFromBytes(mediaType string, data []byte) Descriptor {
	sum := sha256.Sum256(data)
	return Descriptor{
		MediaType: mediaType,
		Size:      int64(len(data)),
		Digest:    digest.Digest("sha256:" + hex.EncodeToString(sum[:])),
	}
}

// DescriptorFromBytesWith describes data with a digest of algorithm alg
// computed by algs (nil: sha256 and sha512 only).
func DescriptorFromBytesWith(algs *Algorithms, alg digest.Algorithm, mediaType string, data []byte) (Descriptor, error) {
	d, err := algs.FromBytes(alg, data)
	if err != nil {
		return Descriptor{}, err
	}
	return Descriptor{MediaType: mediaType, Size: int64(len(data)), Digest: d}, nil
}

// For returns a copy of d with its media type translated for format f:
// a kind of f's table becomes f's media type, anything else passes
// through (concil's descriptor_to_dict).
func (d Descriptor) For(f Format) Descriptor {
	d.MediaType = f.Describe().Table.MediaType(d.MediaType)
	return d
}

// Clone returns a deep copy of d.
func (d Descriptor) Clone() Descriptor {
	d.Annotations = maps.Clone(d.Annotations)
	d.URLs = slices.Clone(d.URLs)
	d.Data = slices.Clone(d.Data)
	d.Extra = d.Extra.Clone()
	if d.Platform != nil {
		p := d.Platform.Clone()
		d.Platform = &p
	}
	return d
}

// Clone returns a deep copy of p.
func (p Platform) Clone() Platform {
	p.OSFeatures = slices.Clone(p.OSFeatures)
	p.Extra = p.Extra.Clone()
	return p
}

// Clone returns a deep copy of m.
func (m Manifest) Clone() Manifest {
	m.Config = m.Config.Clone()
	m.Layers = cloneDescriptors(m.Layers)
	m.Subject = cloneDescriptorPtr(m.Subject)
	m.Annotations = maps.Clone(m.Annotations)
	m.Extra = m.Extra.Clone()
	return m
}

// Clone returns a deep copy of ix.
func (ix Index) Clone() Index {
	ix.Manifests = cloneDescriptors(ix.Manifests)
	ix.Subject = cloneDescriptorPtr(ix.Subject)
	ix.Annotations = maps.Clone(ix.Annotations)
	ix.Extra = ix.Extra.Clone()
	return ix
}

func cloneDescriptors(ds []Descriptor) []Descriptor {
	if ds == nil {
		return nil
	}
	out := make([]Descriptor, len(ds))
	for i, d := range ds {
		out[i] = d.Clone()
	}
	return out
}

func cloneDescriptorPtr(d *Descriptor) *Descriptor {
	if d == nil {
		return nil
	}
	c := d.Clone()
	return &c
}
