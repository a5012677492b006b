package transport_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
)

// unpack unpacks an OCI layout's image with umoci and returns the files
// of its root file system.
func unpack(t *testing.T, image string) map[string]string {
	t.Helper()
	need(t, "umoci")
	bundle := filepath.Join(t.TempDir(), "bundle")
	run(t, "umoci", "unpack", "--rootless", "--image", image, bundle)
	rootfs := filepath.Join(bundle, "rootfs")
	got := map[string]string{}
	filepath.WalkDir(rootfs, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(rootfs, p)
			got[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return got
}

// skopeoRaw returns the manifest skopeo reads from ref, and its sha256
// (computed here, not by this module: the independent oracle of a kept
// digest).
func skopeoRaw(t *testing.T, ref string) ([]byte, digest.Digest) {
	t.Helper()
	raw := run(t, "skopeo", "inspect", "--raw", ref)
	return []byte(raw), digest.FromString(raw)
}

// TestInteropSkopeoReadsOurArchives: what this package writes as
// oci-archive and docker-archive (which is also an oci-archive), skopeo
// copies to oci: and dir:, and umoci unpacks into the image's files; the
// manifest skopeo reads from our oci-archive is the source's, byte for
// byte.
func TestInteropSkopeoReadsOurArchives(t *testing.T) {
	need(t, "skopeo")
	ociFmt, _ := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, ds := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	dir := t.TempDir()
	oa, da := filepath.Join(dir, "a.tar"), filepath.Join(dir, "d.tar")
	copyRefs(t, "oci-archive:"+oa+":v1", "oci:"+ociDir+":v1", nil)
	copyRefs(t, "docker-archive:"+da+":example.com/app:v1", "oci:"+ociDir+":v1", nil)

	if _, d := skopeoRaw(t, "oci-archive:"+oa+":v1"); d != ds["v1"].Digest {
		t.Errorf("skopeo reads manifest %s from our oci-archive, the source's is %s", d, ds["v1"].Digest)
	}
	for _, ref := range []string{"oci-archive:" + oa + ":v1", "docker-archive:" + da, "docker-archive:" + da + ":example.com/app:v1", "docker-archive:" + da + ":@0", "oci-archive:" + da + ":v1"} {
		t.Run(ref, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "oci")
			run(t, "skopeo", "--insecure-policy", "copy", ref, "oci:"+out+":t")
			if got := unpack(t, out+":t"); !sameFiles(got, helloFiles) {
				t.Errorf("umoci unpacked %v from skopeo's copy of %s, want %v", got, ref, helloFiles)
			}
			d := filepath.Join(t.TempDir(), "dir")
			run(t, "skopeo", "--insecure-policy", "copy", ref, "dir:"+d)
			if err := layout.Verify(ctx, d); err != nil {
				t.Errorf("Verify of skopeo's dir: copy of %s = %v", ref, err)
			}
		})
	}
}

// TestInteropWeReadSkopeosArchives: what skopeo writes as oci-archive
// and docker-archive, this package reads, verifies and copies to a
// layout umoci unpacks; the oci-archive's manifest digest is the one
// skopeo wrote.
func TestInteropWeReadSkopeosArchives(t *testing.T) {
	need(t, "skopeo")
	ociFmt, _ := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, _ := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	dir := t.TempDir()
	for _, tt := range []struct{ name, dst, src string }{
		{"oci-archive", "oci-archive:" + filepath.Join(dir, "s.tar") + ":v1", "oci-archive:" + filepath.Join(dir, "s.tar") + ":v1"},
		{"docker-archive", "docker-archive:" + filepath.Join(dir, "s2.tar") + ":example.com/app:v1", "docker-archive:" + filepath.Join(dir, "s2.tar") + ":example.com/app:v1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			run(t, "skopeo", "--insecure-policy", "copy", "oci:"+ociDir+":v1", tt.dst)
			_, skopeoDigest := skopeoRaw(t, tt.src)
			out := filepath.Join(t.TempDir(), "oci")
			var opts *transport.CopyOptions
			if tt.name == "docker-archive" {
				opts = &transport.CopyOptions{Format: ociFmt} // umoci reads OCI manifests only
			}
			res := copyRefs(t, "oci:"+out+":t", tt.src, opts)
			if tt.name == "oci-archive" && res.Images[0].Descriptor.Digest != skopeoDigest {
				t.Errorf("copied manifest %s, skopeo wrote %s", res.Images[0].Descriptor.Digest, skopeoDigest)
			}
			if err := layout.Verify(ctx, out); err != nil {
				t.Errorf("Verify = %v", err)
			}
			if got := unpack(t, out+":t"); !sameFiles(got, helloFiles) {
				t.Errorf("umoci unpacked %v, want %v", got, helloFiles)
			}
			_, files := readBack(t, tt.src)
			if !sameFiles(files, helloFiles) {
				t.Errorf("read %v from skopeo's %s", files, tt.name)
			}
		})
	}
}

// docker25Archive builds an archive the way moby's image exporter
// (Docker 25 and later) lays it out: blobs/sha256/… for the config, the
// layers (tars, named by diffID) and the OCI manifest, index.json naming
// it (io.containerd.image.name and the tag as ref.name), oci-layout,
// manifest.json and repositories; tarred from its folder in name order.
func docker25Archive(t *testing.T, path string) (manifest digest.Digest) {
	t.Helper()
	img := newImage(t, "amd64", helloFiles)
	layer := img.tar
	config := img.config
	ld, cd := digest.FromBytes(layer), digest.FromBytes(config)
	m := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}`, cd, len(config), ld, len(layer))
	md := digest.FromString(m)
	index := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"io.containerd.image.name":"docker.io/library/box:v1","org.opencontainers.image.ref.name":"v1"}}]}`, md, len(m))
	dm := fmt.Sprintf(`[{"Config":"blobs/sha256/%s","RepoTags":["box:v1"],"Layers":["blobs/sha256/%s"]}]`+"\n", cd.Encoded(), ld.Encoded())
	repos := fmt.Sprintf(`{"box":{"v1":"%s"}}`+"\n", ld.Encoded())
	files := map[string][]byte{
		"blobs/sha256/" + cd.Encoded(): config,
		"blobs/sha256/" + ld.Encoded(): layer,
		"blobs/sha256/" + md.Encoded(): []byte(m),
		"index.json":                   []byte(index),
		"manifest.json":                []byte(dm),
		"oci-layout":                   []byte(`{"imageLayoutVersion": "1.0.0"}`),
		"repositories":                 []byte(repos),
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "blobs/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "blobs/sha256/", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[n])), Format: tar.FormatPAX})
		tw.Write(files[n])
	}
	tw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return md
}

// TestDocker25DualFormat: an archive laid out as Docker 25 writes it
// reads as docker-archive (with its RepoTags) and as oci-archive (with
// its tag), both giving the OCI manifest moby wrote, digest and all;
// skopeo reads the same manifest from it as an oci-archive.
func TestDocker25DualFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docker25.tar")
	md := docker25Archive(t, path)
	for _, tt := range []struct {
		ref   string
		names []string
	}{
		{"docker-archive:" + path, []string{"box:v1"}},
		{"docker-archive:" + path + ":docker.io/library/box:v1", []string{"box:v1"}},
		{"oci-archive:" + path + ":v1", []string{"v1"}},
		{path, []string{"box:v1"}},
	} {
		t.Run(tt.ref, func(t *testing.T) {
			s, err := parse(t, tt.ref).NewSource(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			imgs, err := s.Resolve(ctx)
			if err != nil || len(imgs) != 1 || imgs[0].Descriptor.Digest != md || !slices.Equal(imgs[0].Names, tt.names) {
				t.Fatalf("Resolve = %v, %v; want %s named %v", imgs, err, md, tt.names)
			}
			_, files := readBack(t, tt.ref)
			if !sameFiles(files, helloFiles) {
				t.Errorf("files %v, want %v", files, helloFiles)
			}
		})
	}
	if _, err := tryCopy("oci:"+filepath.Join(t.TempDir(), "o"), "docker-archive:"+path, nil); err != nil {
		t.Errorf("Copy from the dual format = %v", err)
	}
	if testing.Short() {
		return
	}
	need(t, "skopeo")
	if _, d := skopeoRaw(t, "oci-archive:"+path+":v1"); d != md {
		t.Errorf("skopeo reads %s from the dual archive as oci-archive, want %s", d, md)
	}
}

// TestOurDockerArchiveIsDual: what this package writes as docker-archive
// reads back as docker-archive and as oci-archive, one manifest, with
// layers stored as tars named by their diffIDs.
func TestOurDockerArchiveIsDual(t *testing.T) {
	ociFmt, _ := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, _ := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	path := filepath.Join(t.TempDir(), "d.tar")
	res := copyRefs(t, "docker-archive:"+path+":example.com/app:v1", "oci:"+ociDir+":v1", nil)
	asDocker, _ := readBack(t, "docker-archive:"+path)
	asOCI, _ := readBack(t, "oci-archive:"+path+":v1")
	if asDocker.Digest != asOCI.Digest || asDocker.Digest != res.Images[0].Descriptor.Digest {
		t.Errorf("as docker-archive %s, as oci-archive %s, committed %s: want one manifest", asDocker.Digest, asOCI.Digest, res.Images[0].Descriptor.Digest)
	}
	out := run(t, "tar", "-tf", path)
	diffID := digest.FromBytes(img.tar)
	for _, want := range []string{"blobs/sha256/" + diffID.Encoded(), "manifest.json", "repositories", "index.json", "oci-layout"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("tar -tf %s lacks %s:\n%s", path, want, out)
		}
	}
	if strings.Contains(out, img.manifest.Layers[0].Digest.Encoded()) {
		t.Errorf("the archive holds the gzip layer %s, which docker-archive stores as its tar", img.manifest.Layers[0].Digest)
	}
	// Written twice from the same image, the archive is the same bytes.
	path2 := filepath.Join(t.TempDir(), "d.tar")
	copyRefs(t, "docker-archive:"+path2+":example.com/app:v1", "oci:"+ociDir+":v1", nil)
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(path2)
	if !bytes.Equal(a, b) {
		t.Errorf("two writes of one image differ (%d and %d bytes)", len(a), len(b))
	}
}
