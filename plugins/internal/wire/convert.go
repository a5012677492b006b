package wire

import (
	"fmt"

	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
)

// EncodingToProto returns the protocol's name for enc.
func EncodingToProto(enc core.Encoding) (formatpb.Encoding, error) {
	switch enc {
	case core.EncodingCompact:
		return formatpb.Encoding_ENCODING_COMPACT, nil
	case core.EncodingConcil:
		return formatpb.Encoding_ENCODING_CONCIL, nil
	case core.EncodingCanonical:
		return formatpb.Encoding_ENCODING_CANONICAL, nil
	}
	return 0, fmt.Errorf("%w: %v", core.ErrUnknownEncoding, enc)
}

// EncodingFromProto returns core's encoding for the protocol's name.
func EncodingFromProto(enc formatpb.Encoding) (core.Encoding, error) {
	switch enc {
	case formatpb.Encoding_ENCODING_COMPACT:
		return core.EncodingCompact, nil
	case formatpb.Encoding_ENCODING_CONCIL:
		return core.EncodingConcil, nil
	case formatpb.Encoding_ENCODING_CANONICAL:
		return core.EncodingCanonical, nil
	}
	return 0, fmt.Errorf("%w: protocol value %d", core.ErrUnknownEncoding, enc)
}

// DescriptorToProto converts a descriptor; the message shares d's
// slices and maps.
func DescriptorToProto(d core.Descriptor) *formatpb.Descriptor {
	pd := &formatpb.Descriptor{
		MediaType:    d.MediaType,
		Size:         d.Size,
		Digest:       string(d.Digest),
		Annotations:  d.Annotations,
		Urls:         d.URLs,
		Data:         d.Data,
		ArtifactType: d.ArtifactType,
	}
	if p := d.Platform; p != nil {
		pd.Platform = &formatpb.Platform{
			Architecture: p.Architecture, Os: p.OS, OsVersion: p.OSVersion,
			OsFeatures: p.OSFeatures, Variant: p.Variant,
		}
	}
	return pd
}

// DescriptorFromProto converts a descriptor message (nil gives the zero
// descriptor). Empty lists and maps become nil, as a decoder that omits
// them gives.
func DescriptorFromProto(pd *formatpb.Descriptor) core.Descriptor {
	if pd == nil {
		return core.Descriptor{}
	}
	d := core.Descriptor{
		MediaType:    pd.GetMediaType(),
		Size:         pd.GetSize(),
		Digest:       digest.Digest(pd.GetDigest()),
		Annotations:  nilIfEmptyMap(pd.GetAnnotations()),
		URLs:         nilIfEmpty(pd.GetUrls()),
		Data:         pd.Data, // nil when absent, non-nil (maybe empty) when present
		ArtifactType: pd.GetArtifactType(),
	}
	if p := pd.GetPlatform(); p != nil {
		d.Platform = &core.Platform{
			Architecture: p.GetArchitecture(), OS: p.GetOs(), OSVersion: p.GetOsVersion(),
			OSFeatures: nilIfEmpty(p.GetOsFeatures()), Variant: p.GetVariant(),
		}
	}
	return d
}

func descriptorsToProto(ds []core.Descriptor) []*formatpb.Descriptor {
	out := make([]*formatpb.Descriptor, len(ds))
	for i, d := range ds {
		out[i] = DescriptorToProto(d)
	}
	return out
}

// descriptorsFromProto converts a list; the result is never nil, as
// core's decoders give an empty list for "layers": [].
func descriptorsFromProto(pds []*formatpb.Descriptor) []core.Descriptor {
	out := make([]core.Descriptor, len(pds))
	for i, pd := range pds {
		out[i] = DescriptorFromProto(pd)
	}
	return out
}

func subjectToProto(d *core.Descriptor) *formatpb.Descriptor {
	if d == nil {
		return nil
	}
	return DescriptorToProto(*d)
}

func subjectFromProto(pd *formatpb.Descriptor) *core.Descriptor {
	if pd == nil {
		return nil
	}
	d := DescriptorFromProto(pd)
	return &d
}

// ManifestToProto converts a manifest; the message shares m's slices and
// maps.
func ManifestToProto(m core.Manifest) *formatpb.Manifest {
	return &formatpb.Manifest{
		ArtifactType: m.ArtifactType,
		Config:       DescriptorToProto(m.Config),
		Layers:       descriptorsToProto(m.Layers),
		Subject:      subjectToProto(m.Subject),
		Annotations:  m.Annotations,
	}
}

// ManifestFromProto converts a manifest message. It does not validate.
func ManifestFromProto(pm *formatpb.Manifest) core.Manifest {
	return core.Manifest{
		ArtifactType: pm.GetArtifactType(),
		Config:       DescriptorFromProto(pm.GetConfig()),
		Layers:       descriptorsFromProto(pm.GetLayers()),
		Subject:      subjectFromProto(pm.GetSubject()),
		Annotations:  nilIfEmptyMap(pm.GetAnnotations()),
	}
}

// IndexToProto converts an index; the message shares ix's slices and
// maps.
func IndexToProto(ix core.Index) *formatpb.Index {
	return &formatpb.Index{
		ArtifactType: ix.ArtifactType,
		Manifests:    descriptorsToProto(ix.Manifests),
		Subject:      subjectToProto(ix.Subject),
		Annotations:  ix.Annotations,
	}
}

// IndexFromProto converts an index message. It does not validate.
func IndexFromProto(pi *formatpb.Index) core.Index {
	return core.Index{
		ArtifactType: pi.GetArtifactType(),
		Manifests:    descriptorsFromProto(pi.GetManifests()),
		Subject:      subjectFromProto(pi.GetSubject()),
		Annotations:  nilIfEmptyMap(pi.GetAnnotations()),
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nilIfEmptyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
