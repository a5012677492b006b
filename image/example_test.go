package image_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/image"
	"github.com/concil-go/ocispec/layer"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

// A config is edited as JSON: what the editor does not touch (here
// Docker's Healthcheck) is kept.
func ExampleParseConfig() {
	c, err := image.ParseConfig([]byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Healthcheck":{"Test":["CMD","true"]}},"rootfs":{"type":"layers","diff_ids":[]}}`))
	if err != nil {
		panic(err)
	}
	c.SetEntrypoint([]string{"/app"})
	c.SetEnv("PORT", "8080")
	c.SetLabel("org.opencontainers.image.version", "1.0")
	b, _ := c.Bytes()
	fmt.Println(string(b))
	// Output:
	// {"architecture":"amd64","config":{"Cmd":["sh"],"Entrypoint":["/app"],"Env":["PORT=8080"],"Healthcheck":{"Test":["CMD","true"]},"Labels":{"org.opencontainers.image.version":"1.0"}},"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}
}

// Build an image, then put a layer on it in the same layout: the
// base's layer is reused as it is.
func ExampleFromSource() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	l, _ := layout.Create(filepath.Join(dir, "images"), layout.OCI)
	defer l.Close()

	var base bytes.Buffer
	bl, _ := layer.Build(ctx, &base, layer.Options{}, layer.FromEntries(layer.File("etc/motd", []byte("hi\n"))))
	img := image.New(oci.Format, core.Platform{OS: "linux", Architecture: "amd64"}, time.Time{})
	img.AppendLayer(bl.Descriptor(), bl.DiffID, layout.FromBytes(base.Bytes()), nil)
	img.Config.SetCmd([]string{"/bin/sh"})
	img.Write(ctx, l, &layout.WriteOptions{Tag: "base"})

	src, _ := transport.LayoutReference{Kind: layout.OCI, Path: l.Path(), Selector: layout.Selector{Tag: "base"}}.NewSource(ctx, nil)
	defer src.Close()
	app, err := image.FromSource(ctx, src, nil, nil)
	if err != nil {
		panic(err)
	}
	var top bytes.Buffer
	tl, _ := layer.Build(ctx, &top, layer.Options{}, layer.FromEntries(layer.File("app/run", []byte("#!/bin/sh\n"))))
	app.AppendLayer(tl.Descriptor(), tl.DiffID, layout.FromBytes(top.Bytes()), &image.History{CreatedBy: "example"})
	app.Config.SetEntrypoint([]string{"/app/run"})
	if _, err := app.Write(ctx, l, &layout.WriteOptions{Tag: "app"}); err != nil {
		panic(err)
	}
	ids, _ := app.Config.DiffIDs()
	fmt.Println(len(app.Layers), "layers; the base's reused:", app.Layers[0].Digest == bl.Digest, "; diffIDs:", len(ids))
	// Output: 2 layers; the base's reused: true ; diffIDs: 2
}

// A multi-platform index of two images built for amd64 and arm64, and
// one platform replaced by a newer build.
func ExampleWriteIndex() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	l, _ := layout.Create(filepath.Join(dir, "images"), layout.OCI)
	defer l.Close()

	member := func(arch, tag, motd string) image.Member {
		var b bytes.Buffer
		bl, _ := layer.Build(ctx, &b, layer.Options{}, layer.FromEntries(layer.File("etc/motd", []byte(motd))))
		img := image.New(oci.Format, core.Platform{OS: "linux", Architecture: arch}, time.Time{})
		img.AppendLayer(bl.Descriptor(), bl.DiffID, layout.FromBytes(b.Bytes()), nil)
		img.Write(ctx, l, &layout.WriteOptions{Tag: tag})
		src, _ := transport.LayoutReference{Kind: layout.OCI, Path: l.Path(), Selector: layout.Selector{Tag: tag}}.NewSource(ctx, nil)
		defer src.Close()
		m, err := image.MemberOf(ctx, l, src, nil, nil)
		if err != nil {
			panic(err)
		}
		return m
	}
	members := []image.Member{member("amd64", "amd", "hello\n"), member("arm64", "arm", "hello\n")}
	members = image.Replace(members, member("arm64", "arm2", "hello again\n"))
	d, err := image.WriteIndex(ctx, l, oci.Format, members, &layout.WriteOptions{Tag: "multi"})
	if err != nil {
		panic(err)
	}
	ix, _, _, _ := l.ReadIndex(ctx, d)
	for _, m := range ix.Manifests {
		fmt.Println(m.Platform, m.Digest == members[0].Descriptor.Digest || m.Digest == members[1].Descriptor.Digest)
	}
	// Output:
	// linux/amd64 true
	// linux/arm64 true
}
