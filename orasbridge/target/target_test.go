package target_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/orasbridge/target"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"
	"oras.land/oras-go/v2/errdef"
)

var ctx = context.Background()

// image writes a small image in a new OCI layout, tagged v1, and returns
// the folder and the manifest's descriptor.
func image(t testing.TB) (string, core.Descriptor, core.Manifest) {
	t.Helper()
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	tw.WriteHeader(&tar.Header{Name: "etc/motd", Mode: 0o644, Size: 6, Typeflag: tar.TypeReg})
	tw.Write([]byte("hello\n"))
	tw.Close()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	config, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": []string{string(digest.FromBytes(plain.Bytes()))}}})
	cd := core.DescriptorFromBytes(core.KindConfig, config)
	ld := core.DescriptorFromBytes(core.KindTarGzip, gz.Bytes())
	m := core.Manifest{Config: cd, Layers: []core.Descriptor{ld}}
	dir := filepath.Join(t.TempDir(), "src")
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d, err := l.WriteImage(ctx, oci.Format, m, layout.Blobs{cd.Digest: layout.FromBytes(config), ld.Digest: layout.FromBytes(gz.Bytes())}, &layout.WriteOptions{Tag: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, d, m
}

// TestOrasCopy: oras.Copy between two of our targets (a layout into an
// oci-archive, the oci-archive into a dir: folder) keeps the manifest's
// digest, and what it wrote verifies.
func TestOrasCopy(t *testing.T) {
	dir, md, _ := image(t)
	tmp := t.TempDir()
	hops := []struct{ src, srcRef, dst, dstRef string }{
		{"oci:" + dir, "v1", "oci-archive:" + filepath.Join(tmp, "a.tar"), "copied"},
		{"oci-archive:" + filepath.Join(tmp, "a.tar"), "copied", "dir:" + filepath.Join(tmp, "d"), "latest"},
		{"oci-archive:" + filepath.Join(tmp, "a.tar"), string(md.Digest), "oci:" + filepath.Join(tmp, "o"), "again"},
	}
	for _, h := range hops {
		src, err := target.Open(ctx, h.src, nil)
		if err != nil {
			t.Fatal(err)
		}
		dst, err := target.Open(ctx, h.dst, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := oras.Copy(ctx, src, h.srcRef, dst, h.dstRef, oras.DefaultCopyOptions)
		src.Close()
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("oras.Copy(%s %s → %s %s) = %v", h.src, h.srcRef, h.dst, h.dstRef, err)
		}
		if got.Digest != md.Digest {
			t.Errorf("oras.Copy(%s → %s) copied %s, want %s", h.src, h.dst, got.Digest, md.Digest)
		}
	}
	for _, d := range []string{filepath.Join(tmp, "d"), filepath.Join(tmp, "o")} {
		if err := layout.Verify(ctx, d); err != nil {
			t.Errorf("Verify(%s) = %v", d, err)
		}
	}
}

// TestGraphStorage: Predecessors finds the manifest from its config and
// layer; Fetch, Exists and Resolve answer as oras-go's own memory store
// does for the same content, and errors are errdef's.
func TestGraphStorage(t *testing.T) {
	dir, md, m := image(t)
	src, err := target.Open(ctx, "oci:"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mem := memory.New()
	if _, err := oras.Copy(ctx, src, "v1", mem, "v1", oras.DefaultCopyOptions); err != nil {
		t.Fatal(err)
	}
	var store content.ReadOnlyGraphStorage = src
	for _, node := range []core.Descriptor{m.Config, m.Layers[0]} {
		node.MediaType = ""
		got, err := store.Predecessors(ctx, node.OCI())
		want, werr := mem.Predecessors(ctx, node.OCI())
		if err != nil || werr != nil {
			t.Fatalf("Predecessors = %v, %v", err, werr)
		}
		digests := func(ds []ocispec.Descriptor) []digest.Digest {
			var out []digest.Digest
			for _, d := range ds {
				out = append(out, d.Digest)
			}
			return out
		}
		if !slices.Equal(digests(got), digests(want)) || len(got) != 1 || got[0].Digest != md.Digest {
			t.Errorf("Predecessors(%s) = %v, oras-go's memory store says %v", node.Digest, digests(got), digests(want))
		}
	}
	d, err := src.Resolve(ctx, "v1")
	if err != nil || d.Digest != md.Digest {
		t.Errorf("Resolve(v1) = %v, %v", d, err)
	}
	if _, err := src.Resolve(ctx, "nope"); !errors.Is(err, errdef.ErrNotFound) {
		t.Errorf("Resolve(nope) = %v, want errdef.ErrNotFound", err)
	}
	missing := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: digest.FromString("absent"), Size: 6}
	if ok, err := src.Exists(ctx, missing); err != nil || ok {
		t.Errorf("Exists(absent) = %v, %v", ok, err)
	}
	if _, err := src.Fetch(ctx, missing); !errors.Is(err, errdef.ErrNotFound) && !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Fetch(absent) = %v, want errdef.ErrNotFound", err)
	}
	// A push of other bytes is refused as a mismatched digest.
	dst, err := target.Open(ctx, "oci:"+filepath.Join(t.TempDir(), "w"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	bad := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: digest.FromString("this"), Size: 4}
	if err := dst.Push(ctx, bad, bytes.NewReader([]byte("that"))); !errors.Is(err, content.ErrMismatchedDigest) {
		t.Errorf("Push of other bytes = %v, want content.ErrMismatchedDigest", err)
	}
}
