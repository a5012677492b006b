package transport_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

func ExampleParse() {
	for _, s := range []string{
		"oci:/images/app:v1",
		"dir:/images/app",
		"oci-archive:app.tar:v1",
		"docker-archive:app.tar:busybox",
		"docker-archive:app.tar:@1",
		"ocidir:///images/app",
	} {
		ref, err := transport.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s → %s, image %q\n", s, ref.Transport().Name(), ref.Selection())
	}
	// Output:
	// oci:/images/app:v1 → oci, image "v1"
	// dir:/images/app → dir, image ""
	// oci-archive:app.tar:v1 → oci-archive, image "v1"
	// docker-archive:app.tar:busybox → docker-archive, image "busybox:latest"
	// docker-archive:app.tar:@1 → docker-archive, image "@1"
	// transport: unknown transport: "ocidir:///images/app": "ocidir:" is not one of oci:, dir:, oci-archive:, docker-archive: (regctl's ocidir://PATH is written oci:/images/app here)
}

// An image opened from one reference and copied to another: here from
// an OCI layout into an oci-archive, whose manifest keeps its digest.
func ExampleCopy() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	want := exampleLayout(filepath.Join(tmp, "app")) // an image tagged v1

	src, err := transport.Parse("oci:" + filepath.Join(tmp, "app") + ":v1")
	if err != nil {
		panic(err)
	}
	dst, _ := transport.Parse("oci-archive:" + filepath.Join(tmp, "app.tar"))
	s, err := src.NewSource(ctx, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	d, err := dst.NewDestination(ctx, nil)
	if err != nil {
		panic(err)
	}
	defer d.Close()
	res, err := transport.Copy(ctx, d, s, nil)
	if err != nil {
		panic(err)
	}
	img := res.Images[0]
	fmt.Println(img.Names, img.Descriptor.Digest == want.Digest, res.Blobs, "blobs")

	// The archive reads back as a source of its own.
	back, _ := transport.Parse("oci-archive:" + filepath.Join(tmp, "app.tar") + ":v1")
	bs, _ := back.NewSource(ctx, nil)
	defer bs.Close()
	fmt.Println(transport.Verify(ctx, bs, nil))
	// Output:
	// [v1] true 2 blobs
	// <nil>
}

// exampleLayout writes an image of an empty layer in a new OCI layout,
// tagged v1.
func exampleLayout(dir string) core.Descriptor {
	layer := make([]byte, 1024) // an empty tar: two zero blocks
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(core.DigestOf(layer)) + `"]}}`)
	cd := core.DescriptorFromBytes(core.KindConfig, config)
	ld := core.DescriptorFromBytes(core.KindTar, layer)
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		panic(err)
	}
	defer l.Close()
	d, err := l.WriteImage(context.Background(), oci.Format, core.Manifest{Config: cd, Layers: []core.Descriptor{ld}},
		layout.Blobs{cd.Digest: layout.FromBytes(config), ld.Digest: layout.FromBytes(layer)}, &layout.WriteOptions{Tag: "v1"})
	if err != nil {
		panic(err)
	}
	return d
}

// An image rewritten in sha512 (digest agility): blobs, config
// descriptor, manifest, all named by sha512 digests in the copy.
func ExampleCopy_algorithm() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	exampleLayout(filepath.Join(tmp, "app"))

	src, _ := transport.Parse("oci:" + filepath.Join(tmp, "app") + ":v1")
	dst, _ := transport.Parse("oci:" + filepath.Join(tmp, "app512") + ":v1")
	s, _ := src.NewSource(ctx, nil)
	defer s.Close()
	d, _ := dst.NewDestination(ctx, nil)
	defer d.Close()
	res, err := transport.Copy(ctx, d, s, &transport.CopyOptions{Algorithm: "sha512"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Images[0].Descriptor.Digest.Algorithm(), res.Blobs, "blobs")
	// Output:
	// sha512 2 blobs
}
