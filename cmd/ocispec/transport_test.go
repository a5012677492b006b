package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// copyLine is what copy prints.
type copyLine struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Images      []struct {
		Names     []string `json:"names"`
		MediaType string   `json:"mediaType"`
		Digest    string   `json:"digest"`
		Size      int64    `json:"size"`
		Platform  string   `json:"platform"`
	} `json:"images"`
	Blobs   int `json:"blobs"`
	Linked  int `json:"linked"`
	Skipped int `json:"skipped"`
	Missing []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
		Platform  string `json:"platform"`
	} `json:"missing"`
}

func copyImage(t *testing.T, args ...string) copyLine {
	t.Helper()
	var line copyLine
	jsonLine(t, ok(t, append([]string{"copy"}, args...)...), &line)
	return line
}

// TestArchivesEndToEnd: pack writes an oci-archive and a docker-archive,
// inspect and verify read them (by reference and by path), copy moves
// their image into a layout and keeps the manifest's digest, which skopeo
// reads back from what we wrote.
func TestArchivesEndToEnd(t *testing.T) {
	dir := t.TempDir()
	oa := filepath.Join(dir, "hello.tar")
	da := filepath.Join(dir, "hello-docker.tar")
	packed := pack(t, exampleDir(), "oci-archive:"+oa+":v1")
	if packed.Layout != "oci-archive" || packed.Tag != "v1" {
		t.Errorf("pack to oci-archive = %+v", packed)
	}
	dpacked := pack(t, "--format", "docker", exampleDir(), "docker-archive:"+da+":example.com/hello:v1")
	if dpacked.Layout != "docker-archive" || dpacked.Format != "docker" {
		t.Errorf("pack to docker-archive = %+v", dpacked)
	}
	// tar itself lists what each holds.
	out, err := exec.Command("tar", "-tf", da).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"manifest.json", "index.json", "oci-layout", "repositories"} {
		if !slices.Contains(strings.Fields(string(out)), want) {
			t.Errorf("tar -tf %s lacks %s:\n%s", da, want, out)
		}
	}
	if mj, err := exec.Command("tar", "-xOf", da, "manifest.json").Output(); err != nil || !strings.Contains(string(mj), `"RepoTags":["example.com/hello:v1"]`) {
		t.Errorf("manifest.json of %s = %s, %v; want the RepoTag", da, mj, err)
	}
	for _, tt := range []struct{ ref, digest, tag string }{
		{"oci-archive:" + oa + ":v1", packed.Digest, "v1"},
		{oa, packed.Digest, "v1"},
		{"docker-archive:" + da, dpacked.Digest, "example.com/hello:v1"},
		{"docker-archive:" + da + ":@0", dpacked.Digest, "example.com/hello:v1"},
		{da, dpacked.Digest, "example.com/hello:v1"},
	} {
		got := inspect(t, tt.ref)
		if got.Digest != tt.digest {
			t.Errorf("inspect %s = %s, want %s", tt.ref, got.Digest, tt.digest)
		}
		if r := ok(t, "verify", tt.ref); !strings.Contains(r.stdout, ": ok") {
			t.Errorf("verify %s: %q", tt.ref, r.stdout)
		}
	}
	l := filepath.Join(dir, "layout")
	c := copyImage(t, "oci-archive:"+oa+":v1", "oci:"+l+":copied")
	if len(c.Images) != 1 || c.Images[0].Digest != packed.Digest || !slices.Equal(c.Images[0].Names, []string{"copied"}) || c.Images[0].Platform == "" {
		t.Errorf("copy = %+v, want the manifest %s tagged copied", c, packed.Digest)
	}
	ok(t, "verify", l)
	// A layout copied into another on one file system: linked.
	c = copyImage(t, "oci:"+l+":copied", "oci:"+filepath.Join(dir, "linked")+":v1")
	if c.Linked != c.Blobs || c.Blobs == 0 {
		t.Errorf("copy between folders = %+v, want every blob linked", c)
	}
	if _, err := exec.LookPath("skopeo"); err == nil {
		raw, err := exec.Command("skopeo", "inspect", "--raw", "oci-archive:"+oa+":v1").Output()
		if err != nil {
			t.Fatalf("skopeo inspect: %v", err)
		}
		sum := sha256.Sum256(raw)
		if got := "sha256:" + hex.EncodeToString(sum[:]); got != packed.Digest {
			t.Errorf("skopeo reads manifest %s from our oci-archive, pack said %s", got, packed.Digest)
		}
		if out, err := exec.Command("skopeo", "inspect", "docker-archive:"+da+":example.com/hello:v1").CombinedOutput(); err != nil || !strings.Contains(string(out), `"Architecture"`) {
			t.Errorf("skopeo inspect docker-archive:%s:example.com/hello:v1: %v\n%s", da, err, out)
		}
	}
	// convert reads an archive and writes one.
	var conv imageLine
	jsonLine(t, ok(t, "convert", "--to", "docker", "oci-archive:"+oa+":v1", "docker-archive:"+filepath.Join(dir, "conv.tar")+":example.com/conv:v1"), &conv)
	if conv.Layout != "docker-archive" || conv.Format != "docker" {
		t.Errorf("convert to docker-archive = %+v", conv)
	}
	ok(t, "verify", filepath.Join(dir, "conv.tar"))
	jsonLine(t, ok(t, "convert", "--to", "docker", da, "dir:"+filepath.Join(dir, "conv-dir")), &conv)
	ok(t, "verify", filepath.Join(dir, "conv-dir"))
}

// TestCopyCommand: --all with every tag, a source of two images without
// one named is an error listing both, --format converts, and a failed
// copy leaves nothing under DST.
func TestCopyCommand(t *testing.T) {
	dir := t.TempDir()
	l := filepath.Join(dir, "two")
	a := pack(t, "--tag", "example.com/a:v1", exampleDir(), l)
	b := pack(t, "--tag", "example.com/b:v2", "--annotation", "x=y", exampleDir(), l)
	fails(t, 1, []string{"2 images", "example.com/a:v1@" + a.Digest, "example.com/b:v2@" + b.Digest}, "copy", "oci:"+l, "oci-archive:"+filepath.Join(dir, "x.tar"))
	if _, err := os.Stat(filepath.Join(dir, "x.tar")); err == nil {
		t.Errorf("a failed copy left %s", filepath.Join(dir, "x.tar"))
	}
	all := copyImage(t, "--all", "oci:"+l, "docker-archive:"+filepath.Join(dir, "all.tar"))
	var names []string
	for _, img := range all.Images {
		names = append(names, img.Names...)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"example.com/a:v1", "example.com/b:v2"}) {
		t.Errorf("copy --all committed %v", names)
	}
	back := copyImage(t, "--all", filepath.Join(dir, "all.tar"), filepath.Join(dir, "back"))
	if len(back.Images) != 2 {
		t.Errorf("copy --all back = %+v", back)
	}
	conv := copyImage(t, "--format", "docker", "oci:"+l+":example.com/a:v1", "dir:"+filepath.Join(dir, "docker"))
	if conv.Images[0].MediaType != "application/vnd.docker.distribution.manifest.v2+json" || conv.Images[0].Digest == a.Digest {
		t.Errorf("copy --format docker = %+v", conv)
	}
	ok(t, "verify", filepath.Join(dir, "docker"))
}

// TestTransportErrors: spellings of other tools and unknown prefixes are
// usage errors that say what ocispec takes; a misspelt platform too.
func TestTransportErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"pack", exampleDir(), "oci-archiv:" + filepath.Join(dir, "x.tar")}, []string{"oci-archive:", "docker-archive:"}},
		{[]string{"pack", exampleDir(), "archive:x.tar"}, []string{"oci-archive:x.tar"}},
		{[]string{"inspect", "ocidir://" + dir}, []string{"oci:" + dir}},
		{[]string{"copy", "myimg:v1", "oci:" + filepath.Join(dir, "o")}, []string{"oci:myimg:v1"}},
		{[]string{"copy", "--platform", "lnux/amd64", exampleDir(), "oci:x"}, []string{`did you mean "linux"?`}},
		{[]string{"inspect", "--platform", "linux/amd46", exampleDir()}, []string{`did you mean "amd64"?`}},
		{[]string{"pack", "--layout", "dir", exampleDir(), "oci-archive:" + filepath.Join(dir, "x.tar")}, []string{"--layout applies to folders"}},
		{[]string{"copy", "docker-archive:" + filepath.Join(dir, "x.tar") + ":@x", "oci:o"}, []string{"@0, @1"}},
	} {
		fails(t, 2, tt.want, tt.args...)
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("ocispec %s left %d entries in %s", strings.Join(tt.args, " "), len(entries), dir)
		}
	}
}
