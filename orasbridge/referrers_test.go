package orasbridge_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/orasbridge"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"
)

// TestReferrersTag: distribution-spec's rule for the tag schema: the
// algorithm truncated to 32 characters, '-', the encoded part truncated
// to 64; a tag is at most 128 characters.
func TestReferrersTag(t *testing.T) {
	hex64, hex128 := strings.Repeat("0123456789abcdef", 4), strings.Repeat("0123456789abcdef", 8)
	long := strings.Repeat("x", 40)
	tests := []struct{ in, want string }{
		{"sha256:" + hex64, "sha256-" + hex64},
		{"sha512:" + hex128, "sha512-" + hex64},
		{"blake3:" + hex64, "blake3-" + hex64},
		{long + ":abc", strings.Repeat("x", 32) + "-abc"},
	}
	for _, tt := range tests {
		got := orasbridge.ReferrersTag(digest.Digest(tt.in))
		if got != tt.want || len(got) > 128 {
			t.Errorf("ReferrersTag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// referrer writes, in a new layout tagged "sig", a manifest of artifact
// type "application/vnd.example.sig" whose subject is subject.
func referrer(t *testing.T, subject core.Descriptor, seed uint64) (string, core.Descriptor) {
	t.Helper()
	mb := member(1<<10, seed, nil)
	mb.Manifest.ArtifactType = "application/vnd.example.sig"
	s := core.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}
	mb.Manifest.Subject = &s
	dir := filepath.Join(t.TempDir(), "sig")
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d, err := l.WriteImage(ctx, oci.Format, mb.Manifest, mb.Blobs, &layout.WriteOptions{Tag: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, d
}

// fallbackListed reads the registry's index at tag (a plain GET) and
// reports whether it lists d.
func fallbackListed(t *testing.T, repo, tag string, d core.Descriptor) bool {
	t.Helper()
	var ix ocispec.Index
	if err := json.Unmarshal(registryManifest(t, plainReg, repo, tag), &ix); err != nil {
		t.Fatal(err)
	}
	for _, m := range ix.Manifests {
		if m.Digest == d.Digest && m.ArtifactType == "application/vnd.example.sig" {
			return true
		}
	}
	return false
}

// TestReferrersFallback: this registry has no referrers API. A referrer
// of a sha256 image pushed through the transport is listed in the index
// at the tag schema's tag (oras-go writes it) and by Referrers. A
// referrer of a sha512 subject, whose tag oras-go builds too long (its
// own push fails), is pushed, indexed at ReferrersTag, and listed.
func TestReferrersFallback(t *testing.T) {
	r := needRegistry(t, false)
	dock := plainDocker()
	dir, md := imageOf(t, oci.Format, 1<<10, 10)
	base := "docker://" + r.Host + "/referred"
	if _, err := copyRefs(t, dock, "oci:"+dir+":v1", base+":v1", nil); err != nil {
		t.Fatal(err)
	}
	sig, sd := referrer(t, md, 11)
	if _, err := copyRefs(t, dock, "oci:"+sig+":sig", base+":sig", nil); err != nil {
		t.Fatal(err)
	}
	if !fallbackListed(t, "referred", "sha256-"+md.Digest.Encoded(), sd) {
		t.Errorf("the index at sha256-%s does not list %s", md.Digest.Encoded(), sd.Digest)
	}
	ref, _ := dock.Parse(base)
	got, err := ref.(orasbridge.DockerReference).Referrers(ctx, md, "")
	if err != nil || len(got) != 1 || got[0].Digest != sd.Digest {
		t.Errorf("Referrers(%s) = %v, %v; want %s", md.Digest, got, err, sd.Digest)
	}
	// Pulled with its referrers, the image comes with the signature.
	local := filepath.Join(t.TempDir(), "local")
	if _, err := copyRefs(t, dock, base+":v1", "oci:"+local+":v1", &transport.CopyOptions{Referrers: true}); err != nil {
		t.Fatalf("pull with Referrers: %v", err)
	}
	ll, err := layout.Open(local)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := ll.Referrers(ctx, md.Digest, "")
	ll.Close()
	if err != nil || len(refs) != 1 || refs[0].Descriptor.Digest != sd.Digest {
		t.Errorf("referrers of the pulled image = %v, %v; want %s", refs, err, sd.Digest)
	}
	// Pushed back with its referrers to another repository: the tag names
	// the image, the signature goes by digest, listed as a referrer.
	if _, err := copyRefs(t, dock, "oci:"+local+":v1", base+"2:v1", &transport.CopyOptions{Referrers: true}); err != nil {
		t.Fatalf("push with Referrers: %v", err)
	}
	ref2, _ := dock.Parse(base + "2")
	got, err = ref2.(orasbridge.DockerReference).Referrers(ctx, md, "")
	if err != nil || len(got) != 1 || got[0].Digest != sd.Digest {
		t.Errorf("referrers pushed along = %v, %v; want %s", got, err, sd.Digest)
	}
	if b := registryManifest(t, plainReg, "referred2", "v1"); core.DescriptorFromBytes(md.MediaType, b).Digest != md.Digest {
		t.Errorf("referred2:v1 is not the image: %s", b)
	}
	if tags, err := ref2.(orasbridge.DockerReference).Tags(ctx); err != nil || strings.Contains(strings.Join(tags, " "), "latest") {
		t.Errorf("tags after a push with referrers = %v, %v; want no latest", tags, err)
	}

	sub := core.Descriptor{MediaType: oci.MediaTypeManifest, Size: 1234, Digest: digest.Digest("sha512:" + strings.Repeat("ab", 64))}
	sig512, sd512 := referrer(t, sub, 12)
	if _, err := copyRefs(t, dock, "oci:"+sig512+":sig", base+":sig512", nil); err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, blobPath(sig512, sd512))
	repo, err := remote.NewRepository(r.Host + "/referred")
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	if err := repo.PushReference(ctx, sd512.OCI(), bytes.NewReader(raw), "oras-sig512"); err == nil {
		t.Log("oras-go pushed a referrer of a sha512 subject itself: its fallback tag may be fixed")
	} else {
		t.Logf("oras-go alone: %v", err)
	}
	tag := orasbridge.ReferrersTag(sub.Digest)
	if !fallbackListed(t, "referred", tag, sd512) {
		t.Errorf("the index at %s does not list %s", tag, sd512.Digest)
	}
	got, err = ref.(orasbridge.DockerReference).Referrers(ctx, sub, "application/vnd.example.sig")
	if err != nil || len(got) != 1 || got[0].Digest != sd512.Digest {
		t.Errorf("Referrers(%s) = %v, %v; want %s", sub.Digest, got, err, sd512.Digest)
	}
}
