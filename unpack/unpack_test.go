package unpack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/unpack"
)

// whiteoutLayers are three layers (tar, tar+gzip, tar+zstd) that
// exercise what flattening must get right: whiteouts of files and of
// folders, an opaque folder keeping what its own layer adds, a file
// replaced by a folder and a folder by a file, a symbolic link replaced
// by a file, hard links within a layer and across layers, setuid,
// setgid and sticky modes, owners and times.
func whiteoutLayers(t testing.TB) [][]byte {
	t1 := epoch.Add(time.Hour)
	l0 := tarOf(t,
		dirE("etc/", 0o755),
		fileE("etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\n"),
		dirE("etc/app/", 0o750),
		fileE("etc/app/conf", 0o640, "a=1\n"),
		fileE("etc/app/old", 0o600, "old\n"),
		dirE("usr/", 0o755),
		dirE("usr/bin/", 0o755),
		fileE("usr/bin/tool", 0o4755, "#!/bin/true\n"),
		linkE("usr/bin/tool2", "usr/bin/tool"),
		symE("usr/bin/link", "tool"),
		dirE("var/", 0o755),
		dirE("var/cache/", 0o2775),
		fileE("var/cache/a", 0o644, "cached a\n"),
		dirE("var/cache/sub/", 0o755),
		fileE("var/cache/sub/b", 0o644, "cached b\n"),
		dirE("tmp/", 0o1777),
		dirE("srv/", 0o755),
		fileE("srv/data", 0o644, "a file that becomes a folder\n"),
		dirE("opt/", 0o755),
		dirE("opt/tree/", 0o755),
		fileE("opt/tree/leaf", 0o644, "a folder that becomes a file\n"),
	)
	l1 := tarOf(t,
		wh("etc/app/.wh.old"),
		timed(fileE("etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"), t1),
		dirE("home/", 0o755),
		owned(dirE("home/user/", 0o700), 1000, 1000),
		owned(fileE("home/user/.profile", 0o644, "export PS1='$ '\n"), 1000, 1000),
		dirE("var/cache/", 0o755),
		wh("var/cache/.wh..wh..opq"),
		fileE("var/cache/new", 0o644, "new cache\n"),
		fileE("usr/bin/link", 0o755, "no longer a link\n"),
	)
	l2 := tarOf(t,
		wh("etc/.wh.app"),
		timed(dirE("etc/app/", 0o755), t1),
		fileE("etc/app/conf", 0o644, "a=2\n"),
		linkE("usr/bin/tool3", "usr/bin/tool"),
		dirE("srv/data/", 0o755),
		fileE("srv/data/inside", 0o644, "inside\n"),
		fileE("opt/tree", 0o644, "now a file\n"),
		wh("usr/bin/.wh.tool2"),
	)
	return [][]byte{l0, l1, l2}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

// TestUnpackAgreesWithUmoci unpacks the same image with umoci and with
// Unpack and compares the trees: types, modes, owners (as root),
// times, contents, link targets and which paths share an inode.
func TestUnpackAgreesWithUmoci(t *testing.T) {
	tooltest.Need(t, "umoci")
	dir := t.TempDir()
	ls := whiteoutLayers(t)
	img := filepath.Join(dir, "image")
	writeImage(t, img, plain(ls[0]), gz(t, ls[1]), gz(t, ls[2]))

	bundle := filepath.Join(dir, "bundle")
	root := os.Geteuid() == 0
	if err := umociUnpack(img+":latest", bundle); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, filepath.Join(bundle, "rootfs"), root)

	ours := filepath.Join(dir, "ours")
	res, err := unpack.Unpack(ctxT(t), openSource(t, "oci:"+img+":latest"), ours, nil)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if res.Layers != 3 {
		t.Errorf("Unpack: %d layers, want 3", res.Layers)
	}
	diffTrees(t, "Unpack against umoci unpack", snapshot(t, ours, root), want)
}

// TestUnpackCompressions unpacks the same layers stored as tar,
// tar+gzip and tar+zstd, and from an oci-archive and a docker-archive
// of the image: every tree is the same.
func TestUnpackCompressions(t *testing.T) {
	dir := t.TempDir()
	ls := whiteoutLayers(t)
	refs := map[string]string{}
	for name, c := range map[string]func([]byte) compressed{
		"tar":  plain,
		"gzip": func(b []byte) compressed { return gz(t, b) },
		"zstd": func(b []byte) compressed { return zst(t, b) },
	} {
		p := filepath.Join(dir, name)
		writeImage(t, p, c(ls[0]), c(ls[1]), c(ls[2]))
		refs[name] = "oci:" + p + ":latest"
	}
	ctx := ctxT(t)
	// The same image as archives, copied with the transport package.
	for _, ref := range []string{"oci-archive:" + filepath.Join(dir, "img.tar") + ":latest", "docker-archive:" + filepath.Join(dir, "docker.tar") + ":example.com/app:v1"} {
		copyImage(t, refs["gzip"], ref)
		refs[ref] = ref
	}
	var first map[string]node
	for _, ref := range refs {
		out := filepath.Join(dir, "out", strings.NewReplacer("/", "_", ":", "_").Replace(ref))
		if _, err := unpack.Unpack(ctx, openSource(t, ref), out, nil); err != nil {
			t.Fatalf("Unpack(%s): %v", ref, err)
		}
		got := snapshot(t, out, true)
		if first == nil {
			first = got
			continue
		}
		diffTrees(t, ref, got, first)
	}
}

// TestUnpackOutput checks the contract on the folder: an existing
// empty folder is filled, one that is not empty is refused, and a
// failed unpack leaves nothing, not even its temporary folder.
func TestUnpackOutput(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "image")
	writeImage(t, img, plain(tarOf(t, fileE("hello", 0o644, "hi\n"))))
	ctx := ctxT(t)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	if _, err := unpack.Unpack(ctx, openSource(t, img), empty, nil); err != nil {
		t.Fatalf("Unpack into an empty folder: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(empty, "hello")); err != nil || string(b) != "hi\n" {
		t.Errorf("hello = %q, %v", b, err)
	}
	if _, err := unpack.Unpack(ctx, openSource(t, img), empty, nil); !errors.Is(err, unpack.ErrNotEmpty) {
		t.Errorf("Unpack into a folder that is not empty = %v, want ErrNotEmpty", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left beside the output: %v", entries)
	}
}

// TestUnpackVerifies: a layer blob changed on disk, and a config whose
// diffID is not the layer's, are refused, naming the layer, and
// nothing is left under the output's name; Export refuses them too,
// having written nothing.
func TestUnpackVerifies(t *testing.T) {
	dir := t.TempDir()
	ls := whiteoutLayers(t)
	layer := plain(ls[0])
	corrupt := filepath.Join(dir, "corrupt")
	writeImage(t, corrupt, layer)
	d := digest.FromBytes(layer.blob)
	blob := filepath.Join(corrupt, "blobs", "sha256", d.Encoded())
	b, _ := os.ReadFile(blob)
	i := bytes.Index(b, []byte("root:x:0:0"))
	b[i] = 'R' // a file's content: the tar reads, its digest does not match
	os.WriteFile(blob, b, 0o644)

	wrong := filepath.Join(dir, "wrong")
	other := gz(t, ls[1])
	other.tar = ls[2] // the config gets the diffID of another tar
	writeImage(t, wrong, other)

	for _, c := range []struct {
		img  string
		want error
	}{{corrupt, core.ErrDigestMismatch}, {wrong, unpack.ErrDiffID}} {
		out := filepath.Join(dir, "out")
		_, err := unpack.Unpack(ctxT(t), openSource(t, c.img), out, nil)
		var le *unpack.LayerError
		if !errors.Is(err, c.want) || !errors.As(err, &le) || le.Layer != 0 {
			t.Errorf("Unpack(%s) = %v, want %v naming layer 0", c.img, err, c.want)
		}
		if _, err := os.Lstat(out); err == nil {
			t.Errorf("Unpack(%s) left %s", c.img, out)
		}
		var flat bytes.Buffer
		if _, err := unpack.Export(ctxT(t), openSource(t, c.img), &flat, nil); !errors.Is(err, c.want) || flat.Len() != 0 {
			t.Errorf("Export(%s) = %v after %d bytes, want %v before any", c.img, err, flat.Len(), c.want)
		}
	}
}

// TestDevicesAndOwners: device nodes skipped or, as root, created with
// their numbers; owners as the layer says as root, the process's with
// IgnoreOwners.
func TestDevicesAndOwners(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "image")
	writeImage(t, img, plain(tarOf(t,
		dirE("dev/", 0o755),
		entry{hdr: &tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Mode: 0o666, Devmajor: 1, Devminor: 3, ModTime: epoch}},
		owned(fileE("owned", 0o644, "x"), 1000, 1001),
	)))
	ctx := ctxT(t)
	skipped := filepath.Join(dir, "skipped")
	if _, err := unpack.Unpack(ctx, openSource(t, img), skipped, &unpack.Options{Devices: unpack.DevicesSkip, IgnoreOwners: true}); err != nil {
		t.Fatalf("Unpack with DevicesSkip: %v", err)
	}
	got := snapshot(t, skipped, true)
	if _, ok := got["dev/null"]; ok || len(got) != 2 {
		t.Errorf("DevicesSkip unpacked %v", got)
	}
	if n := got["owned"]; n.UID != os.Getuid() || n.GID != os.Getgid() {
		t.Errorf("IgnoreOwners: owned is %d:%d, want the process's", n.UID, n.GID)
	}
	created := filepath.Join(dir, "created")
	_, err := unpack.Unpack(ctx, openSource(t, img), created, &unpack.Options{Devices: unpack.DevicesCreate})
	if os.Geteuid() != 0 {
		if !errors.Is(err, unpack.ErrDevice) {
			t.Errorf("Unpack with DevicesCreate, not root = %v, want ErrDevice", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Unpack with DevicesCreate: %v", err)
	}
	got = snapshot(t, created, true)
	if n := got["dev/null"]; n.Type != "other "+(fs.ModeDevice|fs.ModeCharDevice).String()+" "+fmt.Sprint(unix.Mkdev(1, 3)) || n.Mode != 0o666 {
		t.Errorf("dev/null: %v, want a character device 1:3, mode 0666", n)
	}
	if n := got["owned"]; n.UID != 1000 || n.GID != 1001 {
		t.Errorf("owned is %d:%d, want 1000:1001", n.UID, n.GID)
	}
}

// TestWhiteoutAfterItsLayer: a whiteout that comes after entries of its
// own layer at the same path hides only what lower layers put there.
func TestWhiteoutAfterItsLayer(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "image")
	writeImage(t, img,
		plain(tarOf(t, dirE("a/", 0o755), fileE("a/lower", 0o644, "lower"))),
		plain(tarOf(t, dirE("a/", 0o755), fileE("a/upper", 0o644, "upper"), wh(".wh.a"))))
	out := filepath.Join(dir, "out")
	if _, err := unpack.Unpack(ctxT(t), openSource(t, img), out, nil); err != nil {
		t.Fatal(err)
	}
	got := snapshot(t, out, false)
	if _, ok := got["a/upper"]; !ok || len(got) != 2 {
		t.Errorf("Unpack gave %v, want a and a/upper", got)
	}
	var flat bytes.Buffer
	if _, err := unpack.Export(ctxT(t), openSource(t, img), &flat, nil); err != nil {
		t.Fatal(err)
	}
	if s := flat.String(); !strings.Contains(s, "a/upper") || strings.Contains(s, "a/lower") {
		t.Errorf("Export kept a/lower or lost a/upper")
	}
}
