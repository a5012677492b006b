package docker_test

import (
	"context"
	"fmt"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
)

func ExampleFormat() {
	table := docker.Format.Describe().Table
	fmt.Println(table.MediaType(core.KindTarGzip))
	fmt.Println(table.Supports(core.KindTarZstd))
	fmt.Println(table.MediaType(core.KindTarZstd)) // concil's name, for permissive conversions
	// Output:
	// application/vnd.docker.image.rootfs.diff.tar.gzip
	// false
	// application/vnd.docker.image.rootfs.diff.tar.zstd
}

func ExampleFormat_EncodeIndex() {
	m := core.DescriptorFromBytes(core.KindManifest, []byte("a manifest"))
	m.Platform = &core.Platform{OS: "linux", Architecture: "amd64"}
	b, err := docker.Format.EncodeIndex(context.Background(), core.Index{Manifests: []core.Descriptor{m}}, core.EncodingCompact)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output: {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:e59625a822497c164d60705eb3fd6975c375ca213b8140137a826a77790986a9","size":10,"platform":{"architecture":"amd64","os":"linux"}}]}
}
