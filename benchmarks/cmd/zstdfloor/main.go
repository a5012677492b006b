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
	"bytes"
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
	return compress(io.Discard, bytes.NewReader(data))
}

// compress writes r to w as one zstd frame, read in chunks of 1 MiB as
// package layer hands them to its encoder.
func compress(w io.Writer, r io.Reader) error {
	zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			if _, err := zw.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	return zw.Close()
}
