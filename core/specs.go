package core

import (
	"maps"
	"slices"

	"github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Conversions to and from image-spec's specs-go/v1 types, so values pass
// to containerd, oras-go and go-containerregistry code. Slices and maps
// are copied. Media types are carried as they are: translate kinds first
// with [Manifest.For].

// OCI returns d as an image-spec descriptor.
func (d Descriptor) OCI() v1.Descriptor {
	out := v1.Descriptor{
		MediaType:    d.MediaType,
		Digest:       d.Digest,
		Size:         d.Size,
		URLs:         slices.Clone(d.URLs),
		Annotations:  maps.Clone(d.Annotations),
		Data:         slices.Clone(d.Data),
		ArtifactType: d.ArtifactType,
	}
	if d.Platform != nil {
		p := d.Platform.OCI()
		out.Platform = &p
	}
	return out
}

// DescriptorFromOCI converts an image-spec descriptor.
func DescriptorFromOCI(d v1.Descriptor) Descriptor {
	out := Descriptor{
		MediaType:    d.MediaType,
		Digest:       d.Digest,
		Size:         d.Size,
		URLs:         slices.Clone(d.URLs),
		Annotations:  maps.Clone(d.Annotations),
		Data:         slices.Clone(d.Data),
		ArtifactType: d.ArtifactType,
	}
	if d.Platform != nil {
		p := PlatformFromOCI(*d.Platform)
		out.Platform = &p
	}
	return out
}

// OCI returns p as an image-spec platform.
func (p Platform) OCI() v1.Platform {
	return v1.Platform{
		Architecture: p.Architecture, OS: p.OS, OSVersion: p.OSVersion,
		OSFeatures: slices.Clone(p.OSFeatures), Variant: p.Variant,
	}
}

// PlatformFromOCI converts an image-spec platform.
func PlatformFromOCI(p v1.Platform) Platform {
	return Platform{
		Architecture: p.Architecture, OS: p.OS, OSVersion: p.OSVersion,
		OSFeatures: slices.Clone(p.OSFeatures), Variant: p.Variant,
	}
}

func descriptorsOCI(ds []Descriptor) []v1.Descriptor {
	out := make([]v1.Descriptor, len(ds))
	for i, d := range ds {
		out[i] = d.OCI()
	}
	return out
}

func descriptorsFromOCI(ds []v1.Descriptor) []Descriptor {
	out := make([]Descriptor, len(ds))
	for i, d := range ds {
		out[i] = DescriptorFromOCI(d)
	}
	return out
}

// OCI returns m as an image-spec manifest (schemaVersion 2, the OCI
// manifest media type).
func (m Manifest) OCI() v1.Manifest {
	out := v1.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    v1.MediaTypeImageManifest,
		ArtifactType: m.ArtifactType,
		Config:       m.Config.OCI(),
		Layers:       descriptorsOCI(m.Layers),
		Annotations:  maps.Clone(m.Annotations),
	}
	if m.Subject != nil {
		s := m.Subject.OCI()
		out.Subject = &s
	}
	return out
}

// ManifestFromOCI converts an image-spec manifest.
func ManifestFromOCI(m v1.Manifest) Manifest {
	out := Manifest{
		ArtifactType: m.ArtifactType,
		Config:       DescriptorFromOCI(m.Config),
		Layers:       descriptorsFromOCI(m.Layers),
		Annotations:  maps.Clone(m.Annotations),
	}
	if m.Subject != nil {
		s := DescriptorFromOCI(*m.Subject)
		out.Subject = &s
	}
	return out
}

// OCI returns ix as an image-spec index.
func (ix Index) OCI() v1.Index {
	out := v1.Index{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    v1.MediaTypeImageIndex,
		ArtifactType: ix.ArtifactType,
		Manifests:    descriptorsOCI(ix.Manifests),
		Annotations:  maps.Clone(ix.Annotations),
	}
	if ix.Subject != nil {
		s := ix.Subject.OCI()
		out.Subject = &s
	}
	return out
}

// IndexFromOCI converts an image-spec index.
func IndexFromOCI(ix v1.Index) Index {
	out := Index{
		ArtifactType: ix.ArtifactType,
		Manifests:    descriptorsFromOCI(ix.Manifests),
		Annotations:  maps.Clone(ix.Annotations),
	}
	if ix.Subject != nil {
		s := DescriptorFromOCI(*ix.Subject)
		out.Subject = &s
	}
	return out
}
