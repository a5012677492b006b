package layer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layer"
)

// TestWhiteouts merges a folder with whiteouts and checks the layer GNU
// tar lists: whiteouts named as image-spec says, the opaque one first
// in its folder and whiteouts before their siblings.
func TestWhiteouts(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"etc/app.conf", "var/cache/new", "bin/tool"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, b := build(t, layer.Options{}, layer.FromDir(root), layer.FromEntries(
		layer.Whiteout("etc/old.conf"),
		layer.Whiteout("etc/a-dir"),
		layer.OpaqueWhiteout("var/cache"),
		layer.Whiteout("gone"),
		layer.OpaqueWhiteout("."),
	))
	var names []string
	for _, l := range tarList(t, b) {
		f := strings.Fields(l)
		names = append(names, f[len(f)-1])
	}
	want := []string{
		".wh..wh..opq",
		".wh.gone",
		"bin/", "bin/tool",
		"etc/", "etc/.wh.a-dir", "etc/.wh.old.conf", "etc/app.conf",
		"var/", "var/cache/", "var/cache/.wh..wh..opq", "var/cache/new",
	}
	compareLines(t, "tar -t", names, want)
	for _, l := range squeeze(tarList(t, b)) {
		if strings.Contains(l, ".wh.") && !strings.HasPrefix(l, "-rw-r--r-- 0/0 0 ") {
			t.Errorf("whiteout %q is not an empty regular file", l)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name    string
		entries []layer.Entry
		want    error
	}{
		{"absolute", []layer.Entry{layer.File("/etc/passwd", nil)}, layer.ErrInvalidName},
		{"dot-dot", []layer.Entry{layer.File("a/../../b", nil)}, layer.ErrInvalidName},
		{"empty", []layer.Entry{layer.File("", nil)}, layer.ErrInvalidName},
		{"empty element", []layer.Entry{layer.File("a//b", nil)}, layer.ErrInvalidName},
		{"NUL", []layer.Entry{layer.File("a\x00b", nil)}, layer.ErrInvalidName},
		{"root file", []layer.Entry{layer.File(".", nil)}, layer.ErrInvalidName},
		{"reserved", []layer.Entry{layer.File("etc/.wh.x", nil)}, layer.ErrReservedName},
		{"reserved folder", []layer.Entry{layer.Directory(".wh..wh..opq")}, layer.ErrReservedName},
		{"duplicate", []layer.Entry{layer.File("a", nil), layer.File("./a", nil)}, layer.ErrDuplicate},
		{"file and folder", []layer.Entry{layer.File("a", nil), layer.Directory("a/")}, layer.ErrDuplicate},
		{"two whiteouts", []layer.Entry{layer.Whiteout("a"), layer.Whiteout("a")}, layer.ErrDuplicate},
		{"whiteout of an entry", []layer.Entry{layer.File("a", nil), layer.Whiteout("a")}, layer.ErrConflict},
		{"entry under a whiteout", []layer.Entry{layer.Whiteout("a"), layer.File("a/b", nil)}, layer.ErrConflict},
		{"opaque under a whiteout", []layer.Entry{layer.Whiteout("a"), layer.OpaqueWhiteout("a")}, layer.ErrConflict},
		{"opaque in a file", []layer.Entry{layer.File("a", nil), layer.OpaqueWhiteout("a")}, layer.ErrConflict},
		{"hard link to nothing", []layer.Entry{layer.HardLink("b", "a")}, layer.ErrHardLink},
		{"hard link to a later file", []layer.Entry{layer.HardLink("a", "b"), layer.File("b", nil)}, layer.ErrHardLink},
		{"hard link to a folder", []layer.Entry{layer.Directory("a"), layer.HardLink("b", "a")}, layer.ErrHardLink},
		{"socket entry", []layer.Entry{{Name: "s", Type: layer.TypeSocket}}, layer.ErrInvalidOption},
		{"no type", []layer.Entry{{Name: "s"}}, layer.ErrInvalidOption},
		{"content without Open", []layer.Entry{{Name: "f", Type: layer.TypeRegular, Size: 3}}, layer.ErrInvalidOption},
		{"negative size", []layer.Entry{{Name: "f", Type: layer.TypeRegular, Size: -1}}, layer.ErrInvalidOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := layer.Scan(context.Background(), layer.FromEntries(tt.entries...)); !errors.Is(err, tt.want) {
				t.Errorf("Scan(%v) error = %v, want %v", tt.entries, err, tt.want)
			}
		})
	}
}

func TestOptionErrors(t *testing.T) {
	plan, err := layer.Scan(context.Background(), layer.FromEntries(layer.File("f", []byte("x"))))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		opts layer.Options
		want error
	}{
		{"compression", layer.Options{Compression: core.Compression(9)}, layer.ErrCompression},
		{"gzip level", layer.Options{Compression: core.Gzip, GzipLevel: 10}, layer.ErrInvalidOption},
		{"mode", layer.Options{Mode: layer.Mode(7)}, layer.ErrInvalidOption},
		{"nil digester", layer.Options{Digesters: []core.Digester{nil}}, layer.ErrInvalidOption},
	} {
		if _, err := plan.Write(context.Background(), ioDiscard{}, tt.opts); !errors.Is(err, tt.want) {
			t.Errorf("Write(%s) error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestEntries writes every kind of entry from a list and reads the
// layer back with GNU tar, in both modes.
func TestEntries(t *testing.T) {
	exe := layer.File("bin/run", []byte("#!/bin/sh\n"))
	exe.Mode = 0o700
	owned := layer.File("home/a/notes", []byte("notes\n"))
	owned.Uid, owned.Gid, owned.Uname, owned.Gname, owned.ModTime = 1000, 100, "a", "users", time2020
	owned.Xattrs = map[string]string{"user.k": "v"}
	sources := []layer.Source{layer.FromEntries(
		layer.Directory("bin/"),
		exe,
		layer.Reader("big", 5<<20, bytes.NewReader(noise(5<<20))),
		layer.Symlink("bin/sh", "/usr/bin/dash"),
		layer.HardLink("bin/run2", "bin/run"),
		owned,
	)}
	plan, err := layer.Scan(context.Background(), sources...)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := plan.Write(context.Background(), &buf, layer.Options{}); err != nil {
		t.Fatal(err)
	}
	compareLines(t, "tar -tv (reproducible)", squeeze(tarList(t, buf.Bytes())), []string{
		"-rw-r--r-- 0/0 5242880 1970-01-01 00:00:00 big",
		"drwxr-xr-x 0/0 0 1970-01-01 00:00:00 bin/",
		"-rwxr-xr-x 0/0 10 1970-01-01 00:00:00 bin/run",
		"hrw-r--r-- 0/0 0 1970-01-01 00:00:00 bin/run2 link to bin/run",
		"lrwxrwxrwx 0/0 0 1970-01-01 00:00:00 bin/sh -> /usr/bin/dash",
		"-rw-r--r-- 0/0 6 1970-01-01 00:00:00 home/a/notes",
	})
	// The Reader entry was consumed: a second write says so.
	if _, err := plan.Write(context.Background(), ioDiscard{}, layer.Options{}); !errors.Is(err, layer.ErrReused) {
		t.Errorf("second Write of a Reader entry: error %v, want ErrReused", err)
	}
	plan, err = layer.Scan(context.Background(), layer.FromEntries(exe, owned))
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if _, err := plan.Write(context.Background(), &buf, layer.Options{Mode: layer.Preserve, ModTime: time2020}); err != nil {
		t.Fatal(err)
	}
	compareLines(t, "tar -tv (preserve)", squeeze(tarList(t, buf.Bytes(), "--xattrs")), []string{
		"-rwx------ 0/0 10 2020-01-02 03:04:05 bin/run",
		"-rw-r--r--* 1000/100 6 2020-01-02 03:04:05 home/a/notes",
	})
}

func TestContentSize(t *testing.T) {
	for _, tt := range []struct {
		name string
		e    layer.Entry
		want string
	}{
		{"short", layer.Reader("f", 10, strings.NewReader("12345")), "5 bytes, the entry says 10"},
		{"long", layer.Reader("f", 3, strings.NewReader("12345")), "more than the 3 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer verifyNone(t)
			_, err := layer.Build(context.Background(), ioDiscard{}, layer.Options{Compression: core.Zstd}, layer.FromEntries(tt.e))
			if !errors.Is(err, layer.ErrContentSize) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build(%s reader) error = %v, want ErrContentSize saying %q", tt.name, err, tt.want)
			}
		})
	}
}

// TestFS: an fs.FS gives the layer of the same folder read directly.
func TestFS(t *testing.T) {
	root := t.TempDir()
	compatTree(t, root)
	for _, c := range compressions {
		a, _ := build(t, layer.Options{Compression: c}, layer.FromDir(root))
		b, _ := build(t, layer.Options{Compression: c}, layer.FromFS(os.DirFS(root)))
		if a.Digest != b.Digest {
			t.Errorf("%v: FromFS(os.DirFS) = %s, FromDir = %s", c, b.Digest, a.Digest)
		}
	}
	mfs := fstest.MapFS{
		"a/b.txt": {Data: []byte("b"), Mode: 0o600},
		"a/x":     {Data: []byte("b.txt"), Mode: os.ModeSymlink},
		"run":     {Data: []byte("#!"), Mode: 0o744},
	}
	_, b := build(t, layer.Options{}, layer.FromFS(mfs))
	compareLines(t, "tar -tv", squeeze(tarList(t, b)), []string{
		"drwxr-xr-x 0/0 0 1970-01-01 00:00:00 a/",
		"-rw-r--r-- 0/0 1 1970-01-01 00:00:00 a/b.txt",
		"lrwxrwxrwx 0/0 0 1970-01-01 00:00:00 a/x -> b.txt",
		"-rwxr-xr-x 0/0 2 1970-01-01 00:00:00 run",
	})
}

func TestProgress(t *testing.T) {
	root := t.TempDir()
	compatTree(t, root)
	plan, err := layer.Scan(context.Background(), layer.FromDir(root))
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, e := range plan.Entries() {
		if e.Type == layer.TypeRegular {
			want += e.Size
		}
	}
	if plan.Bytes() != want || want < 5<<20 {
		t.Errorf("Plan.Bytes() = %d, want %d (the files' sizes)", plan.Bytes(), want)
	}
	var got int64
	if _, err := plan.Write(context.Background(), ioDiscard{}, layer.Options{Progress: func(n int64) { got += n }}); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("progress reported %d bytes, want %d", got, want)
	}
}

func TestModTimeFromEnv(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"0", time.Unix(0, 0).UTC(), false},
		{"1700000000", time.Unix(1700000000, 0).UTC(), false},
		{"253402300799", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{"253402300800", time.Time{}, true},
		{"-5", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv(layer.EnvSourceDateEpoch, tt.value)
			got, err := layer.ModTimeFromEnv()
			if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
				t.Errorf("ModTimeFromEnv(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, layer.ErrInvalidEpoch) {
				t.Errorf("ModTimeFromEnv(%q) error %v does not wrap ErrInvalidEpoch", tt.value, err)
			}
		})
	}
}
