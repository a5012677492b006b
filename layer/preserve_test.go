//go:build linux

package layer_test

import (
	"encoding/json"
	"errors"
	"github.com/concil-go/ocispec/internal/tooltest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/concil-go/ocispec/layer"
	"golang.org/x/sys/unix"
)

// preserveTree makes a folder with what only a preserved layer keeps;
// it needs root for owners and the device.
func preserveTree(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		tooltest.Skipf(t, "owners and devices need root")
	}
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(root, name)
		must(os.MkdirAll(filepath.Dir(p), 0o755))
		must(os.WriteFile(p, []byte(data), 0o600))
		must(os.Chmod(p, mode))
		return p
	}
	suid := write("bin/suid", "setuid\n", 0o755)
	must(os.Chmod(suid, 0o755|os.ModeSetuid))
	sgid := write("bin/sgid", "setgid\n", 0o750)
	must(os.Chmod(sgid, 0o750|os.ModeSetgid))
	must(os.MkdirAll(filepath.Join(root, "tmp"), 0o777))
	must(os.Chmod(filepath.Join(root, "tmp"), 0o777|os.ModeSticky))
	owned := write("home/user/notes", "mine\n", 0o640)
	must(os.Lchown(owned, 1234, 5678))
	must(os.Lchown(filepath.Join(root, "home/user"), 1234, 5678))
	first := write("data/first", "linked content\n", 0o644)
	must(os.Link(first, filepath.Join(root, "data/second")))
	tagged := write("data/tagged", "with xattrs\n", 0o644)
	if err := unix.Setxattr(tagged, "user.color", []byte("blue"), 0); err != nil {
		tooltest.Skipf(t, "this file system has no user xattrs: %v", err)
	}
	must(unix.Setxattr(tagged, "user.empty", nil, 0))
	must(unix.Setxattr(filepath.Join(root, "data"), "user.dir", []byte("folder attr"), 0))
	must(unix.Mknod(filepath.Join(root, "dev-null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	must(os.Chmod(filepath.Join(root, "dev-null"), 0o666))
	must(unix.Mkfifo(filepath.Join(root, "fifo"), 0o600))
	must(os.Symlink("data/first", filepath.Join(root, "link")))
	when := time.Date(2021, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	must(filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		return unix.Lutimes(p, []unix.Timeval{unix.NsecToTimeval(when.UnixNano()), unix.NsecToTimeval(when.UnixNano())})
	}))
	return root
}

// pyMember is what python3's tarfile reads of an entry.
type pyMember struct {
	Name     string            `json:"name"`
	Type     string            `json:"type"`
	Mode     int               `json:"mode"`
	Uid      int               `json:"uid"`
	Gid      int               `json:"gid"`
	Uname    string            `json:"uname"`
	Gname    string            `json:"gname"`
	Mtime    float64           `json:"mtime"`
	Size     int64             `json:"size"`
	Linkname string            `json:"linkname"`
	Major    int               `json:"major"`
	Minor    int               `json:"minor"`
	Pax      map[string]string `json:"pax"`
}

const pyList = `
import json, sys, tarfile
names = {tarfile.REGTYPE: "file", tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink",
         tarfile.LNKTYPE: "hardlink", tarfile.CHRTYPE: "char", tarfile.BLKTYPE: "block",
         tarfile.FIFOTYPE: "fifo"}
out = []
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|*") as tf:
    for m in tf:
        out.append(dict(name=m.name, type=names.get(m.type, repr(m.type)), mode=m.mode,
                        uid=m.uid, gid=m.gid, uname=m.uname, gname=m.gname, mtime=m.mtime,
                        size=m.size, linkname=m.linkname, major=m.devmajor, minor=m.devminor,
                        pax={k: v for k, v in m.pax_headers.items()}))
json.dump(out, sys.stdout)
`

func pyMembers(t *testing.T, tarball []byte) map[string]pyMember {
	t.Helper()
	var ms []pyMember
	if err := json.Unmarshal(run(t, tarball, "python3", "-c", pyList), &ms); err != nil {
		t.Fatal(err)
	}
	byName := map[string]pyMember{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	return byName
}

func TestPreserveMetadata(t *testing.T) {
	root := preserveTree(t)
	names := func(uid, gid int) (string, string) {
		if uid == 1234 {
			return "alice", "staff"
		}
		return "", ""
	}
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			_, b := build(t, layer.Options{Mode: layer.Preserve, Compression: c, OwnerNames: names}, layer.FromDir(root))
			got := pyMembers(t, decompress(t, c, b))
			const mtime = 1614834367 // 2021-03-04T05:06:07Z, to the second
			want := []pyMember{
				{Name: "bin/suid", Type: "file", Mode: 0o4755, Size: 7},
				{Name: "bin/sgid", Type: "file", Mode: 0o2750, Size: 7},
				{Name: "tmp", Type: "dir", Mode: 0o1777},
				{Name: "home/user", Type: "dir", Mode: 0o755, Uid: 1234, Gid: 5678, Uname: "alice", Gname: "staff"},
				{Name: "home/user/notes", Type: "file", Mode: 0o640, Uid: 1234, Gid: 5678, Uname: "alice", Gname: "staff", Size: 5},
				{Name: "data", Type: "dir", Mode: 0o755, Pax: map[string]string{"SCHILY.xattr.user.dir": "folder attr"}},
				{Name: "data/first", Type: "file", Mode: 0o644, Size: 15},
				{Name: "data/second", Type: "hardlink", Mode: 0o644, Linkname: "data/first"},
				{Name: "data/tagged", Type: "file", Mode: 0o644, Size: 12, Pax: map[string]string{"SCHILY.xattr.user.color": "blue", "SCHILY.xattr.user.empty": ""}},
				{Name: "dev-null", Type: "char", Mode: 0o666, Major: 1, Minor: 3},
				{Name: "fifo", Type: "fifo", Mode: 0o600},
				{Name: "link", Type: "symlink", Mode: 0o777, Linkname: "data/first"},
			}
			for _, w := range want {
				w.Mtime = mtime
				if w.Pax == nil {
					w.Pax = map[string]string{}
				}
				g, ok := got[w.Name]
				if !ok {
					t.Errorf("python3 tarfile finds no %s", w.Name)
					continue
				}
				if g.Pax == nil {
					g.Pax = map[string]string{}
				}
				if js(g) != js(w) {
					t.Errorf("python3 tarfile reads %s as\n%s\nwant\n%s", w.Name, js(g), js(w))
				}
			}
		})
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestPreserveXattrsGNUTar extracts a preserved layer with GNU tar
// --xattrs and reads the attributes back from the file system.
func TestPreserveXattrsGNUTar(t *testing.T) {
	root := preserveTree(t)
	_, b := build(t, layer.Options{Mode: layer.Preserve}, layer.FromDir(root))
	dest := t.TempDir()
	run(t, b, "tar", "--xattrs", "--xattrs-include=user.*", "-xpf", "-", "-C", dest)
	buf := make([]byte, 64)
	for _, tt := range []struct{ file, key, want string }{
		{"data/tagged", "user.color", "blue"},
		{"data", "user.dir", "folder attr"},
	} {
		n, err := unix.Getxattr(filepath.Join(dest, tt.file), tt.key, buf)
		if err != nil || string(buf[:n]) != tt.want {
			t.Errorf("getxattr(%s, %s) after tar --xattrs -x = %q, %v; want %q", tt.file, tt.key, buf[:max(n, 0)], err, tt.want)
		}
	}
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(dest, "data/second"), &st); err != nil || st.Nlink != 2 {
		t.Errorf("data/second after extraction: links %d, %v; want 2 (a hard link)", st.Nlink, err)
	}
	if err := unix.Lstat(filepath.Join(dest, "bin/suid"), &st); err != nil || st.Mode&unix.S_ISUID == 0 {
		t.Errorf("bin/suid after tar -xp: mode %o, %v; want setuid", st.Mode, err)
	}
	list := strings.Join(tarList(t, b, "--xattrs"), "\n")
	if !strings.Contains(list, "fifo") || !strings.Contains(list, "1,3") {
		t.Errorf("tar -tv lists no fifo or device 1,3:\n%s", list)
	}
}

func TestPreserveNotRoot(t *testing.T) {
	root := preserveTree(t)
	restore := layer.SetIsRoot(func() bool { return false })
	defer restore()
	_, err := layer.Build(t.Context(), ioDiscard{}, layer.Options{Mode: layer.Preserve}, layer.FromDir(root))
	if !errors.Is(err, layer.ErrUnsupportedFile) || !strings.Contains(err.Error(), "dev-null") {
		t.Errorf("Build(preserve, not root) error = %v, want ErrUnsupportedFile naming dev-null", err)
	}
	l, b := build(t, layer.Options{Mode: layer.Preserve, SkipUnsupported: true}, layer.FromDir(root))
	if strings.Join(l.Skipped, ",") != "dev-null,fifo" {
		t.Errorf("Skipped = %v, want [dev-null fifo]", l.Skipped)
	}
	list := strings.Join(tarList(t, b), "\n")
	if strings.Contains(list, "dev-null") || strings.Contains(list, "fifo") {
		t.Errorf("skipped entries are in the layer:\n%s", list)
	}
}
