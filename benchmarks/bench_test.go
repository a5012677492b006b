package benchmarks

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// fileSizes is the ladder of BenchmarkDigestFile and
// BenchmarkDigestFileAlgorithm.
var fileSizes = []int64{64 * KiB, 1 * MiB, 16 * MiB, 256 * MiB}

// BenchmarkDigestFile compares, on the same file in the page cache, the
// limit (Sum256 over the same bytes already in memory, one core), ours,
// and the standard library's and peers' ways, all sha256.
func BenchmarkDigestFile(b *testing.B) {
	for _, n := range fileSizes {
		path := randomFile(b, n, 1)
		b.Run("impl=limit/size="+sizeName(n), func(b *testing.B) {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				sha256.Sum256(data)
			}
		})
		for _, im := range fileImpls {
			b.Run("impl="+im.name+"/size="+sizeName(n), func(b *testing.B) {
				loop(b, n, func() error {
					_, err := im.fn(path)
					return err
				})
			})
		}
	}
}

// BenchmarkDigestFileAlgorithm: ours with each algorithm, and sha256 and
// sha512 of one file together.
func BenchmarkDigestFileAlgorithm(b *testing.B) {
	sets := []struct {
		name string
		algs []digest.Algorithm
	}{
		{"sha256", []digest.Algorithm{core.SHA256}},
		{"sha512", []digest.Algorithm{core.SHA512}},
		{"blake3", []digest.Algorithm{core.BLAKE3}},
		{"sha256+sha512", []digest.Algorithm{core.SHA256, core.SHA512}},
	}
	for _, n := range fileSizes {
		path := randomFile(b, n, 1)
		for _, s := range sets {
			b.Run("alg="+s.name+"/size="+sizeName(n), func(b *testing.B) {
				loop(b, n, func() error {
					_, err := digesters.DigestFile(context.Background(), path, s.algs...)
					return err
				})
			})
		}
	}
}

// BenchmarkSHA256Backend: the two sha256 backends over bytes in memory;
// the calibration picks between them.
func BenchmarkSHA256Backend(b *testing.B) {
	b.Logf("sha256 backend: %s", digesters.SHA256Choice().Detail)
	for _, n := range []int64{1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB} {
		data := make([]byte, n)
		for _, d := range []core.Digester{digesters.SHA256Stdlib, digesters.SHA256SIMD} {
			// "crypto/sha256" would add a level to the name.
			b.Run("impl="+strings.ReplaceAll(d.Backend(), "/", "-")+"/size="+sizeName(n), func(b *testing.B) {
				b.SetBytes(n)
				sum := make([]byte, 0, 32)
				for b.Loop() {
					h := d.New()
					h.Write(data)
					sum = h.Sum(sum[:0])
				}
			})
		}
	}
}

// BenchmarkCrossover: the same small files hashed on the calling
// goroutine and through the pipeline; DefaultDirectLimit sits where the
// pipeline starts to win.
func BenchmarkCrossover(b *testing.B) {
	modes := []struct {
		name string
		e    *digesters.Engine
	}{
		{"direct", &digesters.Engine{DirectLimit: 1 << 40}},
		{"pipeline", &digesters.Engine{DirectLimit: -1}},
	}
	for _, n := range []int64{1 * KiB, 16 * KiB, 64 * KiB, 128 * KiB, 256 * KiB, 512 * KiB, 1 * MiB, 4 * MiB} {
		path := randomFile(b, n, 2)
		for _, m := range modes {
			b.Run("mode="+m.name+"/size="+sizeName(n), func(b *testing.B) {
				loop(b, n, func() error {
					_, err := m.e.DigestFile(context.Background(), path)
					return err
				})
			})
		}
	}
}

// BenchmarkManyFiles: 8 files of 32 MiB with DigestFiles (one worker
// per core) against the same files one after another: on one core
// (GOMAXPROCS=1, the baseline of the parallel speedup, whose limit is
// the number of cores) and with DigestFile in a loop on every core (its
// reads overlap the hash on the other core).
func BenchmarkManyFiles(b *testing.B) {
	const count, n = 8, 32 * MiB
	paths := make([]string, count)
	for i := range paths {
		paths[i] = randomFile(b, n, uint64(10+i))
	}
	name := fmt.Sprintf("/files=%dx%s", count, sizeName(n))
	serial := func(b *testing.B) {
		loop(b, count*n, func() error {
			for _, p := range paths {
				if _, err := digesters.DigestFile(context.Background(), p); err != nil {
					return err
				}
			}
			return nil
		})
	}
	b.Run("impl=serial-1core"+name, func(b *testing.B) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		serial(b)
	})
	b.Run("impl=serial"+name, serial)
	b.Run("impl=ours"+name, func(b *testing.B) {
		loop(b, count*n, func() error {
			_, err := digesters.DigestFiles(context.Background(), paths)
			return err
		})
	})
	// What DigestFiles did before it read directly in each worker: a
	// pipeline per blob, its reader goroutine competing with the hashes.
	pipelined := &digesters.Engine{DirectLimit: -1}
	b.Run("impl=ours-pipeline"+name, func(b *testing.B) {
		loop(b, count*n, func() error {
			_, err := pipelined.DigestFiles(context.Background(), paths)
			return err
		})
	})
}

// BenchmarkSmallFiles: 1000 files of 4 KiB with DigestFiles (one
// worker per core), where the cost is per file (open, stat, read, close)
// rather than per byte, against what a program that reads each file
// whole and hashes it does: os.ReadFile and sha256.Sum256, one file
// after another and on two goroutines taking turns by index.
func BenchmarkSmallFiles(b *testing.B) {
	const count, n = 1000, 4 * KiB
	paths := make([]string, count)
	for i := range paths {
		paths[i] = randomFile(b, n, uint64(1000+i))
	}
	name := fmt.Sprintf("/files=%dx%s", count, sizeName(n))
	readAll := func(paths []string) error {
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sha256.Sum256(data)
		}
		return nil
	}
	b.Run("impl=ours"+name, func(b *testing.B) {
		loop(b, count*n, func() error {
			_, err := digesters.DigestFiles(context.Background(), paths)
			return err
		})
	})
	b.Run("impl=readfile"+name, func(b *testing.B) {
		loop(b, count*n, func() error { return readAll(paths) })
	})
	b.Run("impl=readfile-2"+name, func(b *testing.B) {
		loop(b, count*n, func() error {
			errs := make(chan error, 2)
			go func() { errs <- readAll(paths[:count/2]) }()
			go func() { errs <- readAll(paths[count/2:]) }()
			return errors.Join(<-errs, <-errs)
		})
	})
}

// BenchmarkLayer: digest and diffID of a 64 MiB tar compressed with gzip
// and with zstd, ours in one pass against two passes. Throughput counts
// the uncompressed bytes.
func BenchmarkLayer(b *testing.B) {
	const n = 64 * MiB
	tarSize := fileSize(b, layerTar(b, n))
	for _, f := range []struct {
		format string
		impls  []layerImpl
	}{{"gzip", gzipImpls}, {"zstd", zstdImpls}} {
		path := compressedLayer(b, n, f.format)
		b.Logf("%s layer: %d bytes for a %d-byte tar", f.format, fileSize(b, path), tarSize)
		for _, im := range f.impls {
			b.Run("format="+f.format+"/impl="+im.name+"/size="+sizeName(n), func(b *testing.B) {
				loop(b, tarSize, func() error {
					_, _, err := im.fn(path)
					return err
				})
			})
		}
	}
}

// BenchmarkVerify: checking a file against its descriptor without
// keeping it.
func BenchmarkVerify(b *testing.B) {
	for _, n := range []int64{64 * KiB, 16 * MiB} {
		path := randomFile(b, n, 1)
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		d := core.Descriptor{Digest: limit(data), Size: n}
		for _, im := range verifyImpls {
			b.Run("impl="+im.name+"/size="+sizeName(n), func(b *testing.B) {
				loop(b, n, func() error { return im.fn(path, d) })
			})
		}
	}
}

// loop runs fn as the benchmark's operation, n bytes each.
func loop(b *testing.B, n int64, fn func() error) {
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
}
