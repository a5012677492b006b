package transport_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

// readBack opens ref as a source, resolves it and returns its manifest's
// descriptor and the files of its layers (read through Fetch, verified).
func readBack(t *testing.T, ref string) (core.Descriptor, map[string]string) {
	t.Helper()
	s, err := parse(t, ref).NewSource(ctx, nil)
	if err != nil {
		t.Fatalf("NewSource(%s) = %v", ref, err)
	}
	defer s.Close()
	imgs, err := s.Resolve(ctx)
	if err != nil || len(imgs) != 1 {
		t.Fatalf("Resolve(%s) = %v, %v; want one image", ref, imgs, err)
	}
	rc, err := s.Fetch(ctx, imgs[0].Descriptor)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatalf("Fetch(%s manifest) = %v", ref, err)
	}
	m, _, err := core.DecodeManifest(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, l := range m.Layers {
		rc, err := s.Fetch(ctx, l)
		if err != nil {
			t.Fatalf("Fetch(%s layer %s) = %v", ref, l.Digest, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading %s layer %s: %v", ref, l.Digest, err)
		}
		for k, v := range readLayerFiles(t, b) {
			files[k] = v
		}
	}
	return imgs[0].Descriptor, files
}

func gzipFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCopyEveryPair copies one image from each transport (and from a
// gzip-compressed oci-archive and docker-archive) to each transport,
// reads it back through the destination as a source, and checks its
// files and its manifest digest: kept everywhere but where docker-archive
// must store gzip layers as tars.
func TestCopyEveryPair(t *testing.T) {
	ociFmt, _ := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, ds := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	manifest := ds["v1"]
	dir := t.TempDir()
	copyRefs(t, "dir:"+filepath.Join(dir, "dir"), "oci:"+ociDir+":v1", nil)
	copyRefs(t, "oci-archive:"+filepath.Join(dir, "a.tar")+":v1", "oci:"+ociDir+":v1", nil)
	copyRefs(t, "docker-archive:"+filepath.Join(dir, "d.tar")+":example.com/app:v1", "oci:"+ociDir+":v1", nil)
	gzipFile(t, filepath.Join(dir, "a.tar"), filepath.Join(dir, "a.tar.gz"))
	gzipFile(t, filepath.Join(dir, "d.tar"), filepath.Join(dir, "d.tar.gz"))
	_, dockerFiles := readBack(t, "docker-archive:"+filepath.Join(dir, "d.tar"))
	if !sameFiles(dockerFiles, helloFiles) {
		t.Fatalf("docker-archive holds %v, want %v", dockerFiles, helloFiles)
	}

	sources := []struct {
		name, ref string
		tarLayers bool // its layers are uncompressed: docker-archive keeps its manifest
	}{
		{"oci", "oci:" + ociDir + ":v1", false},
		{"dir", "dir:" + filepath.Join(dir, "dir"), false},
		{"oci-archive", "oci-archive:" + filepath.Join(dir, "a.tar") + ":v1", false},
		{"oci-archive.gz", "oci-archive:" + filepath.Join(dir, "a.tar.gz") + ":v1", false},
		{"docker-archive", "docker-archive:" + filepath.Join(dir, "d.tar"), true},
		{"docker-archive.gz", "docker-archive:" + filepath.Join(dir, "d.tar.gz") + ":example.com/app:v1", true},
		{"path", filepath.Join(dir, "d.tar"), true},
	}
	dests := []struct{ name, ref string }{
		{"oci", "oci:%s:copied"},
		{"dir", "dir:%s"},
		{"oci-archive", "oci-archive:%s.tar:copied"},
		{"docker-archive", "docker-archive:%s.tar:example.com/copied:v2"},
	}
	for _, src := range sources {
		want := manifest
		if src.tarLayers {
			want, _ = readBack(t, src.ref)
		}
		for _, dst := range dests {
			t.Run(src.name+"→"+dst.name, func(t *testing.T) {
				out := strings.Replace(dst.ref, "%s", filepath.Join(t.TempDir(), "out"), 1)
				res := copyRefs(t, out, src.ref, nil)
				if len(res.Images) != 1 {
					t.Fatalf("Copy committed %v, want one image", res.Images)
				}
				got, files := readBack(t, out)
				if !sameFiles(files, helloFiles) {
					t.Errorf("%s holds %v, want %v", out, files, helloFiles)
				}
				keep := dst.name != "docker-archive" || src.tarLayers
				if keep && got.Digest != want.Digest {
					t.Errorf("manifest digest in %s = %s, want the source's %s (no format change asked)", out, got.Digest, want.Digest)
				}
				if !keep && got.Digest == want.Digest {
					t.Errorf("manifest digest in %s = the source's %s, but its layers had to be decompressed", out, got.Digest)
				}
				if res.Images[0].Descriptor.Digest != got.Digest {
					t.Errorf("Copy says it committed %s, the destination has %s", res.Images[0].Descriptor.Digest, got.Digest)
				}
				if dst.name == "oci" || dst.name == "dir" {
					folder := strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(out, "oci:"), "dir:"), ":", 2)[0]
					entries, _ := os.ReadDir(filepath.Dir(folder))
					top, _ := os.ReadDir(folder)
					for _, e := range top {
						if strings.HasPrefix(e.Name(), ".") {
							t.Errorf("%s holds %s after the copy", folder, e.Name())
						}
					}
					if len(entries) != 1 {
						t.Errorf("beside %s: %d entries after the copy, want it alone", folder, len(entries))
					}
					if err := layout.Verify(ctx, strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(out, "oci:"), "dir:"), ":", 2)[0]); err != nil {
						t.Errorf("Verify(%s) = %v", out, err)
					}
				}
			})
		}
	}
}

// TestCopyNothingBeforeCommit: a copy that fails (a blob of the source
// damaged) leaves nothing under the destination's name, for folders and
// archives alike.
func TestCopyNothingBeforeCommit(t *testing.T) {
	ociFmt, _ := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, _ := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	layer := filepath.Join(ociDir, "blobs", "sha256", img.manifest.Layers[0].Digest.Encoded())
	b, _ := os.ReadFile(layer)
	b[len(b)/2] ^= 1
	os.WriteFile(layer, b, 0o644)
	for _, dst := range []string{"oci:%s", "dir:%s", "oci-archive:%s", "docker-archive:%s"} {
		t.Run(strings.TrimSuffix(dst, ":%s"), func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			_, err := tryCopy(strings.Replace(dst, "%s", out, 1), "oci:"+ociDir+":v1", nil)
			if !errors.Is(err, core.ErrDigestMismatch) {
				t.Fatalf("Copy of a damaged layer = %v, want ErrDigestMismatch", err)
			}
			entries, _ := os.ReadDir(parent)
			if len(entries) != 0 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("after a failed copy %s holds %q, want nothing", parent, names)
			}
		})
	}
}

// TestCopyLinks: between two folders on one file system the blobs are
// linked once hashed, not read and written.
func TestCopyLinks(t *testing.T) {
	ociFmt, _ := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, _ := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	out := filepath.Join(t.TempDir(), "out")
	res := copyRefs(t, "oci:"+out+":v1", "oci:"+ociDir+":v1", nil)
	if res.Blobs != 2 || res.Linked != 2 {
		t.Errorf("Copy = %d blobs, %d linked; want 2 and 2", res.Blobs, res.Linked)
	}
	for _, d := range []core.Descriptor{img.manifest.Config, img.manifest.Layers[0]} {
		rel := filepath.Join("blobs", "sha256", d.Digest.Encoded())
		if a, b := inode(t, filepath.Join(ociDir, rel)), inode(t, filepath.Join(out, rel)); a != b || a == 0 {
			t.Errorf("%s: inodes %d and %d, want one file linked", rel, a, b)
		}
	}
	// A second copy skips what is there.
	res = copyRefs(t, "oci:"+out+":v2", "oci:"+ociDir+":v1", nil)
	if res.Blobs != 0 || res.Skipped != 2 {
		t.Errorf("second Copy = %d blobs, %d skipped; want 0 and 2", res.Blobs, res.Skipped)
	}
}

// TestCopyFormat: asked for another format, the manifest is converted
// (new digest), the blobs are the same.
func TestCopyFormat(t *testing.T) {
	ociFmt, dockerFmt := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, ds := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	out := filepath.Join(t.TempDir(), "d")
	res := copyRefs(t, "dir:"+out, "oci:"+ociDir+":v1", &transport.CopyOptions{Format: dockerFmt})
	got, files := readBack(t, "dir:"+out)
	if got.Digest == ds["v1"].Digest || got.MediaType != dockerFmt.Describe().ManifestMediaType {
		t.Errorf("converted manifest %s %s, want a new Docker manifest", got.MediaType, got.Digest)
	}
	if !sameFiles(files, helloFiles) || res.Images[0].Descriptor.Digest != got.Digest {
		t.Errorf("converted image: files %v, committed %v", files, res.Images)
	}
}
