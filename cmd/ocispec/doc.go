// Command ocispec builds, inspects, converts and verifies OCI and Docker
// container images on disk, over the ocispec library.
//
// Install it with
//
//	go install github.com/concil-go/ocispec/cmd/ocispec@latest
//
// or run it from a clone with go run ./cmd/ocispec. Its subcommands:
//
//	pack      build an image from a folder (a reproducible layer) and layer files
//	inspect   show what an image or a manifest is
//	convert   convert an image or a manifest to another format
//	verify    check every blob of a layout against its descriptor
//	ls        list the images of a layout: tags, digests, platforms, sizes
//	tag       give an image of a layout another tag
//	rm        remove a tag or an entry from a layout (blobs stay until gc)
//	gc        remove the blobs of a layout that nothing keeps
//	attach    attach an artifact (signature, SBOM, ...) to an image
//	referrers list the artifacts that refer to an image
//	validate  check documents against the image-spec's rules and schema
//	digest    describe files as descriptors, several digests in one pass
//	formats   list the formats (built-in and plugins) and digest algorithms
//	bench     measure hashing throughput, as a table and a chart
//
// For example:
//
//	ocispec pack --format docker examples/hello out/hello
//	ocispec inspect out/hello
//
// Every subcommand takes --help. Results go to standard output (JSON
// lines where a script would parse them), errors and notes to standard
// error. The exit status is 0 on success, 1 when the command failed, 2
// when the command line is wrong and 130 when it was interrupted, in
// which case nothing half written is left under the output's name.
package main
