package transport_test

import (
	"errors"
	"path/filepath"
	"sort"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

// attach writes an artifact of one file referring to the image sel
// selects in the OCI layout dir.
func attach(t *testing.T, dir string, sel layout.Selector, artifactType, content, tag string) core.Descriptor {
	t.Helper()
	l, err := layout.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fd := core.DescriptorFromBytes("application/octet-stream", []byte(content))
	d, err := l.Attach(ctx, sel, artifactType, nil, []layout.ArtifactFile{{Descriptor: fd, Source: layout.FromBytes([]byte(content)), Title: "f"}}, &layout.WriteOptions{Tag: tag})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// referrerDigests lists the digests of subject's referrers in the layout.
func referrerDigests(t *testing.T, ref string, subject core.Descriptor) []string {
	t.Helper()
	dir := t.TempDir()
	if filepath.Ext(ref) == ".tar" {
		// An archive is read back through a layout it is copied into.
		copyRefs(t, "oci:"+filepath.Join(dir, "l"), "oci-archive:"+ref, &transport.CopyOptions{All: true})
		ref = filepath.Join(dir, "l")
	}
	l, err := layout.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rs, err := l.Referrers(ctx, subject.Digest, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Descriptor.Digest))
	}
	sort.Strings(out)
	return out
}

// TestCopyReferrers: with Referrers, a copy brings the image's
// referrers (a signature of the index, an attestation of the
// signature, a referrer of one platform's manifest) byte for byte, with
// their tags, into a layout and into an archive; without it, none; a
// copy that changes digests refuses to bring them.
func TestCopyReferrers(t *testing.T) {
	src, amd, _ := multiLayout(t)
	l, _ := layout.Open(src)
	top, _ := l.Find(ctx, layout.Selector{Tag: "multi"})
	amdImage, err := l.Image(ctx, layout.Selector{Tag: "multi", Platform: &amd.platform})
	l.Close()
	if err != nil || amdImage.Descriptor.Digest == top.Descriptor.Digest {
		t.Fatalf("the amd64 manifest of the index: %v", err)
	}
	amdEntry := amdImage
	sig := attach(t, src, layout.Selector{Tag: "multi"}, "application/vnd.example.signature", "signed", "multi-sig")
	att := attach(t, src, layout.Selector{Digest: sig.Digest}, "application/vnd.example.attestation", "attested", "")
	sbom := attach(t, src, layout.Selector{Digest: amdEntry.Descriptor.Digest}, "application/vnd.example.sbom", "sbom", "")
	attach(t, src, layout.Selector{Tag: "multi"}, "application/vnd.example.unrelated", "other image's", "")

	dst := filepath.Join(t.TempDir(), "dst")
	res := copyRefs(t, "oci:"+dst+":multi", "oci:"+src+":multi", &transport.CopyOptions{All: true, Referrers: true})
	if res.Referrers != 4 {
		t.Errorf("Copy brought %d referrers, want 4", res.Referrers)
	}
	if got := referrerDigests(t, dst, top.Descriptor); len(got) != 2 || !contains(got, string(sig.Digest)) {
		t.Errorf("referrers of the index in the copy = %v, want the signature and the unrelated artifact", got)
	}
	if got := referrerDigests(t, dst, sig); len(got) != 1 || got[0] != string(att.Digest) {
		t.Errorf("referrers of the signature in the copy = %v, want the attestation %s", got, att.Digest)
	}
	if got := referrerDigests(t, dst, amdEntry.Descriptor); len(got) != 1 || got[0] != string(sbom.Digest) {
		t.Errorf("referrers of the amd64 manifest in the copy = %v, want the SBOM %s", got, sbom.Digest)
	}
	dl, _ := layout.Open(dst)
	if _, err := dl.Find(ctx, layout.Selector{Tag: "multi-sig"}); err != nil {
		t.Errorf("the signature's tag is not in the copy: %v", err)
	}
	dl.Close()
	if err := layout.Verify(ctx, dst); err != nil {
		t.Errorf("Verify of the copy = %v", err)
	}

	archive := filepath.Join(t.TempDir(), "a.tar")
	copyRefs(t, "oci-archive:"+archive+":multi", "oci:"+src+":multi", &transport.CopyOptions{All: true, Referrers: true})
	if got := referrerDigests(t, archive, sig); len(got) != 1 || got[0] != string(att.Digest) {
		t.Errorf("referrers of the signature in the archive = %v", got)
	}

	plain := filepath.Join(t.TempDir(), "plain")
	copyRefs(t, "oci:"+plain+":multi", "oci:"+src+":multi", &transport.CopyOptions{All: true})
	if got := referrerDigests(t, plain, top.Descriptor); len(got) != 0 {
		t.Errorf("a copy without Referrers brought %v", got)
	}
	// Docker's format has no subject: converting the referrers to it is
	// refused, naming what cannot be said.
	_, docker := formats()
	if _, err := tryCopy("oci:"+filepath.Join(t.TempDir(), "x"), "oci:"+src+":multi", &transport.CopyOptions{All: true, Referrers: true, Format: docker}); !errors.Is(err, core.ErrNotConvertible) {
		t.Errorf("Copy with Referrers to Docker's format = %v, want core.ErrNotConvertible", err)
	}
}

// TestCopyReferrersRewritten: a copy that changes the image's digest (a
// conversion from Docker's format to OCI's, a rewrite in sha512) brings
// its referrers along with their subjects naming the new digest, so
// that they stay attached to it.
func TestCopyReferrersRewritten(t *testing.T) {
	ociFmt, docker := formats()
	img := newImage(t, "amd64", helloFiles)
	src, _ := ociLayout(t, docker, map[string]testImage{"v1": img})
	sbom := attach(t, src, layout.Selector{Tag: "v1"}, "application/vnd.example.sbom", "sbom", "")
	for _, tc := range []struct {
		name string
		opts transport.CopyOptions
	}{
		{"to OCI", transport.CopyOptions{Format: ociFmt, Referrers: true}},
		{"to sha512", transport.CopyOptions{Algorithm: "sha512", Referrers: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "dst")
			res := copyRefs(t, "oci:"+dst+":v1", "oci:"+src+":v1", &tc.opts)
			if res.Referrers != 1 {
				t.Fatalf("Copy brought %d referrers, want 1", res.Referrers)
			}
			l, err := layout.Open(dst)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			top, err := l.Find(ctx, layout.Selector{Tag: "v1"})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := l.Referrers(ctx, top.Descriptor.Digest, "")
			if err != nil || len(rs) != 1 || rs[0].Descriptor.ArtifactType != "application/vnd.example.sbom" {
				t.Fatalf("referrers of the new image %s = %+v, %v; want the SBOM", top.Descriptor.Digest, rs, err)
			}
			if rs[0].Descriptor.Digest == sbom.Digest {
				t.Errorf("the SBOM kept its digest %s though its subject changed", sbom.Digest)
			}
			if err := layout.Verify(ctx, dst); err != nil {
				t.Errorf("Verify = %v", err)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
