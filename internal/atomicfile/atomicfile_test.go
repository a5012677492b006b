package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "doc.json")
	if err := WriteFile(p, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), 0o640); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "two" {
		t.Errorf("ReadFile = %q, %v; want the second write", b, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after two writes, want 1 (no temporary file left)", len(entries))
	}
}

// A failed write leaves the old content and no temporary file.
func TestWriteFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = Write(root, "f", ".", TempPrefix, func(f *os.File) error {
		f.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the writer's error", err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "f"))
	entries, _ := os.ReadDir(dir)
	if string(b) != "old" || len(entries) != 1 {
		t.Errorf("after a failed write: content %q, %d entries; want %q and 1", b, len(entries), "old")
	}
}

func TestCreateTempPrefix(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f, name, err := CreateTemp(root, ".", "x-")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if !strings.HasPrefix(name, "x-") || len(name) != len("x-")+16 {
		t.Errorf("CreateTemp name = %q, want x- and 16 hex digits", name)
	}
}

// IsEmptyDir: a new folder is empty, one holding a file (even a hidden
// one) is not, and a missing folder is an error.
func TestIsEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if empty, err := IsEmptyDir(dir); !empty || err != nil {
		t.Errorf("IsEmptyDir(new folder) = %v, %v", empty, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if empty, err := IsEmptyDir(dir); empty || err != nil {
		t.Errorf("IsEmptyDir(folder with a file) = %v, %v", empty, err)
	}
	if _, err := IsEmptyDir(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("IsEmptyDir(missing) = nil error")
	}
}

func TestWritebackPassesBytesThrough(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := Writeback(f, f)
	want := make([]byte, 0, 20<<20)
	chunk := make([]byte, 3<<20+17)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for len(want) < 20<<20 {
		n, err := w.Write(chunk)
		if err != nil || n != len(chunk) {
			t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(chunk))
		}
		want = append(want, chunk...)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("file holds %d bytes, not the %d written", len(got), len(want))
	}
}
