// Command zstdfloor reads a file into memory, then compresses it with
// github.com/klauspost/compress's zstd encoder at the options package
// layer uses for tar+zstd layers (one stream at SpeedDefault: the same
// bytes, TestSameBytesAsLayer), and throws the output away. Given the
// tar stream of a folder, that is the encoding alone which every
// tar+zstd layer of the folder costs, one block after another:
// benchmarks/rows.sh times it against the tools as the floor that pack
// tar+zstd cannot go under.
//
//	zstdfloor TAR
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: zstdfloor TAR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "zstdfloor:", err)
		os.Exit(1)
	}
}

// run compresses the file in, read whole first, to nowhere.
func run(in string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	return compress(io.Discard, data)
}

// compress writes data to w as one zstd frame, handed to the encoder in
// writes of 1 MiB as package layer hands it its chunks.
func compress(w io.Writer, data []byte) error {
	zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(len(data), 1<<20)
		if _, err := zw.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return zw.Close()
}
