package tarlayer_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/tarlayer"
	"github.com/concil-go/ocispec/core"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// makeTree writes files (path → content; a trailing "*" in the path
// marks an executable) under a new folder with the given permission
// style and modification time.
func makeTree(t *testing.T, files map[string]string, perm fs.FileMode, mtime time.Time) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		mode := perm
		if n := len(name); name[n-1] == '*' {
			name, mode = name[:n-1], perm|0o100
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var sampleFiles = map[string]string{
	"hello.txt":    "hello, world\n",
	"bin/hello*":   "#!/bin/sh\necho hello\n",
	"etc/motd":     "welcome\n",
	"a-b/c":        "dash\n",
	"a/b/deep.txt": "deep\n",
}

func build(t *testing.T, root string, opts tarlayer.Options) (tarlayer.Layer, []byte) {
	t.Helper()
	plan, err := tarlayer.Scan(root)
	if err != nil {
		t.Fatalf("Scan(%q): %v", root, err)
	}
	var buf bytes.Buffer
	layer, err := plan.Write(context.Background(), &buf, opts)
	if err != nil {
		t.Fatalf("Write(%q): %v", root, err)
	}
	return layer, buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func decompress(t *testing.T, c core.Compression, b []byte) []byte {
	t.Helper()
	switch c {
	case core.Gzip:
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return out
	case core.Zstd:
		r, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return b
}

func TestReproducible(t *testing.T) {
	for _, c := range []core.Compression{core.Uncompressed, core.Gzip, core.Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			a := makeTree(t, sampleFiles, 0o644, time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
			// Same files, other permissions style and times: the layer
			// must not change.
			b := makeTree(t, sampleFiles, 0o600, time.Now())
			la, ba := build(t, a, tarlayer.Options{Compression: c})
			la2, ba2 := build(t, a, tarlayer.Options{Compression: c})
			lb, bb := build(t, b, tarlayer.Options{Compression: c})
			if !bytes.Equal(ba, ba2) || la != la2 {
				t.Errorf("two writes of the same folder differ: %v vs %v", la, la2)
			}
			if !bytes.Equal(ba, bb) || la != lb {
				t.Errorf("copies with other times and modes differ: %v vs %v", la, lb)
			}
			if got := sha(ba); string(la.Digest) != got {
				t.Errorf("Digest = %s, want sha256 of the bytes %s", la.Digest, got)
			}
			if la.Size != int64(len(ba)) {
				t.Errorf("Size = %d, want %d", la.Size, len(ba))
			}
			plain := decompress(t, c, ba)
			if got := sha(plain); string(la.DiffID) != got {
				t.Errorf("DiffID = %s, want sha256 of the tar stream %s", la.DiffID, got)
			}
			if la.UncompressedSize != int64(len(plain)) {
				t.Errorf("UncompressedSize = %d, want %d", la.UncompressedSize, len(plain))
			}
			if c == core.Uncompressed && la.Digest != la.DiffID {
				t.Errorf("uncompressed: Digest %s != DiffID %s", la.Digest, la.DiffID)
			}
			if c != core.Uncompressed && la.Digest == la.DiffID {
				t.Errorf("%s: Digest equals DiffID %s", c, la.Digest)
			}
		})
	}
}

type entry struct {
	name string
	typ  byte
	mode int64
	link string
}

func readEntries(t *testing.T, b []byte) ([]entry, []*tar.Header) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var es []entry
	var hs []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return es, hs
		}
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, entry{h.Name, h.Typeflag, h.Mode, h.Linkname})
		hs = append(hs, h)
	}
}

func TestEntries(t *testing.T) {
	root := makeTree(t, sampleFiles, 0o640, time.Now())
	if err := os.Symlink("../hello.txt", filepath.Join(root, "etc", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(root, "hello.txt"), filepath.Join(root, "hard.txt")); err != nil {
		t.Fatal(err)
	}
	_, b := build(t, root, tarlayer.Options{})
	got, hdrs := readEntries(t, b)
	want := []entry{
		{"a/", tar.TypeDir, 0o755, ""},
		{"a/b/", tar.TypeDir, 0o755, ""},
		{"a/b/deep.txt", tar.TypeReg, 0o644, ""},
		{"a-b/", tar.TypeDir, 0o755, ""},
		{"a-b/c", tar.TypeReg, 0o644, ""},
		{"bin/", tar.TypeDir, 0o755, ""},
		{"bin/hello", tar.TypeReg, 0o755, ""},
		{"etc/", tar.TypeDir, 0o755, ""},
		{"etc/link", tar.TypeSymlink, 0o777, "../hello.txt"},
		{"etc/motd", tar.TypeReg, 0o644, ""},
		{"hard.txt", tar.TypeReg, 0o644, ""},
		{"hello.txt", tar.TypeReg, 0o644, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("entries = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, h := range hdrs {
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d (%q:%q), want 0:0 without names", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s: ModTime = %v, want the Unix epoch", h.Name, h.ModTime)
		}
		if len(h.PAXRecords) != 0 {
			t.Errorf("%s: extended records %v", h.Name, h.PAXRecords)
		}
	}
}

func TestModTime(t *testing.T) {
	root := makeTree(t, map[string]string{"f": "x"}, 0o644, time.Now())
	when := time.Date(2023, 5, 6, 7, 8, 9, 500, time.UTC)
	_, b := build(t, root, tarlayer.Options{ModTime: when})
	_, hdrs := readEntries(t, b)
	if got, want := hdrs[0].ModTime, when.Truncate(time.Second); !got.Equal(want) {
		t.Errorf("ModTime = %v, want %v", got, want)
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
		{"-5", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv(tarlayer.EnvSourceDateEpoch, tt.value)
			got, err := tarlayer.ModTimeFromEnv()
			if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
				t.Errorf("ModTimeFromEnv(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, tarlayer.ErrInvalidEpoch) {
				t.Errorf("ModTimeFromEnv(%q) error %v does not wrap ErrInvalidEpoch", tt.value, err)
			}
		})
	}
}

func TestAlgorithm(t *testing.T) {
	root := makeTree(t, map[string]string{"f": "x"}, 0o644, time.Now())
	layer, b := build(t, root, tarlayer.Options{Algorithm: core.SHA512})
	sum := sha512.Sum512(b)
	if want := "sha512:" + hex.EncodeToString(sum[:]); string(layer.Digest) != want {
		t.Errorf("Digest = %s, want %s", layer.Digest, want)
	}
	if _, err := tarlayer.Scan(root); err != nil {
		t.Fatal(err)
	}
	plan, _ := tarlayer.Scan(root)
	if _, err := plan.Write(context.Background(), io.Discard, tarlayer.Options{Algorithm: "md5"}); !errors.Is(err, core.ErrUnknownAlgorithm) {
		t.Errorf("Write with md5: error %v, want ErrUnsupportedDigest", err)
	}
	if _, err := plan.Write(context.Background(), io.Discard, tarlayer.Options{Compression: core.Compression(9)}); !errors.Is(err, tarlayer.ErrCompression) {
		t.Errorf("Write with compression 9: error %v, want ErrCompression", err)
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tarlayer.Scan(file); !errors.Is(err, tarlayer.ErrNotDir) {
		t.Errorf("Scan(file) error = %v, want ErrNotDir", err)
	}
	if _, err := tarlayer.Scan(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Scan(missing) error = %v, want fs.ErrNotExist", err)
	}
}

func TestSymlinkRoot(t *testing.T) {
	root := makeTree(t, map[string]string{"f": "x"}, 0o644, time.Now())
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	a, _ := build(t, root, tarlayer.Options{})
	b, _ := build(t, link, tarlayer.Options{})
	if a != b {
		t.Errorf("layer through a linked root = %v, want %v", b, a)
	}
}

func TestFileChanged(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change string
	}{{"grew", "hello, world, and more\n"}, {"shrank", "h"}} {
		t.Run(tt.name, func(t *testing.T) {
			root := makeTree(t, map[string]string{"hello.txt": "hello, world\n"}, 0o644, time.Now())
			plan, err := tarlayer.Scan(root)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "hello.txt"), []byte(tt.change), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = plan.Write(context.Background(), io.Discard, tarlayer.Options{})
			if !errors.Is(err, tarlayer.ErrFileChanged) {
				t.Errorf("Write after the file %s: error %v, want ErrFileChanged", tt.name, err)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	root := makeTree(t, sampleFiles, 0o644, time.Now())
	plan, err := tarlayer.Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := plan.Write(ctx, io.Discard, tarlayer.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a cancelled context: error %v, want context.Canceled", err)
	}
}

func TestProgress(t *testing.T) {
	root := makeTree(t, sampleFiles, 0o644, time.Now())
	plan, err := tarlayer.Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, c := range sampleFiles {
		want += int64(len(c))
	}
	if plan.Bytes != want {
		t.Errorf("Plan.Bytes = %d, want %d", plan.Bytes, want)
	}
	var got int64
	if _, err := plan.Write(context.Background(), io.Discard, tarlayer.Options{Progress: func(n int64) { got += n }}); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("progress reported %d bytes, want %d", got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	root := makeTree(t, sampleFiles, 0o644, time.Now())
	plan, err := tarlayer.Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []core.Compression{core.Uncompressed, core.Gzip, core.Zstd} {
		if _, err := plan.Write(context.Background(), failWriter{}, tarlayer.Options{Compression: c}); err == nil {
			t.Errorf("Write(%s) to a failing writer: no error", c)
		}
	}
}
