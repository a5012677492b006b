// Package docker is the built-in Docker image format: image manifest
// schema 2 and the manifest list.
//
// Importing the package registers [Format] in core.Default as "docker";
// [Format] is also an exported value, for a private core.Registry:
//
//	import "github.com/concil-go/ocispec/formats/docker"
//
//	b, err := docker.Format.EncodeManifest(ctx, m, core.EncodingConcil)
//
// Its table is concil's MEDIA_TYPES column for the Docker manifest type
// plus manifest, index (manifest list) and foreign layers. Docker's own
// tools understand only the kinds [Supported] returns; concil's names for
// zstd, encrypted and squashfs layers are in the table but a strict
// conversion to Docker refuses them (core.ConvertOptions.Permissive
// writes them). Documents must carry mediaType. Docker's schema has no
// artifactType, subject or document annotations: a document read with
// them (buildx writes annotations on manifest lists) keeps them as
// unknown members (core.Manifest.Extra, core.Index.Extra), written back
// when it is encoded again and lifted into the fields by a conversion to
// OCI; a manifest built with them in its fields is refused, and so is a
// strict conversion of one into Docker.
package docker
