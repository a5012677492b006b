package core_test

import (
	"context"
	"fmt"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	digest "github.com/opencontainers/go-digest"
)

func ExampleDescriptorFromBytes() {
	d := core.DescriptorFromBytes(core.KindTarGzip, []byte("some data"))
	fmt.Println(d.Size, d.Digest)
	// Output: 9 sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee
}

func ExampleEncodeManifest() {
	f, err := core.Default.Format("docker")
	if err != nil {
		panic(err)
	}
	m := core.Manifest{
		Config: core.DescriptorFromBytes(core.KindConfig, []byte("{}")),
		Layers: []core.Descriptor{core.DescriptorFromBytes(core.KindTarGzip, []byte("some data"))},
	}
	b, err := core.EncodeManifest(context.Background(), f, m, core.EncodingConcil)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	fmt.Println(core.DigestOf(b))
	// Output:
	// {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}, "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 9, "digest": "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}]}
	// sha256:bf7e956a25d46acbbf37209b9934e838660429e9bfa93cfe0d72ca345b9b6598
}

func ExampleDecodeManifest() {
	doc := []byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee","size":9}]}`)
	m, f, err := core.DecodeManifest(context.Background(), doc)
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Describe().Name, f.Describe().Table.Kind(m.Layers[0].MediaType))
	// Output: oci tar+zstd
}

func ExampleConvertManifest() {
	m := core.Manifest{
		Config: core.DescriptorFromBytes(core.KindConfig, []byte("{}")),
		Layers: []core.Descriptor{core.DescriptorFromBytes(core.KindTarZstd, []byte("some data"))},
	}
	oci, _ := core.Default.Format("oci")
	_, err := core.ConvertManifest(m.For(oci), oci, docker.Format, core.ConvertOptions{})
	fmt.Println(err != nil)
	d, _ := core.ConvertManifest(m.For(oci), oci, docker.Format, core.ConvertOptions{Permissive: true})
	fmt.Println(d.Layers[0].MediaType)
	// Output:
	// true
	// application/vnd.docker.image.rootfs.diff.tar.zstd
}

func ExampleTable() {
	f, _ := core.Default.Format("oci")
	table := f.Describe().Table
	fmt.Println(table.MediaType("tar+gzip"))
	fmt.Println(table.MediaType("application/x-custom")) // not a kind: passes through
	// A format's table knows only its own types; a registry knows all of
	// its formats' (concil's REVERSED_MEDIA_TYPES).
	fmt.Println(table.Kind("application/vnd.docker.image.rootfs.diff.tar.gzip"))
	fmt.Println(core.Default.Kind("application/vnd.docker.image.rootfs.diff.tar.gzip"))
	// Output:
	// application/vnd.oci.image.layer.v1.tar+gzip
	// application/x-custom
	// application/vnd.docker.image.rootfs.diff.tar.gzip
	// tar+gzip
}

func ExampleLayerCompression() {
	for _, mt := range []string{"tar+zstd", "application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.oci.image.layer.v1.tar"} {
		c, _ := core.LayerCompression(mt)
		fmt.Println(c)
	}
	_, err := core.LayerCompression("application/vnd.oci.image.config.v1+json")
	fmt.Println(err)
	// Output:
	// zstd
	// gzip
	// none
	// core: unknown compression: "application/vnd.oci.image.config.v1+json" is not a tar layer kind or media type
}

func ExampleSelectManifest() {
	var ix core.Index
	for _, p := range []string{"linux/amd64", "linux/arm64/v8"} {
		pl, _ := core.ParsePlatform(p)
		d := core.DescriptorFromBytes(oci.MediaTypeManifest, []byte(p))
		d.Platform = &pl
		ix.Manifests = append(ix.Manifests, d)
	}
	want := core.Platform{OS: "linux", Architecture: "aarch64"}
	d, err := core.SelectManifest(ix, &want)
	fmt.Println(d.Platform, err)
	// Output: linux/arm64/v8 <nil>
}

func ExampleWithCompression() {
	mt, _ := core.WithCompression("application/vnd.docker.image.rootfs.diff.tar.gzip", core.Zstd)
	fmt.Println(mt)
	fmt.Println(core.WithEncryption("application/vnd.oci.image.layer.v1.tar+gzip"))
	// Output:
	// application/vnd.docker.image.rootfs.diff.tar.zstd
	// application/vnd.oci.image.layer.v1.tar+gzip+encrypted
}

// An image config read strictly, changed and written back: the members
// the model has no field for (here Docker's Healthcheck) are kept.
func ExampleParseImageConfig() {
	data := []byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["serve"],"Healthcheck":{"Test":["CMD","true"]}},"rootfs":{"type":"layers","diff_ids":["sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1"]}}`)
	c, err := core.ParseImageConfig(data)
	if err != nil {
		panic(err)
	}
	fmt.Println(core.ValidateImageConfig(c), c.Platform(), c.Config.Cmd, c.Config.Extra.Keys())
	c.Config.Env = []string{"MODE=production"}
	out, err := core.EncodeImageConfig(c, core.EncodingCompact)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	fmt.Println(core.CheckDiffIDs(c, []digest.Digest{"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}))
	// Output:
	// <nil> linux/amd64 [serve] [Healthcheck]
	// {"architecture":"amd64","os":"linux","config":{"Env":["MODE=production"],"Cmd":["serve"],"Healthcheck":{"Test":["CMD","true"]}},"rootfs":{"type":"layers","diff_ids":["sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1"]}}
	// core: config rootfs.diff_ids do not match the layers: layer 0: rootfs.diff_ids[0] is sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1, the layer's diffID is sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef
}
