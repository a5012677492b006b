package layout_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// Benchmarks compare this package with the plainest code that does the
// same job, in the same run:
//
//	go test -run '^$' -bench . -count 6 ./layout/ | tee new.txt
//	benchstat -col /impl new.txt
//
// PutBlob: impl=layout (verified, temporary file, sync, rename, sync of
// the folder) against impl=write (create, write, close: not crash-safe),
// impl=write+sync (create, write, fsync, close: durable but unverified
// and not atomic) and impl=sha256+write+sync (the same, hashing what it
// writes with crypto/sha256: verified, durable, not atomic). ReadBlob: impl=layout (verifying reader)
// against impl=read+sha256 (os.Open, io.Copy into crypto/sha256).
// Verify: impl=layout (the whole layout) against impl=sha256sum (every
// file hashed with crypto/sha256 and io.Copy, as a shell loop would).

var benchSizes = []struct {
	name string
	n    int
}{
	{"64B", 64}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}, {"16MiB", 16 << 20}, {"256MiB", 256 << 20},
}

func benchBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{1}).Read(b)
	return b
}

func BenchmarkPutBlob(b *testing.B) {
	for _, sz := range benchSizes {
		data := benchBytes(sz.n)
		d := core.DescriptorFromBytes(core.KindTar, data)
		b.Run("impl=layout/size="+sz.name, func(b *testing.B) {
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				dir := filepath.Join(b.TempDir(), "l")
				l, err := layout.Create(dir, layout.OCI)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := l.PutBlob(ctx, d, layout.FromReader(bytes.NewReader(data)), nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				l.Close()
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
		for _, impl := range []string{"write", "write+sync", "sha256+write+sync"} {
			sync, hash := impl != "write", impl == "sha256+write+sync"
			b.Run("impl="+impl+"/size="+sz.name, func(b *testing.B) {
				b.SetBytes(int64(sz.n))
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					dir := b.TempDir()
					b.StartTimer()
					f, err := os.Create(filepath.Join(dir, d.Digest.Encoded()))
					if err != nil {
						b.Fatal(err)
					}
					var w io.Writer = f
					h := sha256.New()
					if hash {
						w = io.MultiWriter(f, h)
					}
					if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
						b.Fatal(err)
					}
					if hash && fmt.Sprintf("sha256:%x", h.Sum(nil)) != string(d.Digest) {
						b.Fatal("digest mismatch")
					}
					if sync {
						f.Sync()
					}
					f.Close()
					b.StopTimer()
					os.RemoveAll(dir)
					b.StartTimer()
				}
			})
		}
	}
}

func BenchmarkReadBlob(b *testing.B) {
	for _, sz := range benchSizes {
		data := benchBytes(sz.n)
		d := core.DescriptorFromBytes(core.KindTar, data)
		dir := filepath.Join(b.TempDir(), "l")
		l, err := layout.Create(dir, layout.OCI)
		if err != nil {
			b.Fatal(err)
		}
		if err := l.PutBlob(ctx, d, layout.FromBytes(data), nil); err != nil {
			b.Fatal(err)
		}
		b.Run("impl=layout/size="+sz.name, func(b *testing.B) {
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				r, err := l.OpenBlob(ctx, d)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
		path := filepath.Join(dir, "blobs", "sha256", d.Digest.Encoded())
		b.Run("impl=read+sha256/size="+sz.name, func(b *testing.B) {
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				h := sha256.New()
				if _, err := io.Copy(h, f); err != nil {
					b.Fatal(err)
				}
				f.Close()
				if fmt.Sprintf("sha256:%x", h.Sum(nil)) != string(d.Digest) {
					b.Fatal("digest mismatch")
				}
			}
		})
		l.Close()
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, sz := range benchSizes[2:] {
		img := newTestImage(b, core.SHA256, nil)
		data := benchBytes(sz.n)
		layer := core.DescriptorFromBytes(core.KindTarGzip, data)
		img.manifest.Layers = append(img.manifest.Layers, layer)
		img.blobs[layer.Digest] = layout.FromBytes(data)
		dir, _ := writeImage(b, layout.OCI, "oci", img, &layout.WriteOptions{Tag: "v1"})
		var total int64
		files := listFiles(b, dir)
		for _, n := range files {
			fi, _ := os.Stat(filepath.Join(dir, n))
			total += fi.Size()
		}
		b.Run("impl=layout/size="+sz.name, func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				if err := layout.Verify(ctx, dir); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("impl=sha256sum/size="+sz.name, func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				for _, n := range files {
					f, err := os.Open(filepath.Join(dir, n))
					if err != nil {
						b.Fatal(err)
					}
					h := sha256.New()
					io.Copy(h, f)
					f.Close()
				}
			}
		})
	}
}

// BenchmarkWriteImage writes an image of a config and 16 layers of
// 256 KiB: impl=layout (WriteImage into a new OCI layout) against
// impl=sha256+write+sync (each blob and the manifest hashed, written and
// synced, one file after another, as a careful script would).
func BenchmarkWriteImage(b *testing.B) {
	img := newTestImage(b, core.SHA256, nil)
	for i := range 16 {
		data := benchBytes(256 << 10)
		data[0] = byte(i)
		d := core.DescriptorFromBytes(core.KindTarGzip, data)
		img.manifest.Layers = append(img.manifest.Layers, d)
		img.blobs[d.Digest] = layout.FromBytes(data)
	}
	f := mustFormat(b, "oci")
	manifest := mustEncode(b, f, img.manifest)
	var total int64
	for _, d := range append([]core.Descriptor{img.manifest.Config}, img.manifest.Layers...) {
		total += d.Size
	}
	b.Run("impl=layout", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "l")
			l, err := layout.Create(dir, layout.OCI)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := l.WriteImage(ctx, f, img.manifest, img.blobs, nil); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			l.Close()
			os.RemoveAll(dir)
			b.StartTimer()
		}
	})
	b.Run("impl=sha256+write+sync", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			write := func(name string, r io.Reader) {
				f, err := os.Create(filepath.Join(dir, name))
				if err != nil {
					b.Fatal(err)
				}
				h := sha256.New()
				if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
					b.Fatal(err)
				}
				f.Sync()
				f.Close()
			}
			for _, d := range append([]core.Descriptor{img.manifest.Config}, img.manifest.Layers...) {
				rc, _ := img.blobs[d.Digest].Open(ctx)
				write(d.Digest.Encoded(), rc)
			}
			write("manifest.json", bytes.NewReader(manifest))
			b.StopTimer()
			os.RemoveAll(dir)
			b.StartTimer()
		}
	})
}
