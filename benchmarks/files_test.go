package benchmarks

import (
	"archive/tar"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

const (
	KiB = 1 << 10
	MiB = 1 << 20
	GiB = 1 << 30
)

// dir holds the generated files for the whole run.
var dir string

func TestMain(m *testing.M) {
	if child := os.Getenv(childEnv); child != "" {
		os.Exit(runChild(child))
	}
	var err error
	dir, err = os.MkdirTemp("", "ocispec-benchmarks-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func sizeName(n int64) string {
	switch {
	case n >= GiB && n%GiB == 0:
		return fmt.Sprintf("%dGiB", n/GiB)
	case n >= MiB && n%MiB == 0:
		return fmt.Sprintf("%dMiB", n/MiB)
	case n >= KiB && n%KiB == 0:
		return fmt.Sprintf("%dKiB", n/KiB)
	}
	return fmt.Sprintf("%dB", n)
}

var (
	filesMu sync.Mutex
	files   = map[string]string{}
)

// file returns the path of a generated file called name, writing it
// with gen on first use; the write leaves it in the page cache.
func file(tb testing.TB, name string, gen func(w *os.File) error) string {
	tb.Helper()
	filesMu.Lock()
	defer filesMu.Unlock()
	if p, ok := files[name]; ok {
		return p
	}
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	if err := gen(f); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	files[name] = p
	return p
}

// randomFile returns a file of n pseudo-random bytes (seeded, so every
// run hashes the same bytes).
func randomFile(tb testing.TB, n int64, seed uint64) string {
	return file(tb, fmt.Sprintf("random-%s-%d", sizeName(n), seed), func(w *os.File) error {
		rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
		buf := make([]byte, 4*MiB)
		for left := n; left > 0; {
			k := min(int64(len(buf)), left)
			rng.Read(buf[:k])
			if _, err := w.Write(buf[:k]); err != nil {
				return err
			}
			left -= k
		}
		return nil
	})
}

// layerTar returns an uncompressed tar of about n bytes that compresses
// like an image layer: files of text (lines of words) and of binary
// noise, so gzip gives about 2:1.
func layerTar(tb testing.TB, n int64) string {
	return file(tb, "layer-"+sizeName(n)+".tar", func(w *os.File) error {
		rng := rand.New(rand.NewPCG(3, 4))
		words := []string{"layer", "digest", "manifest", "config", "blob", "sha256", "index", "tar", "zstd", "gzip", "media", "type", "size", "annotation", "platform", "linux", "amd64"}
		tw := tar.NewWriter(w)
		var written int64
		body := make([]byte, 0, 512*KiB)
		for i := 0; written < n; i++ {
			body = body[:0]
			size := 64*KiB + rng.IntN(448*KiB)
			if i%2 == 0 {
				for len(body) < size {
					body = append(body, words[rng.IntN(len(words))]...)
					body = append(body, " \n"[rng.IntN(2)])
				}
			} else {
				body = body[:size]
				for j := range body {
					body[j] = byte(rng.Uint32())
				}
			}
			if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("usr/lib/file%05d", i), Mode: 0o644, Size: int64(len(body))}); err != nil {
				return err
			}
			if _, err := tw.Write(body); err != nil {
				return err
			}
			written += int64(len(body)) + 512
		}
		return tw.Close()
	})
}

// compressedLayer returns layerTar(n) compressed with gzip or zstd at
// their default levels.
func compressedLayer(tb testing.TB, n int64, format string) string {
	src := layerTar(tb, n)
	return file(tb, "layer-"+sizeName(n)+".tar."+format, func(w *os.File) error {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		switch format {
		case "gzip":
			zw := gzip.NewWriter(w)
			if _, err := zw.Write(data); err != nil {
				return err
			}
			return zw.Close()
		case "zstd":
			zw, err := zstd.NewWriter(w)
			if err != nil {
				return err
			}
			if _, err := zw.ReadFrom(bytes.NewReader(data)); err != nil {
				return err
			}
			return zw.Close()
		}
		return fmt.Errorf("no compression %q", format)
	})
}

func fileSize(tb testing.TB, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}
