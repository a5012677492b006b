package target_test

import (
	"context"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
)

// exampleImage writes an image of an empty layer in a new OCI layout at
// dir, tagged v1.
func exampleImage(dir string) core.Descriptor {
	ctx := context.Background()
	layer := make([]byte, 1024) // an empty tar: two zero blocks
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(core.DigestOf(layer)) + `"]}}`)
	cd := core.DescriptorFromBytes(core.KindConfig, config)
	ld := core.DescriptorFromBytes(core.KindTar, layer)
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	d, err := l.WriteImage(ctx, oci.Format, core.Manifest{Config: cd, Layers: []core.Descriptor{ld}}, layout.Blobs{cd.Digest: layout.FromBytes(config), ld.Digest: layout.FromBytes(layer)}, &layout.WriteOptions{Tag: "v1"})
	if err != nil {
		panic(err)
	}
	return d
}
