package tarlayer_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/tarlayer"
	"github.com/concil-go/ocispec/core"
)

func ExamplePlan_Write() {
	root, _ := os.MkdirTemp("", "tarlayer-example-")
	defer os.RemoveAll(root)
	os.MkdirAll(filepath.Join(root, "bin"), 0o700)
	os.WriteFile(filepath.Join(root, "bin", "hello"), []byte("#!/bin/sh\necho hello\n"), 0o700)
	os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hello\n"), 0o600)

	plan, err := tarlayer.Scan(root)
	if err != nil {
		panic(err)
	}
	var first, second bytes.Buffer
	a, _ := plan.Write(context.Background(), &first, tarlayer.Options{Compression: core.Uncompressed})
	b, _ := plan.Write(context.Background(), &second, tarlayer.Options{Compression: core.Uncompressed})
	fmt.Println("same digest twice:", a.Digest == b.Digest, a.Entries, "entries")

	tr := tar.NewReader(&first)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		fmt.Printf("%s %o %d:%d %s\n", h.Name, h.Mode, h.Uid, h.Gid, h.ModTime.UTC().Format("2006-01-02"))
	}
	// Output:
	// same digest twice: true 3 entries
	// bin/ 755 0:0 1970-01-01
	// bin/hello 755 0:0 1970-01-01
	// hello.txt 644 0:0 1970-01-01
}
