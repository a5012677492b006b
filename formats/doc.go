// Package formats gathers the built-in formats: importing it registers
// both "oci" and "docker" in core.Default. It also gives concil's two
// tables over both, MEDIA_TYPES ([MediaTypes]) and REVERSED_MEDIA_TYPES
// ([ReversedMediaTypes], and [Kind] for one lookup), and a private
// registry of the built-in formats ([NewRegistry]).
//
// testdata/corpus holds real documents from public sources and tools,
// each with the verdict the specs give it (see its SOURCES.md).
//
//	import "github.com/concil-go/ocispec/formats"
//
//	kind := formats.Kind("application/vnd.docker.image.rootfs.diff.tar.gzip") // "tar+gzip"
//	reg := formats.NewRegistry(nil)                                           // oci and docker, nothing else
//	m, f, err := reg.DecodeManifest(ctx, data)
package formats
