// Package formats gathers the built-in formats: importing it registers
// both "oci" and "docker" in core.Default, and it gives concil's two
// tables over both, MEDIA_TYPES ([MediaTypes]) and REVERSED_MEDIA_TYPES
// ([ReversedMediaTypes]).
//
//	import _ "github.com/concil-go/ocispec/formats"
//
//	kind := formats.ReversedMediaTypes()["application/vnd.docker.image.rootfs.diff.tar.gzip"] // "tar+gzip"
package formats
