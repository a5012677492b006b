// Package oci is the built-in OCI image format: image-spec 1.1 manifests
// and indexes, with artifactType, subject and annotations.
//
// Importing the package registers [Format] in core.Default as "oci";
// [Format] is also an exported value, for a private core.Registry:
//
//	import "github.com/concil-go/ocispec/formats/oci"
//
//	b, err := oci.Format.EncodeManifest(ctx, m, core.EncodingCompact)
//	mt := oci.Format.Describe().Table.MediaType(core.KindTarZstd) // application/vnd.oci.image.layer.v1.tar+zstd
//
// Its table is concil's MEDIA_TYPES column for the OCI manifest type plus
// the manifest, index, empty and nondistributable kinds; every kind is
// expressible. Documents without a mediaType field are accepted, as the
// spec allows; the compact and canonical encodings write it, the concil
// encoding omits it (concil's rule).
package oci
