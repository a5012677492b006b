package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/concil-go/ocispec/archive"
)

// onlyWriter hides io.Discard's ReadFrom so that io.CopyBuffer uses the
// buffer it is given, for both sides of a comparison.
type onlyWriter struct{ io.Writer }

// BenchmarkReadEntry reads a 1 GiB entry out of an uncompressed archive
// through Archive.Open, and the same bytes from a plain file, both with
// 1 MiB reads from the page cache.
func BenchmarkReadEntry(b *testing.B) {
	const size = 1 << 30
	plain, tarPath := bigFiles(b, size)
	a, err := archive.OpenFile(context.Background(), tarPath, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	buf := make([]byte, 1<<20)
	name := fmt.Sprintf("size=%dMiB", size>>20)

	b.Run("impl=file/"+name, func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			f, err := os.Open(plain)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.CopyBuffer(onlyWriter{io.Discard}, struct{ io.Reader }{f}, buf)
			f.Close()
			if err != nil || n != size {
				b.Fatalf("read %d, %v", n, err)
			}
		}
	})
	b.Run("impl=archive/"+name, func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			r, err := a.Open("blobs/sha256/big")
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.CopyBuffer(onlyWriter{io.Discard}, r, buf)
			if err != nil || n != size {
				b.Fatalf("read %d, %v", n, err)
			}
		}
	})
}

// reportCPU reports the process's CPU time per operation ("cpu-ns/op")
// when the returned function is called after the loop.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if start > 0 && b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

var (
	bigOnce  sync.Once
	bigDir   string
	bigPlain string
	bigTar   string
	bigErr   error
)

// bigFiles writes, once per process, a plain file of size random bytes
// and an archive holding it (the -count runs share them; TestMain
// removes them).
func bigFiles(b *testing.B, size int64) (plain, tarPath string) {
	bigOnce.Do(func() {
		bigDir, bigErr = os.MkdirTemp("", "archive-bench-")
		if bigErr != nil {
			return
		}
		bigPlain = filepath.Join(bigDir, "plain")
		f, err := os.Create(bigPlain)
		if err != nil {
			bigErr = err
			return
		}
		block := make([]byte, 1<<20)
		rand.Read(block)
		for range size / int64(len(block)) {
			f.Write(block)
		}
		if bigErr = f.Close(); bigErr != nil {
			return
		}
		bigTar = filepath.Join(bigDir, "image.tar")
		bigErr = archive.WriteFile(context.Background(), bigTar, map[string]archive.Source{
			"oci-layout":        archive.FromBytes([]byte(`{"imageLayoutVersion":"1.0.0"}`)),
			"blobs/sha256/big":  archive.FromFile(bigPlain),
			"blobs/sha256/next": archive.FromBytes([]byte("x")),
		}, nil)
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigPlain, bigTar
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		os.RemoveAll(bigDir)
	}
	os.Exit(code)
}

// manyEntries is an uncompressed archive of n small blobs in folders.
func manyEntries(b *testing.B, n int) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "blobs/", Mode: 0o755})
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "blobs/sha256/", Mode: 0o755})
	data := bytes.Repeat([]byte("d"), 700)
	for i := range n - 2 {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("blobs/sha256/%064x", i), Size: int64(len(data)), Mode: 0o644})
		tw.Write(data)
	}
	tw.Close()
	return buf.Bytes()
}

// BenchmarkIndex indexes an archive of 10,000 entries (headers only),
// in memory and from a file, against archive/tar walking the same
// headers (seeking over the data) without keeping or checking anything.
func BenchmarkIndex(b *testing.B) {
	const n = 10_000
	data := manyEntries(b, n)
	path := filepath.Join(b.TempDir(), "many.tar")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	entries := fmt.Sprintf("entries=%d", n)
	// What an index keeps, once built: the heap it holds after a GC.
	retained := func(b *testing.B, build func() any) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		keep := build()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(keep)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "kept-B/entry")
	}
	perEntry := func(b *testing.B, run func()) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		done := reportCPU(b)
		for b.Loop() {
			run()
		}
		done()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/n, "B/entry")
	}
	b.Run("impl=archive-tar/src=memory/"+entries, func(b *testing.B) {
		b.ReportAllocs()
		perEntry(b, func() {
			tr := tar.NewReader(bytes.NewReader(data))
			count := 0
			for {
				_, err := tr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				count++
			}
			if count != n {
				b.Fatalf("%d entries", count)
			}
		})
	})
	b.Run("impl=ours/src=memory/"+entries, func(b *testing.B) {
		b.ReportAllocs()
		perEntry(b, func() {
			a, err := archive.New(context.Background(), bytes.NewReader(data), int64(len(data)), nil)
			if err != nil || a.Len() != n {
				b.Fatalf("New: %v", err)
			}
		})
		retained(b, func() any {
			a, _ := archive.New(context.Background(), bytes.NewReader(data), int64(len(data)), nil)
			return a
		})
	})
	b.Run("impl=ours/src=file/"+entries, func(b *testing.B) {
		b.ReportAllocs()
		perEntry(b, func() {
			a, err := archive.OpenFile(context.Background(), path, nil)
			if err != nil || a.Len() != n {
				b.Fatalf("OpenFile: %v", err)
			}
			a.Close()
		})
	})
}
