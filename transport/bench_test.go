package transport_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
)

// benchSizes are the layer sizes of the transport benchmarks. 1 GiB is
// the size the targets are stated for; OCISPEC_BENCH_SIZES (in MiB,
// comma-separated) changes them.
func benchSizes(b *testing.B) []int64 {
	sizes := []int64{64 << 20, 1 << 30}
	if s := os.Getenv("OCISPEC_BENCH_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				b.Fatalf("OCISPEC_BENCH_SIZES: %v", err)
			}
			sizes = append(sizes, n<<20)
		}
	}
	return sizes
}

func sizeName(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%dGiB", n>>30)
	}
	return fmt.Sprintf("%dMiB", n>>20)
}

// bigImage writes an OCI layout with one uncompressed layer of random
// bytes of the given size, and an oci-archive of it.
func bigImage(b *testing.B, size int64) (ociDir, archivePath string, layer core.Descriptor) {
	b.Helper()
	dir := b.TempDir()
	blob := filepath.Join(dir, "layer")
	f, err := os.Create(blob)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	f.Close()
	d, err := digestFile(blob)
	if err != nil {
		b.Fatal(err)
	}
	layer = core.Descriptor{MediaType: core.KindTar, Size: size, Digest: d}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(d) + `"]}}`)
	cd := core.DescriptorFromBytes(core.KindConfig, config)
	ociDir = filepath.Join(dir, "oci")
	l, err := layout.Create(ociDir, layout.OCI)
	if err != nil {
		b.Fatal(err)
	}
	ociFmt, _ := formats()
	if _, err := l.WriteImage(ctx, ociFmt, core.Manifest{Config: cd, Layers: []core.Descriptor{layer}}, layout.Blobs{cd.Digest: layout.FromBytes(config), d: layout.FromFile(blob)}, &layout.WriteOptions{Tag: "v1"}); err != nil {
		b.Fatal(err)
	}
	l.Close()
	os.Remove(blob)
	archivePath = filepath.Join(dir, "image.tar")
	if _, err := tryCopy("oci-archive:"+archivePath+":v1", "oci:"+ociDir+":v1", nil); err != nil {
		b.Fatal(err)
	}
	writeBack()
	return ociDir, archivePath, layer
}

func digestFile(path string) (digest.Digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return digest.SHA256.FromReader(f)
}

// warm reads a file once so that every implementation reads it from the
// page cache.
func warm(b *testing.B, path string) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, f)
	f.Close()
}

// BenchmarkReadLayer reads a layer verified out of an oci-archive (in
// place, through transport.Source.Fetch) against verifying it in an OCI
// layout folder (layout.OpenBlob): the target is archive ≥ 0.9 of the
// folder's throughput.
func BenchmarkReadLayer(b *testing.B) {
	for _, size := range benchSizes(b) {
		ociDir, archivePath, layer := bigImage(b, size)
		warm(b, archivePath)
		warm(b, filepath.Join(ociDir, "blobs", "sha256", layer.Digest.Encoded()))
		b.Run("impl=folder/size="+sizeName(size), func(b *testing.B) {
			l, err := layout.Open(ociDir)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				r, err := l.OpenBlob(ctx, layer)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
		b.Run("impl=archive/size="+sizeName(size), func(b *testing.B) {
			s, err := parse(b, "oci-archive:"+archivePath+":v1").NewSource(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				r, err := s.Fetch(ctx, layer)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
	}
}

// BenchmarkCopyFolders copies an image between two OCI layouts on one
// file system (transport.Copy: hashed once, then linked) against its
// baselines in the same run: layout.Verify of the source (the target is
// ours ≤ 1.1× verify) and cp -r of the folder (which hashes nothing).
func BenchmarkCopyFolders(b *testing.B) {
	for _, size := range benchSizes(b) {
		ociDir, _, layer := bigImage(b, size)
		warm(b, filepath.Join(ociDir, "blobs", "sha256", layer.Digest.Encoded()))
		out := b.TempDir()
		b.Run("impl=ours/size="+sizeName(size), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				dst := filepath.Join(out, "ours"+strconv.Itoa(i))
				res, err := tryCopy("oci:"+dst+":v1", "oci:"+ociDir+":v1", nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.Linked != 2 {
					b.Fatalf("Copy linked %d blobs, want 2", res.Linked)
				}
				b.StopTimer()
				os.RemoveAll(dst)
				b.StartTimer()
			}
		})
		b.Run("impl=verify/size="+sizeName(size), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if err := layout.Verify(ctx, ociDir); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("impl=cp/size="+sizeName(size), func(b *testing.B) {
			b.SetBytes(size)
			for i := 0; b.Loop(); i++ {
				dst := filepath.Join(out, "cp"+strconv.Itoa(i))
				if out, err := exec.Command("cp", "-r", ociDir, dst).CombinedOutput(); err != nil {
					b.Fatalf("cp: %v: %s", err, out)
				}
				b.StopTimer()
				os.RemoveAll(dst)
				writeBack()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkArchiveToLayout copies an oci-archive (and a gzip one) into a
// new OCI layout and reports, per byte of blob, the bytes this process
// wrote (wchar of /proc/self/io, when there is one) and the disk the
// destination uses: the target is one write of each blob, no temporary
// copy of the archive.
func BenchmarkArchiveToLayout(b *testing.B) {
	for _, size := range benchSizes(b) {
		_, archivePath, _ := bigImage(b, size)
		gzPath := archivePath + ".gz"
		if out, err := exec.Command("sh", "-c", "gzip -1 -c "+archivePath+" > "+gzPath).CombinedOutput(); err != nil {
			b.Fatalf("gzip: %v: %s", err, out)
		}
		writeBack()
		for _, src := range []struct{ name, path string }{{"tar", archivePath}, {"tar.gz", gzPath}} {
			warm(b, src.path)
			out := b.TempDir()
			b.Run("archive="+src.name+"/size="+sizeName(size), func(b *testing.B) {
				b.SetBytes(size)
				b.ReportAllocs()
				var wrote, used int64
				for i := 0; b.Loop(); i++ {
					dst := filepath.Join(out, strconv.Itoa(i))
					w0 := wchar()
					if _, err := tryCopy("oci:"+dst+":v1", "oci-archive:"+src.path+":v1", nil); err != nil {
						b.Fatal(err)
					}
					wrote += wchar() - w0
					b.StopTimer()
					used += diskUsed(dst)
					os.RemoveAll(dst)
					writeBack()
					b.StartTimer()
				}
				b.ReportMetric(float64(wrote)/float64(int64(b.N)*size), "written/blob-byte")
				b.ReportMetric(float64(used)/float64(int64(b.N)*size), "disk/blob-byte")
			})
		}
	}
}

// wchar is the bytes this process has passed to write calls (Linux).
func wchar() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("wchar: ")); ok {
			n, _ := strconv.ParseInt(string(v), 10, 64)
			return n
		}
	}
	return 0
}

// diskUsed is what du says the folder takes, in bytes.
func diskUsed(dir string) int64 {
	out, err := exec.Command("du", "-s", "-B1", dir).Output()
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.Fields(string(out))[0], 10, 64)
	return n
}

var _ = transport.Copy
