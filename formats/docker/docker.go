package docker

import "github.com/concil-go/ocispec/core"

// Media types of Docker's image manifest schema 2, and the names concil
// gives the layer kinds Docker itself does not define.
const (
	MediaTypeManifest               = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeManifestList           = "application/vnd.docker.distribution.manifest.list.v2+json"
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
// (manifest list) and the foreign layers. The layer entries are spelled
// by core's media-type algebra ([core.LayerTypes]), which writes Docker's
// ".tar.gzip". The caller owns the map.
func MediaTypes() map[string]string {
	t := map[string]string{
		core.KindConfig:   MediaTypeConfig,
		core.KindManifest: MediaTypeManifest,
		core.KindIndex:    MediaTypeManifestList,
	}
	for _, family := range []map[string]string{
		core.LayerTypes(core.KindTar, MediaTypeLayer, core.Compressions(), true),
		core.LayerTypes(core.KindSquashfs, MediaTypeLayerSquashfs, []core.Compression{core.Uncompressed}, true),
		core.LayerTypes(core.KindNondistributable, MediaTypeForeignLayer, []core.Compression{core.Uncompressed, core.Gzip}, false),
	} {
		for k, v := range family {
			t[k] = v
		}
	}
	return t
}

// Supported returns the kinds Docker's own tools understand. The other
// entries of the table (zstd, encrypted and squashfs layers) are concil's
// names, written only by a permissive conversion.
func Supported() []string {
	return []string{
		core.KindConfig, core.KindTar, core.KindTarGzip,
		core.KindManifest, core.KindIndex,
		core.KindNondistributable, core.KindNondistributableGzip,
	}
}

// Format is Docker's image manifest schema 2 with its manifest list. Its
// documents always carry mediaType, and Docker's schema has no
// artifactType, subject or document annotations: when a document read
// has them (buildx writes annotations on manifest lists), they are
// unknown members, kept in [core.Manifest.Extra] and written back, never
// refused; a manifest built with them in its fields is refused. It
// registers itself in core.Default as "docker" when the package is
// imported.
var Format = core.NewFormat(core.FormatSpec{
	Description: core.Description{
		Name:              "docker",
		ManifestMediaType: MediaTypeManifest,
		IndexMediaType:    MediaTypeManifestList,
		Table:             core.NewTable(MediaTypes(), Supported()),
	},
})

func init() { core.MustRegisterFormat(Format) }
