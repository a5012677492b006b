package archive_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/concil-go/ocispec/archive"
)

func ExampleNew() {
	ctx := context.Background()
	var buf bytes.Buffer
	archive.Write(ctx, &buf, map[string]archive.Source{
		"oci-layout":       archive.FromBytes([]byte(`{"imageLayoutVersion":"1.0.0"}`)),
		"index.json":       archive.FromBytes([]byte(`{"schemaVersion":2,"manifests":[]}`)),
		"blobs/sha256/abc": archive.FromReader(strings.NewReader("blob bytes"), 10),
	}, nil)

	a, err := archive.New(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil)
	if err != nil {
		panic(err)
	}
	for _, e := range a.Entries() {
		fmt.Println(e.Type, e.Name, e.Size)
	}
	l, _ := archive.DetectLayout(a.Index)
	fmt.Println("layout:", l.Kind)
	r, _ := a.Open("blobs/sha256/abc")
	b, _ := io.ReadAll(r)
	fmt.Printf("%q\n", b)
	// Output:
	// directory blobs 0
	// directory blobs/sha256 0
	// regular file blobs/sha256/abc 10
	// regular file index.json 34
	// regular file oci-layout 30
	// layout: oci
	// "blob bytes"
}

func ExampleScan() {
	ctx := context.Background()
	layer := bytes.Repeat([]byte("L"), 5000)
	sum := sha256.Sum256(layer)
	var plain bytes.Buffer
	archive.Write(ctx, &plain, map[string]archive.Source{
		"blobs/sha256/" + hex.EncodeToString(sum[:]): archive.FromBytes(layer),
		"index.json": archive.FromBytes([]byte(`{"schemaVersion":2,"manifests":[]}`)),
		"oci-layout": archive.FromBytes([]byte(`{"imageLayoutVersion":"1.0.0"}`)),
	}, nil)
	var compressed bytes.Buffer
	zw := gzip.NewWriter(&compressed)
	zw.Write(plain.Bytes())
	zw.Close()

	// The blob comes before index.json: it is spooled as it passes,
	// verified against its name, and kept only if the copy ends in io.EOF.
	spool := func(ctx context.Context, e archive.Entry, r io.Reader) error {
		n, err := io.Copy(io.Discard, r) // a destination writes, then renames into place
		fmt.Println("spooled", e.Name[:21]+"…", n, "bytes")
		return err
	}
	res, err := archive.Scan(ctx, &compressed, &archive.ScanOptions{KeepSize: 1024, Spool: spool})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Compression, string(res.Documents["index.json"]))
	// Output:
	// spooled blobs/sha256/97521996… 5000 bytes
	// gzip {"schemaVersion":2,"manifests":[]}
}

func ExampleParseManifest() {
	items, err := archive.ParseManifest([]byte(`[{"Config":"blobs/sha256/aaaa","RepoTags":["example.com/app:v1"],"Layers":["blobs/sha256/bbbb"]}]`))
	if err != nil {
		panic(err)
	}
	fmt.Println(items[0].Config, items[0].RepoTags, items[0].Layers)
	_, err = archive.ParseManifest([]byte(`[{"Config":"../../etc/passwd"}]`))
	fmt.Println(err)
	// Output:
	// blobs/sha256/aaaa [example.com/app:v1] [blobs/sha256/bbbb]
	// archive: invalid document: manifest.json[0].Config: "../../etc/passwd": path leaves the archive: name has a ".." element
}
