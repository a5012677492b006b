package benchmarks

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/concil-go/ocispec/benchmarks/internal/benchdata"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/layer"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
)

// serialLayer is the layer path of the ocispec command before package
// layer (cmd/ocispec/internal/tarlayer's Scan and Plan.Write at
// 788f7d5, which benchmarks cannot import): one goroutine runs the tar
// writer → io.MultiWriter(compressor, diffID hash) → io.MultiWriter(w,
// digest hash), with klauspost's gzip at its default level (5) or zstd
// at SpeedDefault, reading files in 1 MiB buffers.
func serialLayer(root string, w io.Writer, c core.Compression) (dgst, diffID digest.Digest, err error) {
	outer, inner := digesters.SHA256.New(), digesters.SHA256.New()
	out := io.MultiWriter(w, outer)
	var comp io.WriteCloser
	switch c {
	case core.Gzip:
		comp, err = gzip.NewWriterLevel(out, gzip.DefaultCompression)
	case core.Zstd:
		comp, err = zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedDefault))
	default:
		comp = nopWriteCloser{out}
	}
	if err != nil {
		return "", "", err
	}
	tw := tar.NewWriter(io.MultiWriter(comp, inner))
	buf := make([]byte, 1<<20)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: filepath.ToSlash(rel), ModTime: time.Unix(0, 0)}
		switch m := info.Mode(); {
		case m.IsDir():
			hdr.Typeflag, hdr.Mode, hdr.Name = tar.TypeDir, 0o755, hdr.Name+"/"
		case m.IsRegular():
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, info.Size()
			if m.Perm()&0o100 != 0 {
				hdr.Mode = 0o755
			}
		case m&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			hdr.Typeflag, hdr.Mode, hdr.Linkname = tar.TypeSymlink, 0o777, filepath.ToSlash(target)
		default:
			return fmt.Errorf("%s: unsupported file", p)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.CopyBuffer(tw, io.LimitReader(f, hdr.Size), buf)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = comp.Close()
	}
	if err != nil {
		return "", "", err
	}
	return sum(outer), sum(inner), nil
}

func sum(h hash.Hash) digest.Digest { return digest.NewDigestFromBytes(core.SHA256, h.Sum(nil)) }

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

var (
	inputsMu sync.Mutex
	inputs   = map[string]string{}
)

// envBenchData names a folder made by `mklayer -gen` whose inputs the
// layer benchmarks use instead of generating their own, so that runs in
// separate processes do not each write 1.3 GB first.
const envBenchData = "OCISPEC_BENCH_DATA"

// input returns a generated folder: "1GiB" holds benchdata.BigFile,
// "tree" a copy of GOROOT's folders (benchdata.Tree).
func input(tb testing.TB, name string) string {
	tb.Helper()
	inputsMu.Lock()
	defer inputsMu.Unlock()
	if p, ok := inputs[name]; ok {
		return p
	}
	if data := os.Getenv(envBenchData); data != "" {
		p := filepath.Join(data, map[string]string{"1GiB": "bigdir", "tree": "tree"}[name])
		if _, err := os.Stat(p); err != nil {
			tb.Fatalf("%s=%s: %v (make it with go run ./benchmarks/cmd/mklayer -gen %[2]s)", envBenchData, data, err)
		}
		inputs[name] = p
		return p
	}
	p := filepath.Join(dir, "input-"+name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		tb.Fatal(err)
	}
	var err error
	switch name {
	case "1GiB":
		err = benchdata.BigFile(filepath.Join(p, "big1g.bin"), GiB)
	case "tree":
		err = benchdata.Tree(p)
	default:
		err = errors.New("unknown input " + name)
	}
	if err != nil {
		tb.Fatal(err)
	}
	inputs[name] = p
	return p
}

type buildImpl struct {
	name string
	fn   func(root string, w io.Writer, c core.Compression) (digest.Digest, digest.Digest, error)
}

var buildImpls = []buildImpl{
	{"ours", func(root string, w io.Writer, c core.Compression) (digest.Digest, digest.Digest, error) {
		l, err := layer.Build(context.Background(), w, layer.Options{Compression: c}, layer.FromDir(root))
		return l.Digest, l.DiffID, err
	}},
	{"serial", serialLayer},
}

// BenchmarkBuildLayer: a reproducible layer of a 1 GiB file (half
// random, half Go source) and of a tree of 15,000 small files, written
// to a file, with package layer (impl=ours: every core) and with the
// path it replaces (impl=serial: one goroutine). Throughput counts the
// tar stream's bytes.
func BenchmarkBuildLayer(b *testing.B) {
	for _, in := range []string{"1GiB", "tree"} {
		root := input(b, in)
		var tarSize int64
		for _, c := range []core.Compression{core.Gzip, core.Zstd, core.Uncompressed} {
			for _, im := range buildImpls {
				b.Run("input="+in+"/compression="+c.String()+"/impl="+im.name, func(b *testing.B) {
					out := filepath.Join(dir, "layer.out")
					defer os.Remove(out)
					if tarSize == 0 {
						l, err := layer.Build(context.Background(), io.Discard, layer.Options{}, layer.FromDir(root))
						if err != nil {
							b.Fatal(err)
						}
						tarSize = l.Size
					}
					var size int64
					b.SetBytes(tarSize)
					b.ReportAllocs()
					for range b.N {
						b.StopTimer()
						os.Remove(out)
						flushDirty()
						b.StartTimer()
						f, err := os.Create(out)
						if err != nil {
							b.Fatal(err)
						}
						_, _, err = im.fn(root, f, c)
						if info, serr := f.Stat(); serr == nil {
							size = info.Size()
						}
						if cerr := f.Close(); err == nil {
							err = cerr
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(size)/float64(tarSize), "size/tar")
				})
			}
		}
	}
}
