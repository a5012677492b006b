package oci

import "github.com/concil-go/ocispec/core"

// Media types of the OCI image-spec 1.1 that the table uses.
const (
	MediaTypeManifest                  = core.MediaTypeOCIManifest
	MediaTypeIndex                     = core.MediaTypeOCIIndex
	MediaTypeConfig                    = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer                     = "application/vnd.oci.image.layer.v1.tar"
	MediaTypeLayerGzip                 = "application/vnd.oci.image.layer.v1.tar+gzip"
	MediaTypeLayerZstd                 = "application/vnd.oci.image.layer.v1.tar+zstd"
	MediaTypeLayerEncrypted            = "application/vnd.oci.image.layer.v1.tar+encrypted"
	MediaTypeLayerGzipEncrypted        = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted"
	MediaTypeLayerZstdEncrypted        = "application/vnd.oci.image.layer.v1.tar+zstd+encrypted"
	MediaTypeLayerSquashfs             = "application/vnd.oci.image.layer.v1.squashfs"
	MediaTypeLayerSquashfsEncrypted    = "application/vnd.oci.image.layer.v1.squashfs+encrypted"
	MediaTypeEmpty                     = core.MediaTypeEmpty
	MediaTypeLayerNondistributable     = "application/vnd.oci.image.layer.nondistributable.v1.tar"
	MediaTypeLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
	MediaTypeLayerNondistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
)

// MediaTypes returns the format's kind → media type table: concil's
// MEDIA_TYPES column for the OCI manifest, plus manifest, index, empty
// and the nondistributable layers. The caller owns the map.
func MediaTypes() map[string]string {
	return map[string]string{
		core.KindConfig:               MediaTypeConfig,
		core.KindTar:                  MediaTypeLayer,
		core.KindTarGzip:              MediaTypeLayerGzip,
		core.KindTarZstd:              MediaTypeLayerZstd,
		core.KindTarEncrypted:         MediaTypeLayerEncrypted,
		core.KindTarGzipEncrypted:     MediaTypeLayerGzipEncrypted,
		core.KindTarZstdEncrypted:     MediaTypeLayerZstdEncrypted,
		core.KindSquashfs:             MediaTypeLayerSquashfs,
		core.KindSquashfsEncrypted:    MediaTypeLayerSquashfsEncrypted,
		core.KindManifest:             MediaTypeManifest,
		core.KindIndex:                MediaTypeIndex,
		core.KindEmpty:                MediaTypeEmpty,
		core.KindNondistributable:     MediaTypeLayerNondistributable,
		core.KindNondistributableGzip: MediaTypeLayerNondistributableGzip,
		core.KindNondistributableZstd: MediaTypeLayerNondistributableZstd,
	}
}

// Format is the OCI image format: image manifests and image indexes of
// image-spec 1.1, with artifactType, subject and annotations. Every kind
// of its table is expressible. It registers itself in core.Default as
// "oci" when the package is imported.
var Format = core.NewFormat("oci", core.NewTable(MediaTypes(), nil), core.Codec{
	ManifestMediaType: MediaTypeManifest,
	IndexMediaType:    MediaTypeIndex,
	MediaTypeOptional: true,
	ArtifactFields:    true,
})

func init() { core.MustRegisterFormat(Format) }
