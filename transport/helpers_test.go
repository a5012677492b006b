package transport_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
)

var ctx = context.Background()

// testImage is a small real image: one tar+gzip layer of files and a
// config whose diff_ids name the uncompressed layer.
type testImage struct {
	files    map[string]string
	tar      []byte
	config   []byte
	manifest core.Manifest // media types are kinds
	blobs    layout.Blobs
	platform core.Platform
}

func makeTar(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	return buf.Bytes()
}

func newImage(t testing.TB, arch string, files map[string]string) testImage {
	t.Helper()
	plain := makeTar(t, files)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(plain)
	zw.Close()
	config, _ := json.Marshal(map[string]any{
		"architecture": arch, "os": "linux", "created": "2024-01-01T00:00:00Z",
		"config": map[string]any{"Cmd": []string{"/bin/sh"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{string(digest.FromBytes(plain))}},
	})
	cd := core.DescriptorFromBytes(core.KindConfig, config)
	ld := core.DescriptorFromBytes(core.KindTarGzip, gz.Bytes())
	return testImage{
		files: files, tar: plain, config: config,
		manifest: core.Manifest{Config: cd, Layers: []core.Descriptor{ld}},
		blobs:    layout.Blobs{cd.Digest: layout.FromBytes(config), ld.Digest: layout.FromBytes(gz.Bytes())},
		platform: core.Platform{OS: "linux", Architecture: arch},
	}
}

var helloFiles = map[string]string{"etc/motd": "hello from ocispec\n", "usr/bin/tool": "#!/bin/sh\necho tool\n"}

// ociLayout writes images into a new OCI layout, each under its tag,
// and returns the folder and the manifests' descriptors.
func ociLayout(t testing.TB, format core.Format, tagged map[string]testImage) (string, map[string]core.Descriptor) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var tags []string
	for tag := range tagged {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	out := map[string]core.Descriptor{}
	for _, tag := range tags {
		img := tagged[tag]
		p := img.platform
		d, err := l.WriteImage(ctx, format, img.manifest, img.blobs, &layout.WriteOptions{Tag: tag, Platform: &p})
		if err != nil {
			t.Fatal(err)
		}
		out[tag] = d
	}
	return dir, out
}

func parse(t testing.TB, s string) transport.Reference {
	t.Helper()
	r, err := transport.Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q) = %v", s, err)
	}
	return r
}

// copyRefs copies src to dst and returns the result.
func copyRefs(t testing.TB, dst, src string, opts *transport.CopyOptions) *transport.CopyResult {
	t.Helper()
	res, err := tryCopy(dst, src, opts)
	if err != nil {
		t.Fatalf("Copy(%s, %s) = %v", dst, src, err)
	}
	return res
}

func tryCopy(dst, src string, opts *transport.CopyOptions) (*transport.CopyResult, error) {
	sr, err := transport.Parse(src)
	if err != nil {
		return nil, err
	}
	dr, err := transport.Parse(dst)
	if err != nil {
		return nil, err
	}
	s, err := sr.NewSource(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	d, err := dr.NewDestination(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return transport.Copy(ctx, d, s, opts)
}

// need returns a tool's path, or skips (fails with OCISPEC_REQUIRE_TOOLS).
func need(t testing.TB, tool string) string { return tooltest.Need(t, tool) }

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// readLayerFiles reads the regular files of an uncompressed or gzip tar.
func readLayerFiles(t testing.TB, b []byte) map[string]string {
	t.Helper()
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var plain bytes.Buffer
		plain.ReadFrom(zr)
		b = plain.Bytes()
	}
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Typeflag == tar.TypeReg {
			var buf bytes.Buffer
			buf.ReadFrom(tr)
			out[h.Name] = buf.String()
		}
	}
	return out
}

func formats() (core.Format, core.Format) { return oci.Format, docker.Format }

func sameFiles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func bytesReaderAt(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// multiLayout writes an index of two platforms, tagged multi, into a
// new OCI layout.
func multiLayout(t *testing.T) (string, testImage, testImage) {
	t.Helper()
	ociFmt, _ := formats()
	amd := newImage(t, "amd64", map[string]string{"arch": "amd64", "etc/motd": "hello\n"})
	arm := newImage(t, "arm64", map[string]string{"arch": "arm64"})
	dir := filepath.Join(t.TempDir(), "multi")
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = l.WriteIndex(ctx, ociFmt, []layout.Member{
		{Manifest: amd.manifest, Blobs: amd.blobs, Platform: &amd.platform},
		{Manifest: arm.manifest, Blobs: arm.blobs, Platform: &arm.platform},
	}, &layout.WriteOptions{Tag: "multi"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, amd, arm
}
