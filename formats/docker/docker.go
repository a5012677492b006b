package docker

import "github.com/concil-go/ocispec/core"

// Media types of Docker's image manifest schema 2, and the names concil
// gives the layer kinds Docker itself does not define.
const (
	MediaTypeManifest               = core.MediaTypeDockerManifest
	MediaTypeManifestList           = core.MediaTypeDockerList
	MediaTypeConfig                 = "application/vnd.docker.container.image.v1+json"
	MediaTypeLayer                  = "application/vnd.docker.image.rootfs.diff.tar"
	MediaTypeLayerGzip              = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	MediaTypeForeignLayer           = "application/vnd.docker.image.rootfs.foreign.diff.tar"
	MediaTypeForeignLayerGzip       = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
	MediaTypeLayerZstd              = "application/vnd.docker.image.rootfs.diff.tar.zstd"
	MediaTypeLayerEncrypted         = "application/vnd.docker.image.rootfs.diff.tar+encrypted"
	MediaTypeLayerGzipEncrypted     = "application/vnd.docker.image.rootfs.diff.tar.gzip+encrypted"
	MediaTypeLayerZstdEncrypted     = "application/vnd.docker.image.rootfs.diff.tar.zstd+encrypted"
	MediaTypeLayerSquashfs          = "application/vnd.docker.image.rootfs.diff.squashfs"
	MediaTypeLayerSquashfsEncrypted = "application/vnd.docker.image.rootfs.diff.squashfs+encrypted"
)

// MediaTypes returns the format's kind → media type table: concil's
// MEDIA_TYPES column for the Docker manifest, plus manifest, index
// (manifest list) and the foreign layers. The caller owns the map.
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
		core.KindIndex:                MediaTypeManifestList,
		core.KindNondistributable:     MediaTypeForeignLayer,
		core.KindNondistributableGzip: MediaTypeForeignLayerGzip,
	}
}

// Supported lists the kinds Docker's own tools understand. The other
// entries of the table (zstd, encrypted and squashfs layers) are concil's
// names, written only by a permissive conversion.
var Supported = []string{
	core.KindConfig, core.KindTar, core.KindTarGzip,
	core.KindManifest, core.KindIndex,
	core.KindNondistributable, core.KindNondistributableGzip,
}

// Format is Docker's image manifest schema 2 with its manifest list. Its
// documents always carry mediaType and have no artifactType, subject or
// document annotations. It registers itself in core.Default as "docker"
// when the package is imported.
var Format = core.NewFormat("docker", core.NewTable(MediaTypes(), Supported), core.Codec{
	ManifestMediaType: MediaTypeManifest,
	IndexMediaType:    MediaTypeManifestList,
})

func init() { core.MustRegisterFormat(Format) }
