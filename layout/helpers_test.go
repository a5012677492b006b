package layout_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	_ "github.com/concil-go/ocispec/formats/docker"
	_ "github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// testImage is a small real image: one tar+gzip layer holding files,
// and a config whose diff_ids name the uncompressed layer.
type testImage struct {
	files    map[string]string // path in the layer → content
	config   []byte
	layer    []byte
	manifest core.Manifest // media types are kinds
	blobs    layout.Blobs
}

var defaultFiles = map[string]string{
	"etc/motd":          "hello from ocispec\n",
	"usr/bin/tool":      "#!/bin/sh\necho tool\n",
	"srv/data/notes.md": "# notes\n\nsome data\n",
}

// newTestImage builds an image whose digests use alg.
func newTestImage(t testing.TB, alg digest.Algorithm, files map[string]string) testImage {
	t.Helper()
	if files == nil {
		files = defaultFiles
	}
	tarball := makeTar(t, files)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(tarball)
	zw.Close()
	diffID, err := core.DefaultAlgorithms.FromBytes(alg, tarball)
	if err != nil {
		t.Fatal(err)
	}
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      "2024-01-01T00:00:00Z",
		"config":       map[string]any{"Cmd": []string{"/bin/sh"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{string(diffID)}},
		"history":      []map[string]any{{"created": "2024-01-01T00:00:00Z", "created_by": "ocispec test"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cd, err := core.DescriptorFromBytesWith(core.DefaultAlgorithms, alg, core.KindConfig, config)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := core.DescriptorFromBytesWith(core.DefaultAlgorithms, alg, core.KindTarGzip, gz.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return testImage{
		files:    files,
		config:   config,
		layer:    gz.Bytes(),
		manifest: core.Manifest{Config: cd, Layers: []core.Descriptor{ld}},
		blobs:    layout.Blobs{cd.Digest: layout.FromBytes(config), ld.Digest: layout.FromBytes(gz.Bytes())},
	}
}

func makeTar(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	mtime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var dnames []string
	for d := range dirs {
		dnames = append(dnames, d)
	}
	sort.Strings(dnames)
	for _, d := range dnames {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: mtime}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		c := files[n]
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(c)), ModTime: mtime}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(c))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeImage writes img in a new layout of the given kind and format.
func writeImage(t testing.TB, kind layout.Kind, format string, img testImage, opts *layout.WriteOptions) (string, core.Descriptor) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "img")
	l, err := layout.Create(dir, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := core.Default.Format(format)
	if err != nil {
		t.Fatal(err)
	}
	d, err := l.WriteImage(context.Background(), f, img.manifest, img.blobs, opts)
	if err != nil {
		t.Fatalf("WriteImage(%s, %s) = %v", kind, format, err)
	}
	return dir, d
}

func mustOpen(t testing.TB, path string) *layout.Layout {
	t.Helper()
	l, err := layout.Open(path)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// listFiles returns the regular files under dir, slash-separated and
// relative, sorted.
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// newLayout creates an empty layout of the given kind in a new folder.
func newLayout(t testing.TB, kind layout.Kind) (string, *layout.Layout) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "img")
	l, err := layout.Create(dir, kind)
	if err != nil {
		t.Fatalf("Create(%q, %v) = %v", dir, kind, err)
	}
	t.Cleanup(func() { l.Close() })
	return dir, l
}

func mustFormat(t testing.TB, name string) core.Format {
	t.Helper()
	f, err := core.Default.Format(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
