// Command mklayer builds a layer of a folder with package layer into a
// file and prints its digest, diffID and size: the ocispec side of
// benchmarks/pack-vs-tools.sh.
//
//	mklayer [-c none|gzip|zstd] [-level N] [-preserve] [-o FILE] DIR
//	mklayer -gen DATADIR
//
// With -gen it writes the benchmark inputs instead: DATADIR/bigdir/
// holding the 1 GiB file and DATADIR/tree/, as package benchdata makes
// them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/concil-go/ocispec/benchmarks/internal/benchdata"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layer"
)

func main() {
	comp := flag.String("c", "gzip", "compression: none, gzip or zstd")
	level := flag.Int("level", 0, "gzip level (0: the package's default)")
	preserve := flag.Bool("preserve", false, "preserve metadata instead of normalising it")
	out := flag.String("o", "layer", "output file")
	gen := flag.Bool("gen", false, "write the benchmark inputs into DATADIR")
	flag.Parse()
	if *gen && flag.NArg() == 1 {
		if err := generate(flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "mklayer:", err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mklayer [-c none|gzip|zstd] [-level N] [-preserve] [-o FILE] DIR\n       mklayer -gen DATADIR")
		os.Exit(2)
	}
	if err := mklayer(flag.Arg(0), *out, *comp, *level, *preserve); err != nil {
		fmt.Fprintln(os.Stderr, "mklayer:", err)
		os.Exit(1)
	}
}

func generate(data string) error {
	big := filepath.Join(data, "bigdir")
	if err := os.MkdirAll(big, 0o755); err != nil {
		return err
	}
	if err := benchdata.BigFile(filepath.Join(big, "big1g.bin"), 1<<30); err != nil {
		return err
	}
	tree := filepath.Join(data, "tree")
	if err := os.RemoveAll(tree); err != nil {
		return err
	}
	return benchdata.Tree(tree)
}

func mklayer(dir, out, comp string, level int, preserve bool) error {
	c, err := core.ParseCompression(comp)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := layer.Options{Compression: c, GzipLevel: level}
	if preserve {
		opts.Mode = layer.Preserve
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	l, err := layer.Build(ctx, f, opts, layer.FromDir(dir))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return err
	}
	fmt.Printf("digest %s\ndiffid %s\nsize %d\nuncompressed %d\n", l.Digest, l.DiffID, l.Size, l.UncompressedSize)
	return nil
}
