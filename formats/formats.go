package formats

import (
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

// SeedKinds lists concil's nine kinds in the order of its MEDIA_TYPES
// table.
func SeedKinds() []string {
	return []string{
		core.KindConfig, core.KindTar, core.KindTarGzip, core.KindTarZstd,
		core.KindTarEncrypted, core.KindTarGzipEncrypted, core.KindTarZstdEncrypted,
		core.KindSquashfs, core.KindSquashfsEncrypted,
	}
}

// MediaTypes returns concil's MEDIA_TYPES: for each built-in manifest
// media type, its kind → media type table (here with the kinds beyond
// concil's nine too). The caller owns the maps.
func MediaTypes() map[string]map[string]string {
	return map[string]map[string]string{
		oci.MediaTypeManifest:    oci.MediaTypes(),
		docker.MediaTypeManifest: docker.MediaTypes(),
	}
}

// ReversedMediaTypes returns concil's REVERSED_MEDIA_TYPES: every
// concrete media type of both built-in formats mapped to its kind.
func ReversedMediaTypes() map[string]string {
	out := map[string]string{}
	for _, table := range []map[string]string{oci.MediaTypes(), docker.MediaTypes()} {
		for kind, mt := range table {
			out[mt] = kind
		}
	}
	return out
}

// builtin is a registry of the built-in formats alone, for Kind.
var builtin = NewRegistry(nil)

// Kind returns the kind of a concrete media type of either built-in
// format (concil's REVERSED_MEDIA_TYPES lookup, normalised); any other
// value passes through unchanged. It depends on nothing registered
// anywhere: plugins and other formats never change its answer.
func Kind(mediaType string) string { return builtin.Kind(mediaType) }

// DescriptorKinds gives the kind of every descriptor of m, config first,
// then each layer, by [Kind].
func DescriptorKinds(m core.Manifest) []string {
	out := make([]string, 0, 1+len(m.Layers))
	out = append(out, Kind(m.Config.MediaType))
	for _, l := range m.Layers {
		out = append(out, Kind(l.MediaType))
	}
	return out
}

// Builtin returns the built-in formats, OCI first.
func Builtin() []core.Format { return []core.Format{oci.Format, docker.Format} }

// NewRegistry returns a private registry holding the built-in formats,
// validating digests with algs (nil: the image-spec's rules and the
// standard library's sha256 and sha512).
func NewRegistry(algs *core.Algorithms) *core.Registry {
	r := core.NewRegistry(algs)
	for _, f := range Builtin() {
		r.MustRegisterFormat(f)
	}
	return r
}
