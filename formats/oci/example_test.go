package oci_test

import (
	"context"
	"fmt"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
)

func ExampleFormat() {
	m := core.Manifest{
		Config: core.DescriptorFromBytes(core.KindConfig, []byte("{}")),
		Layers: []core.Descriptor{core.DescriptorFromBytes(core.KindTarZstd, []byte("some data"))},
	}
	b, err := oci.Format.EncodeManifest(context.Background(), m, core.EncodingConcil)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output: {"schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2, "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}, "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "size": 9, "digest": "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}]}
}

// A private registry holds only the formats an embedder chooses.
func ExampleFormat_privateRegistry() {
	r := core.NewRegistry(nil)
	if err := r.RegisterFormat(oci.Format); err != nil {
		panic(err)
	}
	_, err := r.Format("docker")
	fmt.Println(r.FormatNames(), err != nil)
	// Output: [oci] true
}
