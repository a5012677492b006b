package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCopyAlgorithm: copy --algorithm rewrites a packed image in sha512
// and in blake3; every descriptor of the result names the new algorithm,
// and each blob's stored content has that digest by sha512sum and
// b3sum, which know nothing of ocispec; verify accepts the result, and
// the round trip back to sha256 gives the original manifest digest.
func TestCopyAlgorithm(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	packed := pack(t, exampleDir(), src)
	for _, tc := range []struct{ alg, tool string }{{"sha512", "sha512sum"}, {"blake3", "b3sum"}} {
		t.Run(tc.alg, func(t *testing.T) {
			tool := need(t, tc.tool)
			out := filepath.Join(dir, tc.alg)
			line := copyImage(t, "--algorithm", tc.alg, "oci:"+src, "oci:"+out+":v1")
			if !strings.HasPrefix(line.Images[0].Digest, tc.alg+":") {
				t.Fatalf("copy --algorithm %s wrote %s", tc.alg, line.Images[0].Digest)
			}
			files, _ := filepath.Glob(filepath.Join(out, "blobs", "*", "*"))
			if len(files) != 3 {
				t.Errorf("the %s layout holds %d blobs, want 3 (config, layer, manifest): %v", tc.alg, len(files), files)
			}
			for _, f := range files {
				if fi, err := os.Stat(f); err != nil {
					t.Error(err)
				} else if fi.Mode().Perm()&0o044 != 0o044 {
					t.Errorf("blob %s has mode %v, want it readable by group and others", f, fi.Mode().Perm())
				}
				if filepath.Base(filepath.Dir(f)) != tc.alg {
					t.Errorf("blob %s is not under blobs/%s", f, tc.alg)
					continue
				}
				b, err := exec.Command(tool, f).Output()
				if err != nil {
					t.Fatal(err)
				}
				if sum := strings.Fields(string(b))[0]; sum != filepath.Base(f) {
					t.Errorf("%s of %s = %s: the blob is not stored under its digest", tc.tool, f, sum)
				}
			}
			var m struct {
				Config struct{ Digest string }   `json:"config"`
				Layers []struct{ Digest string } `json:"layers"`
			}
			raw, _ := os.ReadFile(filepath.Join(out, "blobs", tc.alg, strings.TrimPrefix(line.Images[0].Digest, tc.alg+":")))
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			for _, d := range append([]string{m.Config.Digest}, m.Layers[0].Digest) {
				if !strings.HasPrefix(d, tc.alg+":") {
					t.Errorf("the manifest names %s, not a %s digest", d, tc.alg)
				}
			}
			ok(t, "verify", out)
			back := copyImage(t, "--algorithm", "sha256", "oci:"+out+":v1", "oci:"+filepath.Join(dir, tc.alg+"-back")+":v1")
			if back.Images[0].Digest != packed.Digest {
				t.Errorf("sha256 → %s → sha256 gives %s, want the packed %s", tc.alg, back.Images[0].Digest, packed.Digest)
			}
		})
	}
	fails(t, 2, []string{"md5", "blake3, sha256, sha512"}, "copy", "--algorithm", "md5", "oci:"+src, filepath.Join(dir, "x"))
	fails(t, 2, []string{"--ignore-referrers", "--algorithm"}, "copy", "--ignore-referrers", "oci:"+src, filepath.Join(dir, "x"))
}

// TestCopyReferrersCommand: copy --referrers brings an image's attached
// artifact along, byte for byte under its digest, where referrers finds
// it; without the flag the copy has none; a rewrite in another algorithm
// refuses the signed image unless --ignore-referrers.
func TestCopyReferrersCommand(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	pack(t, "--tag", "v1", exampleDir(), src)
	file := filepath.Join(dir, "sbom.json")
	writeFile(t, file, `{"spdxVersion":"SPDX-2.3"}`)
	var at attachLine
	jsonLine(t, ok(t, "attach", "--subject", "oci:"+src+":v1", "--artifact-type", "application/spdx+json", file), &at)

	with, without := filepath.Join(dir, "with"), filepath.Join(dir, "without")
	copyImage(t, "--referrers", "oci:"+src+":v1", "oci:"+with+":v1")
	copyImage(t, "oci:"+src+":v1", "oci:"+without+":v1")
	var refs referrersLine
	jsonLine(t, ok(t, "referrers", "--json", "oci:"+with+":v1"), &refs)
	if len(refs.Referrers) != 1 || refs.Referrers[0].Digest != at.Digest {
		t.Errorf("referrers of the copy = %+v, want the artifact %s", refs.Referrers, at.Digest)
	}
	enc := strings.TrimPrefix(at.Digest, "sha256:")
	a, _ := os.ReadFile(filepath.Join(src, "blobs", "sha256", enc))
	b, err := os.ReadFile(filepath.Join(with, "blobs", "sha256", enc))
	if err != nil || string(a) != string(b) {
		t.Errorf("the artifact manifest in the copy differs from the source's: %v", err)
	}
	jsonLine(t, ok(t, "referrers", "--json", "oci:"+without+":v1"), &refs)
	if len(refs.Referrers) != 0 {
		t.Errorf("a copy without --referrers has referrers %+v", refs.Referrers)
	}
	ok(t, "verify", with)

	fails(t, 1, []string{"referrers", at.Digest}, "copy", "--algorithm", "sha512", "oci:"+src+":v1", "oci:"+filepath.Join(dir, "512")+":v1")
	copyImage(t, "--algorithm", "sha512", "--ignore-referrers", "oci:"+src+":v1", "oci:"+filepath.Join(dir, "512")+":v1")

	// Brought along by a rewrite: the SBOM's subject names the new digest.
	line := copyImage(t, "--algorithm", "sha512", "--referrers", "oci:"+src+":v1", "oci:"+filepath.Join(dir, "512r")+":v1")
	jsonLine(t, ok(t, "referrers", "--json", "oci:"+filepath.Join(dir, "512r")+":v1"), &refs)
	if len(refs.Referrers) != 1 || refs.Referrers[0].ArtifactType != "application/spdx+json" || !strings.HasPrefix(refs.Subject, "sha512:") || refs.Subject != line.Images[0].Digest {
		t.Errorf("referrers of the sha512 copy = %+v, want the SBOM attached to %s", refs, line.Images[0].Digest)
	}
	// And by a conversion: a Docker image's SBOM follows it to OCI's
	// format; Docker's format cannot say what an artifact is.
	docker := filepath.Join(dir, "docker")
	pack(t, "--format", "docker", "--layout", "oci", "--tag", "v1", exampleDir(), docker)
	ok(t, "attach", "--subject", "oci:"+docker+":v1", "--artifact-type", "application/spdx+json", file)
	converted := filepath.Join(dir, "converted")
	ok(t, "convert", "--to", "oci", "--referrers", "oci:"+docker+":v1", "oci:"+converted+":v1")
	jsonLine(t, ok(t, "referrers", "--json", "oci:"+converted+":v1"), &refs)
	if len(refs.Referrers) != 1 || refs.Referrers[0].ArtifactType != "application/spdx+json" {
		t.Errorf("referrers of the converted image = %+v, want the SBOM", refs)
	}
	fails(t, 1, []string{"not expressible", "docker has no artifactType"}, "convert", "--to", "docker", "--referrers", "oci:"+src+":v1", "oci:"+filepath.Join(dir, "todocker")+":v1")
}
