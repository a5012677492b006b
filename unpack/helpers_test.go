package unpack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

// The layers of these tests are written with archive/tar here, entry
// by entry, independently of package layer's builder.

var epoch = time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)

func dirE(name string, mode int64) entry {
	return entry{hdr: &tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: epoch}}
}

func fileE(name string, mode int64, body string) entry {
	return entry{&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body)), ModTime: epoch}, body}
}

func symE(name, target string) entry {
	return entry{hdr: &tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: epoch}}
}

func linkE(name, target string) entry {
	return entry{hdr: &tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target, ModTime: epoch}}
}

func owned(en entry, uid, gid int) entry {
	h := *en.hdr
	h.Uid, h.Gid = uid, gid
	en.hdr = &h
	return en
}
func timed(en entry, tm time.Time) entry { h := *en.hdr; h.ModTime = tm; en.hdr = &h; return en }

// entry is a header and a body; tarOf writes entries, each header given
// with its body when it is a regular file.
type entry struct {
	hdr  *tar.Header
	body string
}

func wh(name string) entry {
	return entry{hdr: &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, ModTime: epoch}}
}

func tarOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, en := range entries {
		h := *en.hdr
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("tar header %s: %v", h.Name, err)
		}
		if _, err := io.WriteString(tw, en.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// compressed is a layer blob and its kind.
type compressed struct {
	kind string
	blob []byte
	tar  []byte
}

func plain(tb []byte) compressed { return compressed{core.KindTar, tb, tb} }

func gz(t testing.TB, tb []byte) compressed {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(tb)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return compressed{core.KindTarGzip, buf.Bytes(), tb}
}

func zst(t testing.TB, tb []byte) compressed {
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(tb)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return compressed{core.KindTarZstd, buf.Bytes(), tb}
}

// writeImage writes an OCI layout at dir holding one image, tagged
// "latest", of the layers given, with a config naming their diffIDs.
func writeImage(t testing.TB, dir string, layers ...compressed) {
	t.Helper()
	ctx := context.Background()
	var diffIDs []digest.Digest
	blobs := layout.Blobs{}
	m := core.Manifest{}
	for _, l := range layers {
		diffIDs = append(diffIDs, digest.FromBytes(l.tar))
		d := core.DescriptorFromBytes(l.kind, l.blob)
		m.Layers = append(m.Layers, d)
		blobs[d.Digest] = layout.FromBytes(l.blob)
	}
	cfg, _ := json.Marshal(map[string]any{
		"architecture": runtime.GOARCH, "os": "linux",
		"config": map[string]any{},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
	m.Config = core.DescriptorFromBytes(core.KindConfig, cfg)
	blobs[m.Config.Digest] = layout.FromBytes(cfg)
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.WriteImage(ctx, oci.Format, m, blobs, &layout.WriteOptions{Tag: "latest"}); err != nil {
		t.Fatal(err)
	}
}

func openSource(t testing.TB, ref string) transport.Source {
	t.Helper()
	r, err := transport.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	src, err := r.NewSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// node is what a tree comparison looks at for one path.
type node struct {
	Type    string
	Mode    fs.FileMode
	Content string // sha256 of a file, target of a link
	Size    int64
	UID     int
	GID     int
	MTime   int64
	Inode   string // the first path of the same inode, for hard links
}

func (n node) String() string {
	return fmt.Sprintf("%s %v size=%d %d:%d mtime=%d %q inode=%s", n.Type, n.Mode, n.Size, n.UID, n.GID, n.MTime, n.Content, n.Inode)
}

// snapshot describes every path below dir (dir itself left out).
func snapshot(t testing.TB, dir string, owners bool) map[string]node {
	t.Helper()
	out := map[string]node{}
	inodes := map[uint64]string{}
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		n := node{Mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), MTime: fi.ModTime().Unix()}
		if owners {
			n.UID, n.GID = int(st.Uid), int(st.Gid)
		}
		switch {
		case fi.IsDir():
			n.Type = "dir"
		case fi.Mode()&fs.ModeSymlink != 0:
			n.Type, n.Mode = "symlink", 0
			n.Content, _ = os.Readlink(p)
		case fi.Mode().IsRegular():
			n.Type, n.Size = "file", fi.Size()
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			n.Content = fmt.Sprintf("%x", sha256.Sum256(data))
			if first, ok := inodes[st.Ino]; ok {
				n.Inode = first
			} else {
				inodes[st.Ino] = rel
				n.Inode = rel
			}
		case fi.Mode()&fs.ModeNamedPipe != 0:
			n.Type = "fifo"
		default:
			n.Type = "other " + fi.Mode().Type().String() + " " + strconv.FormatUint(uint64(st.Rdev), 10)
		}
		out[filepath.ToSlash(rel)] = n
	}
	return out
}

func diffTrees(t testing.TB, what string, got, want map[string]node) {
	t.Helper()
	var problems []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: missing (want %v)", p, w))
		case g != w:
			problems = append(problems, fmt.Sprintf("%s:\n\tgot  %v\n\twant %v", p, g, w))
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			problems = append(problems, fmt.Sprintf("%s: unexpected %v", p, g))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("%s: %d differences:\n%s", what, len(problems), strings.Join(problems, "\n"))
	}
}

// copyImage copies the image of ref from into the new place to.
func copyImage(t testing.TB, from, to string) {
	t.Helper()
	ctx := context.Background()
	src := openSource(t, from)
	r, err := transport.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := r.NewDestination(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := transport.Copy(ctx, dst, src, nil); err != nil {
		t.Fatalf("copy %s to %s: %v", from, to, err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
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
