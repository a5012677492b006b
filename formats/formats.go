package formats

import (
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

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

// Builtin returns the built-in formats, OCI first.
func Builtin() []core.Format { return []core.Format{oci.Format, docker.Format} }

// NewRegistry returns a private registry holding the built-in formats
// (and no digesters: core falls back to the standard library's sha256 and
// sha512).
func NewRegistry() *core.Registry {
	r := core.NewRegistry()
	for _, f := range Builtin() {
		r.MustRegisterFormat(f)
	}
	return r
}
