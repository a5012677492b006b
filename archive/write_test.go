package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/concil-go/ocispec/archive"
)

var long = "blobs/sha256/" + strings.Repeat("f", 200) // needs PAX

func writeSet(t testing.TB, dir string) map[string]archive.Source {
	os.WriteFile(filepath.Join(dir, "layer"), bytes.Repeat([]byte("layer"), 50000), 0o600)
	return map[string]archive.Source{
		"oci-layout":        archive.FromBytes([]byte(`{"imageLayoutVersion":"1.0.0"}`)),
		"index.json":        archive.FromBytes([]byte(`{"schemaVersion":2,"manifests":[]}`)),
		"blobs/sha256/abcd": archive.FromFile(filepath.Join(dir, "layer")),
		"blobs/sha256/ef":   archive.FromReader(strings.NewReader("from a reader"), 13),
		long:                archive.FromBytes([]byte("long")),
		"bin/run":           archive.Executable(archive.FromBytes([]byte("#!/bin/sh\n"))),
	}
}

func TestWriteIsReproducible(t *testing.T) {
	var outs [2][]byte
	for i := range outs {
		dir := t.TempDir()
		var buf bytes.Buffer
		n, err := archive.Write(context.Background(), &buf, writeSet(t, dir), nil)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(buf.Len()) {
			t.Errorf("Write returned %d, wrote %d bytes", n, buf.Len())
		}
		outs[i] = buf.Bytes()
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatalf("two writes of the same files differ")
	}
	// Another time stamps differently.
	var buf bytes.Buffer
	if _, err := archive.Write(context.Background(), &buf, writeSet(t, t.TempDir()), &archive.WriteOptions{ModTime: time.Unix(1700000000, 0)}); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(buf.Bytes(), outs[0]) {
		t.Errorf("WriteOptions.ModTime changed nothing")
	}
}

func TestWriteHeaders(t *testing.T) {
	var buf bytes.Buffer
	if _, err := archive.Write(context.Background(), &buf, writeSet(t, t.TempDir()), nil); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		wantMode := int64(0o644)
		if h.Typeflag == tar.TypeDir || h.Name == "bin/run" {
			wantMode = 0o755
		}
		if h.Mode != wantMode || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("header %s: mode %o uid %d gid %d uname %q gname %q mtime %v, want %o 0 0 \"\" \"\" epoch",
				h.Name, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime, wantMode)
		}
		wantFormat := tar.FormatUSTAR
		if h.Name == long {
			wantFormat = tar.FormatPAX
		}
		if h.Format != wantFormat {
			t.Errorf("header %s: format %v, want %v", h.Name, h.Format, wantFormat)
		}
	}
	want := []string{"bin/", "bin/run", "blobs/", "blobs/sha256/", "blobs/sha256/abcd", "blobs/sha256/ef", long, "index.json", "oci-layout"}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries = %q, want %q", names, want)
	}
}

func TestWriteRefuses(t *testing.T) {
	b := archive.FromBytes([]byte("x"))
	for _, tc := range []struct {
		name  string
		files map[string]archive.Source
		want  error
	}{
		{"dot-dot", map[string]archive.Source{"../x": b}, archive.ErrUnsafePath},
		{"absolute", map[string]archive.Source{"/x": b}, archive.ErrUnsafePath},
		{"not clean", map[string]archive.Source{"a//b": b}, archive.ErrInvalidName},
		{"trailing slash", map[string]archive.Source{"a/": b}, archive.ErrInvalidName},
		{"file and folder", map[string]archive.Source{"a": b, "a/b": b}, archive.ErrDuplicate},
		{"short reader", map[string]archive.Source{"a": archive.FromReader(strings.NewReader("abc"), 4)}, archive.ErrSourceChanged},
		{"long reader", map[string]archive.Source{"a": archive.FromReader(strings.NewReader("abcde"), 4)}, archive.ErrSourceChanged},
		{"a folder as a file", map[string]archive.Source{"a": archive.FromFile(t.TempDir())}, archive.ErrNotRegular},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := archive.Write(context.Background(), io.Discard, tc.files, nil)
			wantErr(t, "Write", err, tc.want, "")
		})
	}
}

func TestWriteFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "image.tar")
	boom := errors.New("disk on fire")
	failing := map[string]archive.Source{
		"a": archive.FromBytes([]byte("first")),
		"b": archive.FromReader(io.MultiReader(strings.NewReader(strings.Repeat("x", 3<<20)), iotest.ErrReader(boom)), 4<<20),
	}
	err := archive.WriteFile(context.Background(), dest, failing, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("WriteFile with a failing source = %v, want %v", err, boom)
	}
	if ls, _ := os.ReadDir(dir); len(ls) != 0 {
		t.Fatalf("after a failed write the folder holds %v, want nothing", ls)
	}

	// A whole write, then a cancelled one: the first stays.
	good := map[string]archive.Source{"a": archive.FromBytes([]byte("first"))}
	if err := archive.WriteFile(context.Background(), dest, good, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(dest)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := archive.WriteFile(ctx, dest, map[string]archive.Source{"z": archive.FromBytes([]byte("second"))}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteFile cancelled = %v, want context.Canceled", err)
	}
	after, _ := os.ReadFile(dest)
	if !bytes.Equal(before, after) {
		t.Errorf("a cancelled write changed %s", dest)
	}
	if ls, _ := os.ReadDir(dir); len(ls) != 1 {
		t.Errorf("after a cancelled write the folder holds %v, want only image.tar", ls)
	}
	fi, _ := os.Stat(dest)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("%s has mode %v, want 0644", dest, fi.Mode().Perm())
	}
	// Our own reader reads it back.
	a, err := archive.OpenFile(context.Background(), dest, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if b, err := a.ReadFile("a", 0); err != nil || string(b) != "first" {
		t.Errorf("ReadFile(a) = %q, %v, want first", b, err)
	}
}
