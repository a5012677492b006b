package unpack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layer"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	"github.com/concil-go/ocispec/unpack"
	digest "github.com/opencontainers/go-digest"
)

// exampleImage writes an image of two layers into an OCI layout at
// dir: the second deletes a file of the first and adds one.
func exampleImage(ctx context.Context, dir string) error {
	m := core.Manifest{}
	blobs := layout.Blobs{}
	var diffIDs []digest.Digest
	for _, src := range []layer.Source{
		layer.FromEntries(layer.File("etc/motd", []byte("hello\n")), layer.File("etc/old.conf", []byte("old\n"))),
		layer.FromEntries(layer.Whiteout("etc/old.conf"), layer.File("etc/new.conf", []byte("new\n"))),
	} {
		var b bytes.Buffer
		l, err := layer.Build(ctx, &b, layer.Options{Compression: core.Gzip}, src)
		if err != nil {
			return err
		}
		d := core.DescriptorFromBytes(core.KindTarGzip, b.Bytes())
		m.Layers, blobs[d.Digest], diffIDs = append(m.Layers, d), layout.FromBytes(b.Bytes()), append(diffIDs, l.DiffID)
	}
	cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	m.Config = core.DescriptorFromBytes(core.KindConfig, cfg)
	blobs[m.Config.Digest] = layout.FromBytes(cfg)
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		return err
	}
	defer l.Close()
	_, err = l.WriteImage(ctx, oci.Format, m, blobs, &layout.WriteOptions{Tag: "v1"})
	return err
}

func ExampleUnpack() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	if err := exampleImage(ctx, filepath.Join(dir, "image")); err != nil {
		log.Fatal(err)
	}

	ref, err := transport.Parse("oci:" + filepath.Join(dir, "image") + ":v1")
	if err != nil {
		log.Fatal(err)
	}
	src, err := ref.NewSource(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	platform := core.Platform{OS: "linux", Architecture: "amd64"}
	res, err := unpack.Unpack(ctx, src, filepath.Join(dir, "rootfs"), &unpack.Options{Platform: &platform})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Layers, "layers applied")
	files, _ := filepath.Glob(filepath.Join(dir, "rootfs", "etc", "*"))
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// 2 layers applied
	// motd
	// new.conf
}

func ExampleExport() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	if err := exampleImage(ctx, filepath.Join(dir, "image")); err != nil {
		log.Fatal(err)
	}

	ref, err := transport.Parse("oci:" + filepath.Join(dir, "image") + ":v1")
	if err != nil {
		log.Fatal(err)
	}
	src, err := ref.NewSource(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	var flat bytes.Buffer // or a file
	platform := core.Platform{OS: "linux", Architecture: "amd64"}
	if _, err := unpack.Export(ctx, src, &flat, &unpack.Options{Platform: &platform}); err != nil {
		log.Fatal(err)
	}
	tr := tar.NewReader(&flat)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(h.Name)
	}
	// Output:
	// etc/
	// etc/motd
	// etc/new.conf
}
