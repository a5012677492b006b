package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

type lsLine struct {
	Layout  string `json:"layout"`
	Kind    string `json:"kind"`
	Entries []struct {
		Tag          string `json:"tag"`
		Digest       string `json:"digest"`
		MediaType    string `json:"mediaType"`
		Size         int64  `json:"size"`
		ImageSize    int64  `json:"imageSize"`
		Platform     string `json:"platform"`
		ArtifactType string `json:"artifactType"`
		Index        bool   `json:"index"`
		Parent       string `json:"parent"`
		Depth        int    `json:"depth"`
		Error        string `json:"error"`
	} `json:"entries"`
}

type gcLine struct {
	Layout    string   `json:"layout"`
	DryRun    bool     `json:"dryRun"`
	Blobs     int      `json:"blobs"`
	Bytes     int64    `json:"bytes"`
	Kept      int      `json:"kept"`
	Removed   []string `json:"removed"`
	Leftovers []struct {
		Path string `json:"path"`
		Size int64  `json:"size"`
	} `json:"leftovers"`
}

func lsTags(t *testing.T, ref string) map[string]string {
	t.Helper()
	var ls lsLine
	jsonLine(t, ok(t, "ls", "--json", ref), &ls)
	out := map[string]string{}
	for _, e := range ls.Entries {
		if e.Depth == 0 {
			out[e.Tag] = e.Digest
		}
	}
	return out
}

// umociTags is what umoci ls says the layout's tags are.
func umociTags(t *testing.T, dir string) []string {
	t.Helper()
	out, err := exec.Command("umoci", "ls", "--layout", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("umoci ls: %v\n%s", err, out)
	}
	tags := strings.Fields(string(out))
	slices.Sort(tags)
	return tags
}

// TestLsTagRm: ls lists what pack wrote (digests as pack printed them,
// sizes as the files are), tag adds a tag umoci sees on the same
// digest, rm removes it; bad tags are usage errors; rm of what is not
// there fails naming what is.
func TestLsTagRm(t *testing.T) {
	need(t, "umoci")
	dir := filepath.Join(t.TempDir(), "img")
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "a"), "one")
	v1 := pack(t, "--tag", "v1", src, dir)
	writeFile(t, filepath.Join(src, "a"), "two")
	v2 := pack(t, "--tag", "v2", src, dir)

	var ls lsLine
	jsonLine(t, ok(t, "ls", "--json", dir), &ls)
	if len(ls.Entries) != 2 || ls.Kind != "oci" {
		t.Fatalf("ls = %+v, want 2 entries of an oci layout", ls)
	}
	for i, want := range []imageLine{v1, v2} {
		e := ls.Entries[i]
		fi, err := os.Stat(filepath.Join(dir, "blobs", strings.Replace(want.Digest, ":", "/", 1)))
		if err != nil {
			t.Fatal(err)
		}
		if e.Tag != want.Tag || e.Digest != want.Digest || e.Size != fi.Size() || e.Platform == "" {
			t.Errorf("ls entry %d = %+v, want tag %s, digest %s, size %d, a platform", i, e, want.Tag, want.Digest, fi.Size())
		}
	}
	if got := lsTags(t, "oci:"+dir+":v2"); len(got) != 1 || got["v2"] != v2.Digest {
		t.Errorf("ls oci:DIR:v2 = %v, want v2 only", got)
	}
	text := ok(t, "ls", dir).stdout
	if !strings.Contains(text, v1.Digest) || !strings.HasPrefix(text, "TAG") {
		t.Errorf("ls prints:\n%s\nwant a table with %s", text, v1.Digest)
	}

	ok(t, "tag", "oci:"+dir+":v1", "latest")
	if got := lsTags(t, dir); got["latest"] != v1.Digest || got["v1"] != v1.Digest {
		t.Errorf("after tag: %v, want latest on %s", got, v1.Digest)
	}
	if got := umociTags(t, dir); !slices.Equal(got, []string{"latest", "v1", "v2"}) {
		t.Errorf("umoci ls = %v, want latest v1 v2", got)
	}
	fails(t, 2, []string{"invalid tag", "'/'"}, "tag", "oci:"+dir+":v1", "a/b")
	fails(t, 2, []string{"invalid tag", "200 characters"}, "tag", "oci:"+dir+":v1", strings.Repeat("x", 200))
	fails(t, 1, []string{"not found", "v9"}, "tag", "oci:"+dir+":v9", "other")

	ok(t, "rm", "oci:"+dir+":latest")
	fails(t, 1, []string{"not found", "latest", "v1@" + v1.Digest}, "rm", "oci:"+dir+":latest")
	fails(t, 2, []string{"names no tag or digest"}, "rm", dir)
	ok(t, "rm", "oci:"+dir+":@"+v2.Digest)
	if got := umociTags(t, dir); !slices.Equal(got, []string{"v1"}) {
		t.Errorf("umoci ls after rm = %v, want v1", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", strings.Replace(v2.Digest, ":", "/", 1))); err != nil {
		t.Errorf("rm removed the manifest's blob: %v (blobs stay until gc)", err)
	}
	fails(t, 1, []string{"not an image layout"}, "ls", src)
	fails(t, 1, []string{"not an image layout"}, "gc", src)
}

// TestGCCommand: gc frees what a moved tag left (a dry run first says
// the same and removes nothing), sweeps a dead writer's temporary file
// that verify named, and umoci and oci-image-tool accept the layout
// after.
func TestGCCommand(t *testing.T) {
	need(t, "umoci")
	need(t, "oci-image-tool")
	dir := filepath.Join(t.TempDir(), "img")
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "a"), "one")
	old := pack(t, "--tag", "v1", src, dir)
	writeFile(t, filepath.Join(src, "a"), "two")
	pack(t, "--tag", "v1", src, dir)
	// What a writer killed mid-blob leaves: a temporary file nobody owns.
	tmp := filepath.Join(dir, ".ocispec-tmp-00112233445566ff")
	writeFile(t, tmp, "12345")
	r := ok(t, "verify", dir)
	if !strings.Contains(r.stderr, tmp+" (5 bytes)") {
		t.Errorf("verify does not name the leftover with its size:\n%s", r.stderr)
	}

	var dry, res gcLine
	jsonLine(t, ok(t, "gc", "--dry-run", "--json", dir), &dry)
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("gc --dry-run removed the leftover")
	}
	jsonLine(t, ok(t, "gc", "--json", dir), &res)
	if dry.Blobs != 3 || res.Blobs != 3 || dry.Bytes != res.Bytes || !slices.Contains(res.Removed, old.Digest) {
		t.Errorf("gc --dry-run = %+v, gc = %+v; want the old image's 3 blobs (its manifest %s) both times", dry, res, old.Digest)
	}
	if len(res.Leftovers) != 1 || res.Leftovers[0].Path != tmp || res.Leftovers[0].Size != 5 {
		t.Errorf("gc leftovers = %+v, want %s of 5 bytes", res.Leftovers, tmp)
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Errorf("gc left the leftover")
	}
	ok(t, "verify", dir)
	if out, err := exec.Command("oci-image-tool", "validate", "--type", "image", "--ref", "name=v1", dir).CombinedOutput(); err != nil {
		t.Errorf("oci-image-tool validate after gc: %v\n%s", err, out)
	}
	if out, err := exec.Command("umoci", "unpack", "--rootless", "--image", dir+":v1", filepath.Join(t.TempDir(), "b")).CombinedOutput(); err != nil {
		t.Errorf("umoci unpack after gc: %v\n%s", err, out)
	}
	text := ok(t, "gc", dir).stdout
	if !strings.Contains(text, "freed 0 blobs, 0 bytes; kept 3") {
		t.Errorf("a second gc prints %q, want it to free nothing", text)
	}
}

// TestGCBesidePacks runs packs in other processes into one layout while
// gc runs over and over: every pack succeeds, every tag is there with
// the digest pack printed, and the layout verifies.
func TestGCBesidePacks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "img")
	base := filepath.Join(t.TempDir(), "base")
	writeFile(t, filepath.Join(base, "f"), "base")
	pack(t, "--tag", "base", base, dir)
	const n = 8
	var wg sync.WaitGroup
	lines := make([]imageLine, n)
	errs := make([]string, n)
	done := make(chan struct{})
	for i := range n {
		src := filepath.Join(t.TempDir(), "src")
		writeFile(t, filepath.Join(src, "f"), fmt.Sprint("image ", i))
		writeFile(t, filepath.Join(src, "big"), strings.Repeat(fmt.Sprint(i), 1<<20))
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := run(t, "pack", "--tag", fmt.Sprint("t", i), src, dir)
			if r.code != 0 {
				errs[i] = r.stderr
				return
			}
			var line imageLine
			jsonLine(t, r, &line)
			lines[i] = line
		}()
	}
	gcs := 0
	var gcErr string
	go func() {
		wg.Wait()
		close(done)
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		r := run(t, "gc", dir)
		if r.code != 0 {
			gcErr = r.stderr
			break
		}
		gcs++
	}
	if gcErr != "" {
		t.Fatalf("gc beside packs failed: %s", gcErr)
	}
	for i, e := range errs {
		if e != "" {
			t.Errorf("pack %d beside gc failed: %s", i, e)
		}
	}
	tags := lsTags(t, dir)
	for i, l := range lines {
		if tags[fmt.Sprint("t", i)] != l.Digest {
			t.Errorf("tag t%d = %q, want %s as pack printed", i, tags[fmt.Sprint("t", i)], l.Digest)
		}
	}
	ok(t, "verify", dir)
	t.Logf("%d gc runs beside %d packs", gcs, n)
}

type referrersLine struct {
	Subject   string `json:"subject"`
	Referrers []struct {
		Digest       string            `json:"digest"`
		MediaType    string            `json:"mediaType"`
		Size         int64             `json:"size"`
		ArtifactType string            `json:"artifactType"`
		Annotations  map[string]string `json:"annotations"`
		Tag          string            `json:"tag"`
		Via          string            `json:"via"`
	} `json:"referrers"`
}

type attachLine struct {
	Path         string `json:"path"`
	MediaType    string `json:"mediaType"`
	ArtifactType string `json:"artifactType"`
	Digest       string `json:"digest"`
	Size         int64  `json:"size"`
	Subject      string `json:"subject"`
	Tag          string `json:"tag"`
}

// TestAttachReferrersCommand: an attached artifact is listed by
// referrers (filtered by type), oci-image-tool accepts its manifest,
// gc keeps it, and bad input is refused clearly.
func TestAttachReferrersCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "img")
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "a"), "one")
	img := pack(t, "--tag", "v1", src, dir)
	file := filepath.Join(t.TempDir(), "sbom.json")
	writeFile(t, file, `{"spdx":true}`)
	var at attachLine
	jsonLine(t, ok(t, "attach", "--subject", "oci:"+dir+":v1", "--artifact-type", "application/spdx+json", "--annotation", "k=v", file), &at)
	if at.Subject != img.Digest || at.ArtifactType != "application/spdx+json" {
		t.Errorf("attach = %+v, want subject %s", at, img.Digest)
	}
	if _, err := exec.LookPath("oci-image-tool"); err == nil {
		p := filepath.Join(dir, "blobs", strings.Replace(at.Digest, ":", "/", 1))
		if out, err := exec.Command("oci-image-tool", "validate", "--type", "manifest", p).CombinedOutput(); err != nil {
			t.Errorf("oci-image-tool validate of the artifact: %v\n%s", err, out)
		}
	}
	var refs referrersLine
	jsonLine(t, ok(t, "referrers", "--json", "oci:"+dir+":v1"), &refs)
	if len(refs.Referrers) != 1 || refs.Referrers[0].Digest != at.Digest || refs.Referrers[0].Annotations["k"] != "v" || refs.Subject != img.Digest {
		t.Errorf("referrers = %+v, want the artifact %s", refs, at.Digest)
	}
	jsonLine(t, ok(t, "referrers", "--json", "--artifact-type", "application/other", "oci:"+dir+":@"+img.Digest), &refs)
	if len(refs.Referrers) != 0 {
		t.Errorf("referrers of another type = %+v, want none", refs)
	}
	var gc gcLine
	jsonLine(t, ok(t, "gc", "--json", dir), &gc)
	if gc.Blobs != 0 {
		t.Errorf("gc removed %v, want the artifact and its content kept", gc.Removed)
	}
	ok(t, "verify", dir)
	fails(t, 1, []string{"not found", "nope"}, "attach", "--subject", "oci:"+dir+":nope", "--artifact-type", "application/x", file)
	fails(t, 2, []string{"--artifact-type"}, "attach", "--subject", "oci:"+dir+":v1", file)
	fails(t, 2, []string{"--subject"}, "attach", "--artifact-type", "application/x", file)
	fails(t, 1, []string{"not found"}, "referrers", "oci:"+dir+":nope")
}
