package layout_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// TestAttachReferrers: an artifact attached to an image is one of its
// referrers (image-spec 1.1's shape: the empty config, artifactType,
// subject; oci-image-tool accepts it), as are the manifests of the
// tag-schema fallback index and cosign's legacy tags; a filter by
// artifact type keeps those of that type; GC keeps them all; a subject
// that is not there is an error.
func TestAttachReferrers(t *testing.T) {
	ctx := context.Background()
	dir, l := newLayout(t, layout.OCI)
	img := newTestImage(t, core.SHA256, nil)
	sd, err := l.WriteImage(ctx, mustFormat(t, "oci"), img.manifest, img.blobs, &layout.WriteOptions{Tag: "app"})
	if err != nil {
		t.Fatal(err)
	}
	sbom := []byte(`{"sbom":true}`)
	ad, err := l.Attach(ctx, layout.Selector{Tag: "app"}, "application/vnd.example.sbom+json", map[string]string{"k": "v"},
		[]layout.ArtifactFile{{Descriptor: core.DescriptorFromBytes("application/json", sbom), Source: layout.FromBytes(sbom), Title: "sbom.json"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := mustRead(t, l, ad)
	for _, want := range []string{`"artifactType":"application/vnd.example.sbom+json"`, `"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2`, `"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + string(sd.Digest) + `"`, `"org.opencontainers.image.title":"sbom.json"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("artifact manifest %s lacks %s", raw, want)
		}
	}
	if _, err := exec.LookPath("oci-image-tool"); err == nil {
		mustRun(t, "oci-image-tool", "validate", "--type", "manifest", filepath.Join(dir, "blobs", "sha256", ad.Digest.Encoded()))
	}

	// A signature in cosign's legacy tag, and a fallback index.
	sig := artifact(t, l, sd, "application/vnd.example.other", "cosign-ish")
	if _, err := l.WriteDocuments(ctx, layout.Document{Descriptor: sig, Bytes: mustRead(t, l, sig)}, nil, &layout.WriteOptions{Tag: "sha256-" + sd.Digest.Encoded() + ".sig"}); err != nil {
		t.Fatal(err)
	}
	other := artifact(t, l, sd, "application/vnd.example.fallback", "listed by the fallback index")
	ixRaw := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":%d,"artifactType":"application/vnd.example.fallback"}]}`, other.Digest, other.Size))
	ix := core.DescriptorFromBytes("application/vnd.oci.image.index.v1+json", ixRaw)
	if err := l.PutBlob(ctx, ix, layout.FromBytes(ixRaw), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WriteDocuments(ctx, layout.Document{Descriptor: ix, Bytes: ixRaw}, nil, &layout.WriteOptions{Tag: layout.ReferrersTag(sd.Digest)}); err != nil {
		t.Fatal(err)
	}

	refs, err := l.Referrers(ctx, sd.Digest, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range refs {
		got = append(got, r.Via+" "+string(r.Descriptor.Digest))
	}
	slices.Sort(got)
	want := []string{"cosign " + string(sig.Digest), "subject " + string(ad.Digest), "tag-schema " + string(other.Digest)}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Referrers = %v, want %v", got, want)
	}
	only, err := l.Referrers(ctx, sd.Digest, "application/vnd.example.sbom+json")
	if err != nil || len(only) != 1 || only[0].Descriptor.Digest != ad.Digest {
		t.Errorf("Referrers(sbom type) = %v, %v; want the attached sbom only", only, err)
	}
	if res, err := l.GC(ctx, nil); err != nil || len(res.Removed) != 0 {
		t.Errorf("GC = %d removed, %v; want every referrer and its content kept", len(res.Removed), err)
	}
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify = %v", err)
	}
	if _, err := l.Attach(ctx, layout.Selector{Tag: "nope"}, "application/vnd.example.x", nil, nil, nil); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Attach to a missing subject = %v, want ErrNotFound", err)
	}
}
