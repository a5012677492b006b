package transport_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
)

// sha512Tree walks an OCI layout by hand (encoding/json, crypto/sha512),
// from index.json through every descriptor, checking that each names a
// sha512 digest, that the blob stored under it has that sha512 and size,
// and returns the sha256 digests of the configs' and layers' contents.
func sha512Tree(t *testing.T, dir string) map[string]bool {
	t.Helper()
	contents := map[string]bool{}
	var walk func(d map[string]any, what string)
	read := func(d map[string]any, what string) []byte {
		dg, _ := d["digest"].(string)
		alg, enc, _ := strings.Cut(dg, ":")
		if alg != "sha512" {
			t.Fatalf("%s: digest %q is not sha512", what, dg)
		}
		b, err := os.ReadFile(filepath.Join(dir, "blobs", "sha512", enc))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		sum := sha512.Sum512(b)
		if hex.EncodeToString(sum[:]) != enc || float64(len(b)) != d["size"].(float64) {
			t.Fatalf("%s: blob %s does not have its descriptor's sha512 and size", what, dg)
		}
		return b
	}
	walk = func(d map[string]any, what string) {
		b := read(d, what)
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ms, ok := doc["manifests"].([]any); ok {
			for i, m := range ms {
				walk(m.(map[string]any), what+" > manifests["+string(rune('0'+i))+"]")
			}
			return
		}
		blobs := append([]any{doc["config"]}, doc["layers"].([]any)...)
		for _, x := range blobs {
			sum := sha256.Sum256(read(x.(map[string]any), what+" > blob"))
			contents["sha256:"+hex.EncodeToString(sum[:])] = true
		}
	}
	var index map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil || json.Unmarshal(b, &index) != nil {
		t.Fatalf("index.json: %v", err)
	}
	for _, m := range index["manifests"].([]any) {
		walk(m.(map[string]any), "index.json")
	}
	return contents
}

// TestCopyAlgorithm: a copy with Algorithm sha512 rewrites a whole
// two-platform tree (blobs, configs, manifests, index) in sha512, each
// blob with the content of its source, which an independent walk with
// crypto/sha512 confirms; the tree verifies, reads back into an archive,
// and sits beside the sha256 original in one layout (a mixed-algorithm
// layout, which image-spec allows) that verifies too.
func TestCopyAlgorithm(t *testing.T) {
	src, amd, arm := multiLayout(t)
	dst := filepath.Join(t.TempDir(), "dst")
	opts := &transport.CopyOptions{All: true, Algorithm: digest.SHA512}
	res := copyRefs(t, "oci:"+dst+":multi", "oci:"+src+":multi", opts)
	if len(res.Images) != 1 || core.AlgorithmOf(res.Images[0].Descriptor.Digest) != digest.SHA512 {
		t.Fatalf("Copy = %+v, want one image named by a sha512 digest", res.Images)
	}
	contents := sha512Tree(t, dst)
	for _, img := range []testImage{amd, arm} {
		for _, d := range append([]core.Descriptor{img.manifest.Config}, img.manifest.Layers...) {
			if !contents[string(d.Digest)] {
				t.Errorf("the sha512 tree lacks the content of %s", d.Digest)
			}
		}
	}
	if len(contents) != 4 {
		t.Errorf("the sha512 tree holds %d blobs, want the source's 4", len(contents))
	}
	s, _ := parse(t, "oci:"+dst).NewSource(ctx, nil)
	if err := transport.Verify(ctx, s, nil); err != nil {
		t.Errorf("Verify of the sha512 tree = %v", err)
	}
	s.Close()
	copyRefs(t, "oci-archive:"+dst+".tar:multi", "oci:"+dst+":multi", &transport.CopyOptions{All: true})

	// The sha256 original beside it: a layout of both algorithms.
	copyRefs(t, "oci:"+dst+":orig", "oci:"+src+":multi", &transport.CopyOptions{All: true})
	if err := layout.Verify(ctx, dst); err != nil {
		t.Errorf("Verify of a layout of sha256 and sha512 trees = %v", err)
	}
	// Back to sha256: the same digests as the original.
	back := copyRefs(t, "oci:"+filepath.Join(t.TempDir(), "back")+":multi", "oci:"+dst+":multi", &transport.CopyOptions{All: true, Algorithm: digest.SHA256})
	l, _ := layout.Open(src)
	orig, _ := l.Find(ctx, layout.Selector{Tag: "multi"})
	l.Close()
	if got := back.Images[0].Descriptor.Digest; got != orig.Descriptor.Digest {
		t.Errorf("sha256 → sha512 → sha256 gives index %s, want the original %s", got, orig.Descriptor.Digest)
	}
}

// TestCopyAlgorithmRefusals: an image with a referrer (a manifest whose
// subject it is) is not rewritten unless asked; a damaged source blob
// fails the copy and leaves no destination; an unknown algorithm is an
// error.
func TestCopyAlgorithmRefusals(t *testing.T) {
	src, amd, _ := multiLayout(t)
	ociFmt, _ := formats()
	l, err := layout.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	top, _ := l.Find(ctx, layout.Selector{Tag: "multi"})
	empty := core.DescriptorFromBytes("application/vnd.oci.empty.v1+json", []byte("{}"))
	sig := core.DescriptorFromBytes("application/vnd.example.signature", []byte("signed"))
	subject := top.Descriptor
	subject.Annotations, subject.Platform = nil, nil
	_, err = l.WriteImage(ctx, ociFmt, core.Manifest{ArtifactType: "application/vnd.example.signature", Config: empty, Layers: []core.Descriptor{sig}, Subject: &subject},
		layout.Blobs{empty.Digest: layout.FromBytes([]byte("{}")), sig.Digest: layout.FromBytes([]byte("signed"))}, &layout.WriteOptions{Tag: "sig"})
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	_, err = tryCopy("oci:"+dst+":multi", "oci:"+src+":multi", &transport.CopyOptions{All: true, Algorithm: digest.SHA512})
	if !errors.Is(err, transport.ErrReferrers) || !strings.Contains(err.Error(), string(top.Descriptor.Digest)) {
		t.Errorf("Copy of a signed image to sha512 = %v, want ErrReferrers naming it", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused copy left %s: %v", dst, err)
	}
	// An archive lists no referrers: its top-level manifests are read for
	// a subject.
	archive := filepath.Join(t.TempDir(), "signed.tar")
	copyRefs(t, "oci-archive:"+archive, "oci:"+src, &transport.CopyOptions{All: true})
	_, err = tryCopy("oci:"+dst+":multi", "oci-archive:"+archive+":multi", &transport.CopyOptions{All: true, Algorithm: digest.SHA512})
	if !errors.Is(err, transport.ErrReferrers) || !strings.Contains(err.Error(), string(top.Descriptor.Digest)) {
		t.Errorf("Copy of a signed image from an archive to sha512 = %v, want ErrReferrers naming it", err)
	}
	if _, err := tryCopy("oci:"+dst+":multi", "oci:"+src+":multi", &transport.CopyOptions{All: true, Algorithm: digest.SHA512, IgnoreReferrers: true}); err != nil {
		t.Errorf("Copy with IgnoreReferrers = %v", err)
	}

	layer := filepath.Join(src, "blobs", "sha256", amd.manifest.Layers[0].Digest.Encoded())
	b, _ := os.ReadFile(layer)
	b[len(b)/2] ^= 1
	os.WriteFile(layer, b, 0o644)
	bad := filepath.Join(t.TempDir(), "bad")
	if _, err := tryCopy("oci:"+bad+":multi", "oci:"+src+":multi", &transport.CopyOptions{All: true, Algorithm: digest.SHA512, IgnoreReferrers: true}); !errors.Is(err, core.ErrDigestMismatch) {
		t.Errorf("Copy to sha512 of a damaged layer = %v, want a digest mismatch", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(bad)); len(entries) != 0 {
		t.Errorf("a failed copy left %v beside its destination", entries)
	}
	if _, err := tryCopy("oci:"+bad, "oci:"+src+":multi", &transport.CopyOptions{All: true, Algorithm: "md5"}); err == nil {
		t.Errorf("Copy to md5 succeeded")
	}
}
