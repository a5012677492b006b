package layer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layer"
)

// The layer of the repository's examples/hello folder has the same
// digest on every machine and every run: the uncompressed and zstd ones
// are those `ocispec pack` gave before this package existed. The gzip
// layer is compressed in independent 1 MiB blocks on every core since
// this package: its digest changed once (it was sha256:2b90e6f6…) and
// is as stable as the others from then on.
func ExampleBuild() {
	for _, c := range []core.Compression{core.Uncompressed, core.Zstd, core.Gzip} {
		l, err := layer.Build(context.Background(), io.Discard, layer.Options{Compression: c}, layer.FromDir("../examples/hello"))
		if err != nil {
			panic(err)
		}
		fmt.Println(c, l.Digest)
	}
	// Output:
	// none sha256:f81d7d7b262a76227fb517501b88776fe3ad18f100a4543cc72d2959fc1cdcfe
	// zstd sha256:29b5b62714a53fca59ea8a1a3ebba6b62c29e71596537153fd547cdfa6ba1b89
	// gzip sha256:db3b71647c5b36d17f9a4aeafba0eb742093ff694b66e7d8dc65a31f89193ed2
}

// A layer that changes a base image: a new file, a deleted one, and a
// folder whose old contents are all hidden.
func ExampleScan() {
	plan, err := layer.Scan(context.Background(), layer.FromEntries(
		layer.File("etc/app.conf", []byte("port = 8080\n")),
		layer.Whiteout("etc/old.conf"),
		layer.OpaqueWhiteout("var/cache"),
		layer.Directory("var/cache"),
		layer.Directory("etc"),
	))
	if err != nil {
		panic(err)
	}
	var tarball bytes.Buffer
	l, err := plan.Write(context.Background(), &tarball, layer.Options{})
	if err != nil {
		panic(err)
	}
	for _, e := range plan.Entries() {
		fmt.Println(e.Type, e.Name)
	}
	fmt.Println(l.Entries, "entries,", l.Size, "bytes,", l.Digest == l.DiffID)
	// Output:
	// folder etc
	// whiteout etc/old.conf
	// regular file etc/app.conf
	// folder var/cache
	// opaque whiteout var/cache
	// 5 entries, 4096 bytes, true
}
