package oci

import (
	"fmt"

	"github.com/concil-go/ocispec/core"
)

// Media types of the OCI image-spec 1.1 that the table uses.
const (
	MediaTypeManifest                  = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeIndex                     = "application/vnd.oci.image.index.v1+json"
	MediaTypeConfig                    = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer                     = "application/vnd.oci.image.layer.v1.tar"
	MediaTypeLayerGzip                 = "application/vnd.oci.image.layer.v1.tar+gzip"
	MediaTypeLayerZstd                 = "application/vnd.oci.image.layer.v1.tar+zstd"
	MediaTypeLayerEncrypted            = "application/vnd.oci.image.layer.v1.tar+encrypted"
	MediaTypeLayerGzipEncrypted        = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted"
	MediaTypeLayerZstdEncrypted        = "application/vnd.oci.image.layer.v1.tar+zstd+encrypted"
	MediaTypeLayerSquashfs             = "application/vnd.oci.image.layer.v1.squashfs"
	MediaTypeLayerSquashfsEncrypted    = "application/vnd.oci.image.layer.v1.squashfs+encrypted"
	MediaTypeLayerNondistributable     = "application/vnd.oci.image.layer.nondistributable.v1.tar"
	MediaTypeLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
	MediaTypeLayerNondistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
	// MediaTypeEmpty is the empty descriptor's media type: its content is
	// the two bytes "{}" (image-spec manifest.md, "Guidance for an Empty
	// Descriptor").
	MediaTypeEmpty = "application/vnd.oci.empty.v1+json"
	// MediaTypeDescriptor is the media type of a lone content descriptor.
	MediaTypeDescriptor = "application/vnd.oci.descriptor.v1+json"
	// MediaTypeLayoutHeader is the media type of an image layout's
	// oci-layout file.
	MediaTypeLayoutHeader = "application/vnd.oci.layout.header.v1+json"
)

// MediaTypes returns the format's kind → media type table: concil's
// MEDIA_TYPES column for the OCI manifest, plus manifest, index, empty
// and the nondistributable layers. The layer entries are spelled by
// core's media-type algebra ([core.LayerTypes]). The caller owns the map.
func MediaTypes() map[string]string {
	t := map[string]string{
		core.KindConfig:   MediaTypeConfig,
		core.KindManifest: MediaTypeManifest,
		core.KindIndex:    MediaTypeIndex,
		core.KindEmpty:    MediaTypeEmpty,
	}
	for _, family := range []map[string]string{
		core.LayerTypes(core.KindTar, MediaTypeLayer, core.Compressions(), true),
		core.LayerTypes(core.KindSquashfs, MediaTypeLayerSquashfs, []core.Compression{core.Uncompressed}, true),
		core.LayerTypes(core.KindNondistributable, MediaTypeLayerNondistributable, core.Compressions(), false),
	} {
		for k, v := range family {
			t[k] = v
		}
	}
	return t
}

// CheckManifest applies the rule of image-spec's manifest.md that no
// format-neutral check knows: artifactType MUST be set when the config is
// the empty descriptor.
func CheckManifest(m core.Manifest) error {
	if m.ArtifactType == "" && core.NormalizeMediaType(m.Config.MediaType) == MediaTypeEmpty {
		return &core.FieldError{Field: "artifactType", Err: fmt.Errorf("missing: required when config.mediaType is %q", MediaTypeEmpty)}
	}
	return nil
}

// Format is the OCI image format: image manifests and image indexes of
// image-spec 1.1, with artifactType, subject and annotations. Every kind
// of its table is expressible. It registers itself in core.Default as
// "oci" when the package is imported.
var Format = core.NewFormat(core.FormatSpec{
	Description: core.Description{
		Name:              "oci",
		ManifestMediaType: MediaTypeManifest,
		IndexMediaType:    MediaTypeIndex,
		Table:             core.NewTable(MediaTypes(), nil),
		MediaTypeOptional: true,
		ArtifactFields:    true,
	},
	CheckManifest: CheckManifest,
})

func init() { core.MustRegisterFormat(Format) }
