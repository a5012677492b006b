package digesters_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

func ExampleDigestReader() {
	res, err := digesters.DigestReader(context.Background(), strings.NewReader("some data"), digest.SHA256, digest.SHA512)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Size)
	fmt.Println(res.Digests[0])
	fmt.Println(res.Digests[1])
	// Output:
	// 9
	// sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee
	// sha512:e1645e7492f032fb62c674db75500be7b260bfc0daa965821ddb3f8a49b5d33788ee3f046744e2b95afb5c3d8f2500c549ca89d79fc6890885d28e055007424f
}

func ExampleDigestFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config.json")
	os.WriteFile(path, []byte("some data"), 0o644)

	res, err := digesters.DigestFile(context.Background(), path, core.BLAKE3)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Descriptor(core.KindConfig).Digest)
	// Output:
	// blake3:b224a1da2bf5e72b337dc6dde457a05265a06dec8875be379e2ad2be5edb3bf2
}

func ExampleDigestLayer() {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("some data"))
	zw.Close()

	compressed, uncompressed, err := digesters.DigestLayer(context.Background(), bytes.NewReader(gz.Bytes()))
	if err != nil {
		panic(err)
	}
	fmt.Println("layer digest matches the gzip bytes:", compressed.Digests[0] == digest.FromBytes(gz.Bytes()))
	fmt.Println("diffID:", uncompressed.Digests[0], uncompressed.Size)
	// Output:
	// layer digest matches the gzip bytes: true
	// diffID: sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee 9
}

func ExampleNewVerifyingReader() {
	d := core.DescriptorFromBytes(core.KindConfig, []byte("some data"))
	vr, err := digesters.NewVerifyingReader(strings.NewReader("some date"), d)
	if err != nil {
		panic(err)
	}
	_, err = io.ReadAll(vr)
	fmt.Println(err)
	// Output:
	// digesters: blob sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee: digest mismatch: want sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee, got sha256:4389010698dc243df88510925b907ee731113877a8ec6b38cfa35bf429deee41
}

func ExampleEngine_progress() {
	var read int64
	e := &digesters.Engine{Progress: func(n int64) { read += n }}
	res, err := e.DigestReader(context.Background(), io.LimitReader(zeros{}, 3<<20))
	if err != nil {
		panic(err)
	}
	fmt.Println(read == res.Size, res.Size)
	// Output:
	// true 3145728
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func ExampleSetSHA256Backend() {
	choice, err := digesters.SetSHA256Backend("stdlib")
	if err != nil {
		panic(err)
	}
	fmt.Println(choice.Backend, "from the", choice.Source)
	fmt.Println(digesters.SHA256.Backend())
	digesters.SetSHA256Backend("auto")
	// Output:
	// crypto/sha256 from the caller
	// crypto/sha256
}

func ExampleDigestFiles() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	var paths []string
	for _, s := range []string{"abc", "some data"} {
		p := filepath.Join(dir, s)
		os.WriteFile(p, []byte(s), 0o644)
		paths = append(paths, p)
	}
	results, err := digesters.DigestFiles(context.Background(), paths)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.Size, r.Digests[0])
	}
	// Output:
	// 3 sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
	// 9 sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee
}

func ExampleVerifyData() {
	d := core.DescriptorFromBytes(core.KindConfig, []byte("some data"))
	d.Data = []byte("some data")
	fmt.Println(digesters.VerifyData(d))
	d.Data = []byte("some dat")
	fmt.Println(digesters.VerifyData(d))
	// Output:
	// <nil>
	// digesters: blob sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee: data field: size mismatch: want 9 bytes, got 8
}
