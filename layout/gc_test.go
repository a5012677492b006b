package layout_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// blobSet lists the files under blobs/ as digests, sorted.
func blobSet(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range listFiles(t, filepath.Join(dir, "blobs")) {
		alg, enc, _ := strings.Cut(f, "/")
		out = append(out, alg+":"+enc)
	}
	return out
}

// retagged writes three images under one tag: two of them, and their
// blobs, become garbage.
func retagged(t *testing.T) (string, *layout.Layout, []testImage) {
	t.Helper()
	dir, l := newLayout(t, layout.OCI)
	var imgs []testImage
	for i := range 3 {
		img := newTestImage(t, core.SHA256, map[string]string{"f": fmt.Sprint("image ", i)})
		if _, err := l.WriteImage(context.Background(), mustFormat(t, "oci"), img.manifest, img.blobs, &layout.WriteOptions{Tag: "v1"}); err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	return dir, l, imgs
}

// TestGCRetagged: after three writes under one tag, GC removes the two
// replaced images' manifests, configs and layers and nothing else (the
// files left are exactly the last image's three), a dry run first says
// so and removes nothing, the layout verifies, and oci-image-tool and
// umoci accept it.
func TestGCRetagged(t *testing.T) {
	ctx := context.Background()
	dir, l, _ := retagged(t)
	if n := len(blobSet(t, dir)); n != 9 {
		t.Fatalf("%d blobs before gc, want 9", n)
	}
	before := blobSet(t, dir)
	sizes := map[string]int64{}
	for _, b := range before {
		fi, err := os.Stat(filepath.Join(dir, "blobs", strings.Replace(b, ":", "/", 1)))
		if err != nil {
			t.Fatal(err)
		}
		sizes[b] = fi.Size()
	}
	dry, err := l.GC(ctx, &layout.GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := blobSet(t, dir); !slices.Equal(got, before) {
		t.Errorf("a dry run removed blobs: %d left of %d", len(got), len(before))
	}
	res, err := l.GC(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Removed) != 6 || len(res.Removed) != 6 || res.Kept != 3 || dry.Bytes != res.Bytes {
		t.Errorf("GC dry run removed %d (%d bytes), GC removed %d (%d bytes) kept %d; want 6, 6 and 3, same bytes", len(dry.Removed), dry.Bytes, len(res.Removed), res.Bytes, res.Kept)
	}
	after := blobSet(t, dir)
	var freed int64
	for _, b := range before {
		if !slices.Contains(after, b) {
			freed += sizes[b]
		}
	}
	if freed != res.Bytes {
		t.Errorf("GC reports %d bytes freed, the files removed held %d", res.Bytes, freed)
	}
	for _, d := range res.Removed {
		if slices.Contains(after, string(d)) {
			t.Errorf("%s reported removed but still there", d)
		}
	}
	if len(after) != 3 {
		t.Errorf("%d blobs after gc, want the last image's 3", len(after))
	}
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify after gc = %v", err)
	}
	if again, err := l.GC(ctx, nil); err != nil || len(again.Removed) != 0 {
		t.Errorf("a second GC removed %d, %v; want nothing", len(again.Removed), err)
	}
	if _, err := exec.LookPath("oci-image-tool"); err == nil {
		mustRun(t, "oci-image-tool", "validate", "--type", "image", "--ref", "name=v1", dir)
	}
	if _, err := exec.LookPath("umoci"); err == nil {
		mustRun(t, "umoci", "unpack", "--rootless", "--image", dir+":v1", filepath.Join(t.TempDir(), "bundle"))
	}
}

// TestGCKeepsWhatUmociKeeps runs umoci gc and GC on copies of the same
// layouts (retagged images; an index of two platforms with an image of
// it tagged alone; an artifact listed in index.json): every blob umoci
// keeps, GC keeps too.
func TestGCKeepsWhatUmociKeeps(t *testing.T) {
	needTool(t, "umoci")
	ctx := context.Background()
	dir, l, _ := retagged(t)
	// An index of two images, and an artifact with a subject.
	a := newTestImage(t, core.SHA256, map[string]string{"a": "amd64"})
	b := newTestImage(t, core.SHA256, map[string]string{"b": "arm64"})
	ixd, err := l.WriteIndex(ctx, mustFormat(t, "oci"), []layout.Member{
		{Manifest: a.manifest, Blobs: a.blobs, Platform: &core.Platform{OS: "linux", Architecture: "amd64"}},
		{Manifest: b.manifest, Blobs: b.blobs, Platform: &core.Platform{OS: "linux", Architecture: "arm64"}},
	}, &layout.WriteOptions{Tag: "multi"})
	if err != nil {
		t.Fatal(err)
	}
	art := artifact(t, l, ixd, "application/vnd.example.sig", "signature")
	if _, err := l.WriteDocuments(ctx, layout.Document{Descriptor: art, Bytes: mustRead(t, l, art)}, nil, &layout.WriteOptions{Tag: "sig"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	ours := filepath.Join(t.TempDir(), "ours")
	theirs := filepath.Join(t.TempDir(), "theirs")
	mustRun(t, "cp", "-a", dir, ours)
	mustRun(t, "cp", "-a", dir, theirs)
	mustRun(t, "umoci", "gc", "--layout", theirs)
	lo := mustOpen(t, ours)
	if _, err := lo.GC(ctx, nil); err != nil {
		t.Fatal(err)
	}
	kept := blobSet(t, ours)
	for _, b := range blobSet(t, theirs) {
		if !slices.Contains(kept, b) {
			t.Errorf("umoci gc keeps %s, GC removed it", b)
		}
	}
	if err := lo.Verify(ctx); err != nil {
		t.Errorf("Verify after gc = %v", err)
	}
}

// artifact stores an image-spec 1.1 artifact manifest (the empty
// config, one layer of content, subject) as a blob only, not in
// index.json, and returns its descriptor.
func artifact(t *testing.T, l *layout.Layout, subject core.Descriptor, artifactType, content string) core.Descriptor {
	t.Helper()
	ctx := context.Background()
	layer := core.DescriptorFromBytes("application/octet-stream", []byte(content))
	if err := l.PutBlob(ctx, layer, layout.FromBytes([]byte(content)), nil); err != nil {
		t.Fatal(err)
	}
	empty := core.DescriptorFromBytes("application/vnd.oci.empty.v1+json", []byte("{}"))
	if err := l.PutBlob(ctx, empty, nil, nil); err != nil {
		t.Fatal(err)
	}
	raw := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":%q,"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":%q,"size":2},"layers":[{"mediaType":"application/octet-stream","digest":%q,"size":%d}],"subject":{"mediaType":%q,"digest":%q,"size":%d}}`,
		artifactType, empty.Digest, layer.Digest, layer.Size, subject.MediaType, subject.Digest, subject.Size)
	d := core.DescriptorFromBytes("application/vnd.oci.image.manifest.v1+json", []byte(raw))
	if err := l.PutBlob(ctx, d, layout.FromBytes([]byte(raw)), nil); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestGCReferrers: referrers stored only as blobs are kept when their
// subject is kept, over every hop (a signature of a signature), with
// their content; those of an image that is not kept go with it.
func TestGCReferrers(t *testing.T) {
	ctx := context.Background()
	dir, l := newLayout(t, layout.OCI)
	f := mustFormat(t, "oci")
	keep := newTestImage(t, core.SHA256, map[string]string{"k": "kept"})
	kd, err := l.WriteImage(ctx, f, keep.manifest, keep.blobs, &layout.WriteOptions{Tag: "app"})
	if err != nil {
		t.Fatal(err)
	}
	sig := artifact(t, l, kd, "application/vnd.example.sig", "sig of app")
	sigsig := artifact(t, l, sig, "application/vnd.example.sig", "sig of the sig")
	old := newTestImage(t, core.SHA256, map[string]string{"o": "old"})
	od, err := l.WriteImage(ctx, f, old.manifest, old.blobs, &layout.WriteOptions{Tag: "old"})
	if err != nil {
		t.Fatal(err)
	}
	oldSig := artifact(t, l, od, "application/vnd.example.sig", "sig of old")
	if err := l.Untag(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	res, err := l.GC(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	left := blobSet(t, dir)
	for _, d := range []digest.Digest{kd.Digest, sig.Digest, sigsig.Digest, keep.manifest.Config.Digest, digest.FromString("sig of the sig"), digest.FromString("{}")} {
		if !slices.Contains(left, string(d)) {
			t.Errorf("GC removed %s, which a kept image's referrers need", d)
		}
	}
	for _, d := range []digest.Digest{od.Digest, oldSig.Digest, old.manifest.Config.Digest, digest.FromString("sig of old")} {
		if slices.Contains(left, string(d)) {
			t.Errorf("GC kept %s, of an image that is not kept", d)
		}
	}
	if res.Kept != len(left) {
		t.Errorf("GC says %d kept, %d are there", res.Kept, len(left))
	}
}

// TestGCRepeatedIndexLinear: an index listing one child index ten
// times, six levels deep (10^6 paths), is marked reading each document
// once.
func TestGCRepeatedIndexLinear(t *testing.T) {
	ctx := context.Background()
	_, l := newLayout(t, layout.OCI)
	img := newTestImage(t, core.SHA256, nil)
	md, err := l.WriteImage(ctx, mustFormat(t, "oci"), img.manifest, img.blobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	child := md
	for range 6 {
		entries := make([]string, 10)
		for i := range entries {
			entries[i] = fmt.Sprintf(`{"mediaType":%q,"digest":%q,"size":%d}`, child.MediaType, child.Digest, child.Size)
		}
		raw := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` + strings.Join(entries, ",") + `]}`)
		child = core.DescriptorFromBytes("application/vnd.oci.image.index.v1+json", raw)
		if err := l.PutBlob(ctx, child, layout.FromBytes(raw), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.WriteDocuments(ctx, layout.Document{Descriptor: child, Bytes: mustRead(t, l, child)}, nil, &layout.WriteOptions{Tag: "deep"}); err != nil {
		t.Fatal(err)
	}
	res, err := l.GC(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.DocumentsRead != 7 || res.Kept != 9 {
		t.Errorf("GC read %d documents and kept %d blobs, want 7 (six indexes, one manifest) and 9", res.DocumentsRead, res.Kept)
	}
}

func mustRead(t *testing.T, l *layout.Layout, d core.Descriptor) []byte {
	t.Helper()
	b, err := l.ReadDocument(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGCRefusals: a dir: layout, a damaged manifest (nothing removed).
func TestGCRefusals(t *testing.T) {
	ctx := context.Background()
	_, dl := newLayout(t, layout.Dir)
	if _, err := dl.GC(ctx, nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("GC of a dir: layout = %v, want ErrUnsupported", err)
	}
	dir, l, _ := retagged(t)
	top, err := l.Top(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "blobs", strings.Replace(string(top[0].Descriptor.Digest), ":", "/", 1))
	if err := os.WriteFile(p, []byte(`{"damaged":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	before := blobSet(t, dir)
	if _, err := l.GC(ctx, nil); err == nil || !strings.Contains(err.Error(), "nothing removed") {
		t.Errorf("GC with a damaged manifest = %v, want an error saying nothing was removed", err)
	}
	if got := blobSet(t, dir); !slices.Equal(got, before) {
		t.Errorf("GC with a damaged manifest removed %d blobs", len(before)-len(got))
	}
}

// TestGCBlobVanishes: a garbage blob removed by someone else between
// GC's mark and its sweep is no error: GC frees the others, does not
// count it, and the layout verifies.
func TestGCBlobVanishes(t *testing.T) {
	ctx := context.Background()
	dir, l, _ := retagged(t)
	dry, err := l.GC(ctx, &layout.GCOptions{DryRun: true})
	if err != nil || len(dry.Removed) == 0 {
		t.Fatalf("dry run: %v, %d to free", err, len(dry.Removed))
	}
	gone := dry.Removed[0]
	defer layout.SetGCBeforeSweep(func() {
		if err := os.Remove(filepath.Join(dir, "blobs", gone.Algorithm().String(), gone.Encoded())); err != nil {
			t.Errorf("removing %s: %v", gone, err)
		}
	})()
	res, err := l.GC(ctx, nil)
	if err != nil {
		t.Fatalf("GC with a blob gone meanwhile = %v", err)
	}
	if len(res.Removed) != len(dry.Removed)-1 || slices.ContainsFunc(res.Removed, func(d digest.Digest) bool { return d == gone }) {
		t.Errorf("GC removed %v, want the %d others than %s", res.Removed, len(dry.Removed)-1, gone)
	}
	if err := layout.Verify(ctx, dir); err != nil {
		t.Errorf("Verify after GC = %v", err)
	}
}
