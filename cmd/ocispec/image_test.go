package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// configView is inspect --config --json's output.
type configView struct {
	Platform     string              `json:"platform"`
	Created      string              `json:"created"`
	Entrypoint   []string            `json:"entrypoint"`
	Cmd          []string            `json:"cmd"`
	Env          []string            `json:"env"`
	WorkingDir   string              `json:"workingDir"`
	User         string              `json:"user"`
	Labels       map[string]string   `json:"labels"`
	ExposedPorts map[string]struct{} `json:"exposedPorts"`
	Volumes      map[string]struct{} `json:"volumes"`
	StopSignal   string              `json:"stopSignal"`
	DiffIDs      []string            `json:"diffIDs"`
	History      []struct {
		Created   string `json:"created"`
		CreatedBy string `json:"created_by"`
	} `json:"history"`
}

func configOf(t *testing.T, ref string) configView {
	t.Helper()
	var v configView
	jsonLine(t, ok(t, "inspect", "--config", "--json", ref), &v)
	return v
}

// rootfsFiles lists the regular files umoci unpacks from image.
func rootfsFiles(t *testing.T, image string) ([]string, map[string]any) {
	t.Helper()
	umoci := need(t, "umoci")
	bundle := filepath.Join(t.TempDir(), "bundle")
	args := []string{"unpack", "--rootless", "--image", image, bundle}
	if b, err := exec.Command(umoci, args...).CombinedOutput(); err != nil {
		t.Fatalf("umoci %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	var files []string
	root := filepath.Join(bundle, "rootfs")
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	})
	slices.Sort(files)
	var rt map[string]any
	b, _ := os.ReadFile(filepath.Join(bundle, "config.json"))
	json.Unmarshal(b, &rt)
	return files, rt
}

// TestPackOnBase: pack --base puts a layer on a base; umoci unpacks the
// base's files plus the new ones, and runs the entrypoint given; the
// base's layer blob is reused, not rewritten (its file is the same
// inode when the output is the base's layout).
func TestPackOnBase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lay := filepath.Join(dir, "images")
	pack(t, "--tag", "base", exampleDir(), lay)
	base := inspect(t, "oci:"+lay+":base")
	baseBlob := filepath.Join(lay, "blobs", "sha256", strings.TrimPrefix(base.Layers[0].Digest, "sha256:"))
	before, err := os.Stat(baseBlob)
	if err != nil {
		t.Fatal(err)
	}
	add := filepath.Join(dir, "add")
	writeFile(t, filepath.Join(add, "app", "new.txt"), "new\n")

	line := pack(t, "--base", "oci:"+lay+":base", "--entrypoint", `["/bin/hello","--loud"]`, "--cmd", "world",
		"--env", "GREETING=hi", "--label", "org.example=yes", "--workdir", "/app", "--user", "1000",
		"--annotation", "org.opencontainers.image.version=2", add, "oci:"+lay+":app")
	app := inspect(t, "oci:"+lay+":app")
	if app.Digest != line.Digest || len(app.Layers) != 2 || app.Layers[0].Digest != base.Layers[0].Digest || app.Annotations["org.opencontainers.image.version"] != "2" {
		t.Errorf("pack --base: %+v", app)
	}
	after, err := os.Stat(baseBlob)
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("the base's layer blob was replaced (%v)", err)
	}
	c := configOf(t, "oci:"+lay+":app")
	if !slices.Equal(c.Entrypoint, []string{"/bin/hello", "--loud"}) || !slices.Equal(c.Cmd, []string{"world"}) ||
		!slices.Contains(c.Env, "GREETING=hi") || c.Labels["org.example"] != "yes" || c.WorkingDir != "/app" || c.User != "1000" ||
		len(c.DiffIDs) != 2 || len(c.History) != 1 || c.History[0].CreatedBy != "ocispec pack" {
		t.Errorf("config of the image on the base: %+v", c)
	}
	files, rt := rootfsFiles(t, lay+":app")
	if want := []string{"README.md", "app/new.txt", "bin/hello", "etc/hello/greeting.txt"}; !slices.Equal(files, want) {
		t.Errorf("umoci unpack: files %q, want %q (the base's and the new one)", files, want)
	}
	args, _ := json.Marshal(rt["process"].(map[string]any)["args"])
	if string(args) != `["/bin/hello","--loud","world"]` {
		t.Errorf("umoci's runtime args = %s", args)
	}
	ok(t, "verify", lay)

	// Into another layout: the base's blobs are copied, verified.
	other := filepath.Join(dir, "other")
	pack(t, "--base", "oci:"+lay+":base", add, other)
	ok(t, "verify", other)
	if skopeo := need(t, "skopeo"); skopeo != "" {
		if b, err := exec.Command(skopeo, "inspect", "oci:"+other+":latest").CombinedOutput(); err != nil {
			t.Errorf("skopeo inspect: %v\n%s", err, b)
		}
	}

	// Errors.
	fails(t, 1, []string{"--base", "nothing"}, "pack", "--base", filepath.Join(dir, "nothing"), add, filepath.Join(dir, "x"))
	fails(t, 2, []string{"--base and --config"}, "pack", "--base", lay, "--config", "c.json", add, filepath.Join(dir, "x"))
	fails(t, 2, []string{"--entrypoint", "JSON array"}, "pack", "--entrypoint", `["/bin/sh"`, add, filepath.Join(dir, "x"))
	fails(t, 2, []string{"--env", "KEY=VALUE"}, "pack", "--env", "NOVALUE", add, filepath.Join(dir, "x"))
}

// TestPackConfigFlagsKeepDigestsWithout: without config flags the
// config is as before; with them only the named fields change.
func TestPackConfigFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pack(t, "--tag", "v1", "--entrypoint", "/bin/hello", exampleDir(), filepath.Join(dir, "a"))
	c := configOf(t, "oci:"+filepath.Join(dir, "a")+":v1")
	if !slices.Equal(c.Entrypoint, []string{"/bin/hello"}) || len(c.DiffIDs) != 1 || c.DiffIDs[0] != helloDiffID {
		t.Errorf("config %+v", c)
	}
	plain := inspect(t, filepath.Join(dir, "a"))
	if plain.Config.Digest == helloConfig {
		t.Errorf("--entrypoint did not change the config")
	}
}

// TestMutate changes a config and annotations in place: only a new
// config and manifest appear in blobs/, umoci runs the new command, and
// the stored bytes inspect --raw prints are the manifest's.
func TestMutate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lay := filepath.Join(dir, "images")
	pack(t, exampleDir(), lay)
	blobs := func() int {
		es, err := os.ReadDir(filepath.Join(lay, "blobs", "sha256"))
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	n := blobs()
	var line imageLine
	jsonLine(t, ok(t, "mutate", "--entrypoint", `["/bin/hello"]`, "--env", "A=1", "--annotation", "k=v", "--tag", "v2", "oci:"+lay+":latest"), &line)
	if got := blobs(); got != n+2 {
		t.Errorf("%d blobs after mutate, %d before: want a config and a manifest more", got, n)
	}
	raw := ok(t, "inspect", "--raw", "oci:"+lay+":v2").stdout
	if sha256Of([]byte(raw)) != line.Digest {
		t.Errorf("inspect --raw hashes to %s, mutate said %s", sha256Of([]byte(raw)), line.Digest)
	}
	stored := mustRead(t, filepath.Join(lay, "blobs", "sha256", strings.TrimPrefix(line.Digest, "sha256:")))
	if raw != string(stored) {
		t.Errorf("inspect --raw = %q, stored %q", raw, stored)
	}
	in := inspect(t, "oci:"+lay+":v2")
	cfgRaw := ok(t, "inspect", "--config", "oci:"+lay+":v2").stdout
	if sha256Of([]byte(cfgRaw)) != in.Config.Digest {
		t.Errorf("inspect --config hashes to %s, the config is %s", sha256Of([]byte(cfgRaw)), in.Config.Digest)
	}
	_, rt := rootfsFiles(t, lay+":v2")
	args, _ := json.Marshal(rt["process"].(map[string]any)["args"])
	if string(args) != `["/bin/hello"]` {
		t.Errorf("umoci's runtime args = %s", args)
	}
	ok(t, "verify", lay)
	fails(t, 2, []string{"archive"}, "mutate", "--cmd", "x", "oci-archive:"+filepath.Join(dir, "a.tar"))
}

// TestIndex makes an index of two platforms, read by skopeo; two images
// of one platform are refused.
func TestIndex(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	amd := filepath.Join(dir, "amd")
	arm := filepath.Join(dir, "arm")
	pack(t, exampleDir(), amd)
	cfg := filepath.Join(dir, "arm.json")
	writeFile(t, cfg, `{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":["`+helloDiffID+`"]}}`)
	pack(t, "--config", cfg, exampleDir(), arm)
	for _, format := range []string{"oci", "docker"} {
		out := filepath.Join(dir, "multi-"+format)
		var line imageLine
		jsonLine(t, ok(t, "index", "--format", format, out, amd, "oci:"+arm+":latest"), &line)
		in := inspect(t, "--platform", "linux/arm64", out)
		if in.Index == nil || in.Index.Digest != line.Digest || in.Platform != "linux/arm64" {
			t.Errorf("%s index: %+v", format, in)
		}
		ok(t, "verify", out)
		if format == "docker" {
			continue // skopeo 1.9 does not look for Docker manifest lists in index.json (see the README)
		}
		skopeo := need(t, "skopeo")
		b, err := exec.Command(skopeo, "inspect", "--raw", "oci:"+out+":latest").Output()
		if err != nil || !strings.Contains(string(b), "arm64") || !strings.Contains(string(b), "amd64") {
			t.Errorf("skopeo inspect --raw: %v\n%s", err, b)
		}
	}
	fails(t, 2, []string{"both for linux/amd64"}, "index", filepath.Join(dir, "dup"), amd, amd)

	// Replacing one platform of an existing index: a new amd64 image.
	var m imageLine
	jsonLine(t, ok(t, "mutate", "--cmd", "again", "oci:"+amd+":latest"), &m)
	multi := filepath.Join(dir, "multi-oci")
	ok(t, "index", multi, amd)
	for arch, want := range map[string]string{"amd64": m.Digest, "arm64": inspect(t, arm).Digest} {
		in := inspect(t, "--platform", "linux/"+arch, multi)
		if in.Index == nil || in.Digest != want {
			t.Errorf("index after replacing amd64: linux/%s gives %s (index %v), want %s", arch, in.Digest, in.Index, want)
		}
	}
	ok(t, "verify", multi)
}

// TestPackPreserve: --preserve keeps modes that the reproducible mode
// normalises; GNU tar lists them.
func TestPackPreserve(t *testing.T) {
	t.Parallel()
	gnuTar := need(t, "tar")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "secret"), "s\n")
	if err := os.Chmod(filepath.Join(src, "secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		flags []string
		want  string
	}{
		{nil, "-rw-r--r--"},
		{[]string{"--preserve"}, "-rw-------"},
	} {
		out := filepath.Join(dir, "out"+strings.Join(tt.flags, ""))
		pack(t, append(tt.flags, src, out)...)
		in := inspect(t, out)
		blob := filepath.Join(out, "blobs", "sha256", strings.TrimPrefix(in.Layers[0].Digest, "sha256:"))
		b, err := exec.Command(gnuTar, "-tvzf", blob).Output()
		if err != nil {
			t.Fatalf("tar -tvzf: %v", err)
		}
		var line string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasSuffix(l, " secret") {
				line = l
			}
		}
		if !strings.HasPrefix(line, tt.want) {
			t.Errorf("pack %v: tar lists %q, want mode %s", tt.flags, line, tt.want)
		}
	}
}

// TestMutateConcurrent: mutate processes changing one layout at the
// same moment (and a pack writing into it) all succeed, each tag names
// the image its command printed, and the layout verifies: writers wait
// for the layout's lock, and none loses another's tag.
func TestMutateConcurrent(t *testing.T) {
	t.Parallel()
	lay := filepath.Join(t.TempDir(), "images")
	pack(t, exampleDir(), lay)
	const n = 6
	type out struct {
		tag  string
		line imageLine
		err  error
		res  result
	}
	results := make(chan out, n+1)
	for i := range n {
		go func() {
			tag := fmt.Sprintf("m%d", i)
			r := run(t, "mutate", "--label", fmt.Sprintf("n=%d", i), "--tag", tag, "oci:"+lay+":latest")
			o := out{tag: tag, res: r}
			if r.code == 0 {
				o.err = json.Unmarshal([]byte(lastLine(r.stdout)), &o.line)
			}
			results <- o
		}()
	}
	go func() {
		r := run(t, "pack", "--tag", "packed", exampleDir(), lay)
		o := out{tag: "packed", res: r}
		if r.code == 0 {
			o.err = json.Unmarshal([]byte(lastLine(r.stdout)), &o.line)
		}
		results <- o
	}()
	want := map[string]string{}
	for range n + 1 {
		o := <-results
		if o.res.code != 0 || o.err != nil {
			t.Errorf("%s: exit %d, %v\n%s", o.tag, o.res.code, o.err, o.res.stderr)
			continue
		}
		want[o.tag] = o.line.Digest
	}
	for tag, d := range want {
		if got := inspect(t, "oci:"+lay+":"+tag).Digest; got != d {
			t.Errorf("tag %s names %s, its command printed %s", tag, got, d)
		}
	}
	ok(t, "verify", lay)
}

// lastLine is the last line of s that is not empty.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
