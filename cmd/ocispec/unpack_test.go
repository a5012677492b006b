package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/internal/tooltest"
)

// unpackLine is what unpack and export print.
type unpackLine struct {
	Source    string `json:"source"`
	Dir       string `json:"dir"`
	File      string `json:"file"`
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
	Platform  string `json:"platform"`
	Layers    int    `json:"layers"`
	Entries   int    `json:"entries"`
	Bytes     int64  `json:"bytes"`
}

// treeOf lists a folder's paths with type, mode and content (a file's
// sha256, a link's target), the folder itself left out.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc = "symlink " + target
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		out[filepath.ToSlash(rel)] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// treeOfTar lists a tar's entries as treeOf lists a folder.
func treeOfTar(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("the exported tar: %v", err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		if _, dup := out[name]; dup {
			t.Errorf("the exported tar holds %s twice", name)
		}
		fi := h.FileInfo()
		desc := fi.Mode().String()
		switch h.Typeflag {
		case tar.TypeSymlink:
			desc = "symlink " + h.Linkname
		case tar.TypeReg:
			b, _ := io.ReadAll(tr)
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		out[name] = desc
	}
}

func sameTree(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	var diffs []string
	for p, w := range want {
		if g := got[p]; g != w {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, want %q", p, g, w))
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected %q", p, g))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 || len(want) == 0 {
		t.Errorf("%s: %d differences (of %d paths):\n%s", what, len(diffs), len(want), strings.Join(diffs, "\n"))
	}
}

// TestUnpackCommand unpacks the example image from every transport,
// umoci's unpack of it being the oracle, and exports it: the tar holds
// the same tree, written the same whatever the source.
func TestUnpackCommand(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "hello")
	line := pack(t, exampleDir(), img)
	docker := filepath.Join(dir, "hello-docker")
	pack(t, "--format", "docker", exampleDir(), docker)
	archive := filepath.Join(dir, "hello.tar")
	ok(t, "copy", "oci:"+img+":latest", "docker-archive:"+archive+":example.com/hello:v1")

	want := treeOf(t, exampleDir())
	t.Run("umoci", func(t *testing.T) {
		need(t, "umoci")
		bundle := filepath.Join(dir, "bundle")
		if err := umociUnpack(img+":latest", bundle); err != nil {
			t.Fatal(err)
		}
		want = treeOf(t, filepath.Join(bundle, "rootfs"))
	})
	for i, ref := range []string{"oci:" + img + ":latest", img, "dir:" + docker, docker, "docker-archive:" + archive, archive} {
		out := filepath.Join(dir, fmt.Sprintf("rootfs%d", i))
		var got unpackLine
		jsonLine(t, ok(t, "unpack", ref, out), &got)
		if got.Source != ref || got.Dir != out || got.Layers != 1 || got.Entries == 0 || got.Digest == "" {
			t.Errorf("unpack %s printed %+v", ref, got)
		}
		if i < 2 && got.Digest != line.Digest {
			t.Errorf("unpack %s: digest %s, want the packed manifest's %s", ref, got.Digest, line.Digest)
		}
		sameTree(t, "unpack "+ref, treeOf(t, out), want)
	}

	var tars [][]byte
	for i, ref := range []string{"oci:" + img + ":latest", "docker-archive:" + archive} {
		file := filepath.Join(dir, "out", fmt.Sprintf("flat%d.tar", i))
		var got unpackLine
		jsonLine(t, ok(t, "export", ref, file), &got)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got.File != file || got.Bytes != int64(len(data)) || got.Layers != 1 {
			t.Errorf("export %s printed %+v (the file has %d bytes)", ref, got, len(data))
		}
		sameTree(t, "export "+ref, treeOfTar(t, data), want)
		tars = append(tars, data)
	}
	if !bytes.Equal(tars[0], tars[1]) {
		t.Errorf("export of the layout and of the docker-archive differ")
	}
	r := ok(t, "export", img, "-")
	if r.stdout != string(tars[0]) {
		t.Errorf("export to standard output differs from export to a file (%d and %d bytes)", len(r.stdout), len(tars[0]))
	}
}

// TestUnpackCommandErrors: a folder that is not empty, a hostile
// layer, a device node, a document instead of an image, wrong
// arguments; each a clear message, and nothing left behind.
func TestUnpackCommandErrors(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "hello")
	pack(t, exampleDir(), img)

	full := filepath.Join(dir, "full")
	writeFile(t, filepath.Join(full, "keep"), "keep")
	fails(t, 1, []string{"not empty", full}, "unpack", img, full)
	if b, err := os.ReadFile(filepath.Join(full, "keep")); err != nil || string(b) != "keep" {
		t.Errorf("unpack into a folder that is not empty changed it")
	}

	// A layer file packed as it is: its tar names a path above the folder.
	evil := filepath.Join(dir, "evil.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "../escaped", Mode: 0o644, Size: 1})
	tw.Write([]byte("x"))
	tw.Close()
	os.WriteFile(evil, buf.Bytes(), 0o644)
	bad := filepath.Join(dir, "bad")
	pack(t, "--layer", "tar="+evil, bad)
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o755)
	r := fails(t, 1, []string{`"../escaped"`, "outside the folder"}, "unpack", bad, filepath.Join(work, "rootfs"))
	if strings.Contains(r.stderr, "unpack: ") {
		t.Errorf("the message keeps the package's prefix: %s", r.stderr)
	}
	fails(t, 1, []string{`"../escaped"`}, "export", bad, filepath.Join(work, "flat.tar"))
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if _, err := os.Lstat(filepath.Join(dir, "escaped")); err == nil {
		t.Errorf("a file was written outside the folder")
	}

	buf.Reset()
	tw = tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeChar, Name: "null", Mode: 0o666, Devmajor: 1, Devminor: 3})
	tw.Close()
	devLayer := filepath.Join(dir, "dev.tar")
	os.WriteFile(devLayer, buf.Bytes(), 0o644)
	dev := filepath.Join(dir, "dev")
	pack(t, "--layer", "tar="+devLayer, dev)
	fails(t, 1, []string{`"null"`, "--devices skip"}, "unpack", dev, filepath.Join(work, "rootfs"))
	ok(t, "unpack", "--devices", "skip", dev, filepath.Join(work, "skipped"))
	if left, _ := os.ReadDir(filepath.Join(work, "skipped")); len(left) != 0 {
		t.Errorf("--devices skip unpacked %v", left)
	}

	fails(t, 1, []string{"is a file"}, "unpack", filepath.Join(repoRoot, "examples", "helm", "chart-manifest.json"), filepath.Join(dir, "x"))
	fails(t, 2, []string{"IMAGE and DIR"}, "unpack", img)
	fails(t, 2, []string{"IMAGE and FILE.tar"}, "export", img)
	fails(t, 2, []string{"--devices"}, "unpack", "--devices", "make", img, filepath.Join(dir, "y"))
	fails(t, 1, []string{"is a folder"}, "export", img, dir)
}

// TestRunnableExample does what the README's main job shows: a static
// Go program built with CGO_ENABLED=0, packed as the image's only file
// with --entrypoint, unpacked, and run from the unpacked folder with
// chroot (as root; skipped loudly otherwise). umoci's runtime bundle of
// the image names the program as the process to run.
func TestRunnableExample(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	os.Mkdir(app, 0o755)
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(app, "hello"), "./examples/hello-go")
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the example: %v\n%s", err, b)
	}
	img := filepath.Join(dir, "image")
	entrypoint := strings.Contains(ok(t, "pack", "--help").stdout, "--entrypoint")
	if entrypoint {
		pack(t, "--entrypoint", "/hello", app, img)
	} else {
		pack(t, app, img)
	}
	rootfs := filepath.Join(dir, "rootfs")
	ok(t, "unpack", img, rootfs)
	fi, err := os.Stat(filepath.Join(rootfs, "hello"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("the unpacked program: %v, %v; want mode 0755", fi, err)
	}
	const greeting = "Hello from an image built by ocispec"
	t.Run("chroot", func(t *testing.T) {
		if os.Geteuid() != 0 {
			tooltest.Skipf(t, "chroot needs root")
		}
		chroot := need(t, "chroot")
		out, err := exec.Command(chroot, rootfs, "/hello").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), greeting) {
			t.Errorf("chroot %s /hello: %q, %v; want %q...", rootfs, out, err, greeting)
		}
	})
	t.Run("entrypoint", func(t *testing.T) {
		if !entrypoint {
			tooltest.Skipf(t, "this build's pack has no --entrypoint")
		}
		need(t, "umoci")
		bundle := filepath.Join(dir, "bundle")
		if err := umociUnpack(img+":latest", bundle); err != nil {
			t.Fatal(err)
		}
		var spec struct {
			Process struct {
				Args []string `json:"args"`
			} `json:"process"`
		}
		b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
		if err == nil {
			err = json.Unmarshal(b, &spec)
		}
		if err != nil || len(spec.Process.Args) != 1 || spec.Process.Args[0] != "/hello" {
			t.Errorf("umoci's config.json runs %q (%v), want [/hello]", spec.Process.Args, err)
		}
	})
}

// umociUnpack runs umoci unpack of the image (a layout:tag) into a new
// bundle, with --rootless when not root.
func umociUnpack(image, bundle string) error {
	args := []string{"unpack", "--image", image, bundle}
	if os.Geteuid() != 0 {
		args = []string{"unpack", "--rootless", "--image", image, bundle}
	}
	if out, err := exec.Command("umoci", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("umoci %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
