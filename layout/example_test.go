package layout_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/concil-go/ocispec/core"
	_ "github.com/concil-go/ocispec/formats/docker"
	_ "github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// exampleImage is the image the examples write: a config and one layer.
func exampleImage() (core.Manifest, layout.Blobs) {
	configJSON := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layerBytes := []byte("not really a tarball")
	config := core.DescriptorFromBytes(core.KindConfig, configJSON)
	layer := core.DescriptorFromBytes(core.KindTarGzip, layerBytes)
	m := core.Manifest{Config: config, Layers: []core.Descriptor{layer}}
	return m, layout.Blobs{config.Digest: layout.FromBytes(configJSON), layer.Digest: layout.FromBytes(layerBytes)}
}

func ExampleLayout_WriteImage() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	l, err := layout.Create(filepath.Join(dir, "app"), layout.OCI)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	f, _ := core.Default.Format("oci")
	m, blobs := exampleImage()
	d, err := l.WriteImage(ctx, f, m, blobs, &layout.WriteOptions{Tag: "v1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.MediaType, d.Size)

	img, _ := l.Image(ctx, layout.Selector{Tag: "v1"})
	r, _ := l.OpenBlob(ctx, img.Manifest.Layers[0])
	b, _ := io.ReadAll(r)
	r.Close()
	fmt.Printf("%s: %s\n", img.Format.Describe().Name, b)
	// Output:
	// application/vnd.oci.image.manifest.v1+json 399
	// oci: not really a tarball
}

// tarImage is an image of one tar+gzip layer holding one file, whose
// config lists the layer's diffID, as verify checks.
func tarImage() (core.Manifest, layout.Blobs) {
	var plain, gz bytes.Buffer
	tw := tar.NewWriter(&plain)
	tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: 6})
	tw.Write([]byte("hello\n"))
	tw.Close()
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	configJSON := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(digest.FromBytes(plain.Bytes())) + `"]}}`)
	config := core.DescriptorFromBytes(core.KindConfig, configJSON)
	layer := core.DescriptorFromBytes(core.KindTarGzip, gz.Bytes())
	m := core.Manifest{Config: config, Layers: []core.Descriptor{layer}}
	return m, layout.Blobs{config.Digest: layout.FromBytes(configJSON), layer.Digest: layout.FromBytes(gz.Bytes())}
}

// Verify checks every blob against its descriptor; with Layers, also
// that each tar layer is a tar archive, and that the config's diff_ids
// name the layers.
func ExampleVerify() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	path := filepath.Join(dir, "app")
	l, _ := layout.Create(path, layout.Dir)
	f, _ := core.Default.Format("docker")
	m, blobs := tarImage()
	l.WriteImage(ctx, f, m, blobs, nil)
	l.Close()
	fmt.Println(layout.Verify(ctx, path))
	lo, _ := layout.Open(path)
	fmt.Println(lo.VerifyWith(ctx, layout.VerifyOptions{Layers: true}))
	lo.Close()

	// Damage both blobs: every problem is reported.
	layerFile := filepath.Join(path, m.Layers[0].Digest.Encoded())
	b, _ := os.ReadFile(layerFile)
	b[len(b)/2] ^= 1
	os.WriteFile(layerFile, b, 0o644)
	os.Remove(filepath.Join(path, m.Config.Digest.Encoded()))
	err := layout.Verify(ctx, path)
	for _, p := range err.(interface{ Unwrap() []error }).Unwrap() {
		var be *layout.BlobError
		errors.As(p, &be)
		fmt.Printf("%s: %v %v\n", be.Ref, errors.Is(p, core.ErrNotFound), errors.Is(p, core.ErrDigestMismatch))
	}
	// Output:
	// <nil>
	// <nil>
	// config of manifest.json: true false
	// layers[0] of manifest.json: false true
}

func ExampleParseReference() {
	r, _ := layout.ParseReference("oci:/images/app:v1")
	fmt.Println(r.Kind, r.Path, r.Selector.Tag)
	// Output: oci /images/app v1
}

// GC after a tag moved: the replaced image's manifest, config and layer
// go; a dry run says so first.
func ExampleLayout_GC() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	l, _ := layout.Create(filepath.Join(dir, "app"), layout.OCI)
	defer l.Close()
	f, _ := core.Default.Format("oci")
	m, blobs := exampleImage()
	l.WriteImage(ctx, f, m, blobs, &layout.WriteOptions{Tag: "v1"})
	// The same tag on another image: the first one is garbage.
	layer := []byte("another layer")
	m.Layers = []core.Descriptor{core.DescriptorFromBytes(core.KindTarGzip, layer)}
	blobs[m.Layers[0].Digest] = layout.FromBytes(layer)
	l.WriteImage(ctx, f, m, blobs, &layout.WriteOptions{Tag: "v1"})

	dry, _ := l.GC(ctx, &layout.GCOptions{DryRun: true})
	fmt.Printf("would free %d blobs, %d bytes\n", len(dry.Removed), dry.Bytes)
	res, err := l.GC(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("freed %d blobs, %d bytes; kept %d\n", len(res.Removed), res.Bytes, res.Kept)
	// Output:
	// would free 2 blobs, 419 bytes
	// freed 2 blobs, 419 bytes; kept 3
}

// An SBOM attached to an image, image-spec 1.1's way (an artifact
// manifest whose subject is the image), and found again among the
// image's referrers.
func ExampleLayout_Attach() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	l, _ := layout.Create(filepath.Join(dir, "app"), layout.OCI)
	defer l.Close()
	f, _ := core.Default.Format("oci")
	m, blobs := exampleImage()
	img, _ := l.WriteImage(ctx, f, m, blobs, &layout.WriteOptions{Tag: "v1"})

	sbom := []byte(`{"spdxVersion":"SPDX-2.3"}`)
	file := layout.ArtifactFile{Descriptor: core.DescriptorFromBytes("application/spdx+json", sbom), Source: layout.FromBytes(sbom), Title: "sbom.json"}
	art, err := l.Attach(ctx, layout.Selector{Tag: "v1"}, "application/spdx+json", nil, []layout.ArtifactFile{file}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	refs, _ := l.Referrers(ctx, img.Digest, "")
	for _, r := range refs {
		fmt.Println(r.Descriptor.Digest == art.Digest, r.Descriptor.ArtifactType, r.Via)
	}
	// Output:
	// true application/spdx+json subject
}
