package layout

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// failAfter is a writer that fails once n bytes went through, as a full
// disk does.
type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n, _ := f.w.Write(p[:f.n])
		f.n = 0
		return n, syscall.ENOSPC
	}
	f.n -= len(p)
	return f.w.Write(p)
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// TestPutBlobFailures: a full disk, a source with other bytes, a source
// that is too short or too long, a source that fails, a cancelled
// context: each is an error naming the blob, and no file is left under
// its name (nor any temporary file).
func TestPutBlobFailures(t *testing.T) {
	blob := bytes.Repeat([]byte("0123456789abcdef"), 300000) // 4.8 MB: several buffers
	d := core.DescriptorFromBytes(core.KindTar, blob)
	other := bytes.Clone(blob)
	other[len(other)-1] ^= 1
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		src  func() Source
		wrap func(io.Writer) io.Writer
		ctx  context.Context
		want error
	}{
		{"full disk", func() Source { return FromBytes(blob) }, func(w io.Writer) io.Writer { return &failAfter{w: w, n: 3 << 20} }, nil, syscall.ENOSPC},
		{"full disk at once", func() Source { return FromBytes(blob) }, func(w io.Writer) io.Writer { return &failAfter{w: w} }, nil, syscall.ENOSPC},
		{"other bytes", func() Source { return FromBytes(other) }, nil, nil, core.ErrDigestMismatch},
		{"short", func() Source { return FromBytes(blob[:len(blob)-1]) }, nil, nil, core.ErrSizeMismatch},
		{"long", func() Source { return FromBytes(append(bytes.Clone(blob), 'x')) }, nil, nil, core.ErrSizeMismatch},
		{"failing source", func() Source { return FromReader(io.MultiReader(bytes.NewReader(blob[:1<<20]), errReader{})) }, nil, nil, errBoom},
		{"missing file", func() Source { return FromFile("/nonexistent/blob") }, nil, nil, os.ErrNotExist},
		{"cancelled", func() Source { return FromBytes(blob) }, nil, cancelled, context.Canceled},
	}
	for _, kind := range []Kind{OCI, Dir} {
		for _, tt := range tests {
			t.Run(kind.String()+"/"+tt.name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "l")
				l, err := Create(dir, kind)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				before := files(t, dir)
				l.blobs.wrapWriter = tt.wrap
				c := tt.ctx
				if c == nil {
					c = context.Background()
				}
				err = l.PutBlob(c, d, tt.src(), nil)
				if !errors.Is(err, tt.want) {
					t.Fatalf("PutBlob = %v, want %v", err, tt.want)
				}
				var be *BlobError
				if !errors.As(err, &be) || be.Digest != d.Digest || !strings.Contains(err.Error(), d.Digest.Encoded()) {
					t.Errorf("PutBlob error %v does not name the blob", err)
				}
				if after := files(t, dir); !slices.Equal(after, before) {
					t.Errorf("files after a failed write = %q, want %q", after, before)
				}
			})
		}
	}
}

var errBoom = errors.New("boom")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }

// TestFailedRootWrite: a failure while index.json or manifest.json is
// written leaves the old one in place, whole.
func TestFailedRootWrite(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := writeFileAtomic(root, "index.json", []byte("old")); err != nil {
		t.Fatal(err)
	}
	err = writeAtomic(root, "index.json", func(f *os.File) error {
		w := &failAfter{w: f, n: 2}
		_, err := w.Write([]byte("new content"))
		return err
	})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("writeAtomic = %v, want ENOSPC", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "index.json")); string(b) != "old" {
		t.Errorf("index.json = %q after a failed write, want %q", b, "old")
	}
	if got := files(t, dir); !slices.Equal(got, []string{"index.json"}) {
		t.Errorf("files = %q", got)
	}
}

// TestDirCollectLeavesOthers: files that are not part of a dir: image
// survive the removal of the previous image's files; stale temporary
// files do not.
func TestDirCollectLeavesOthers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "l")
	l, err := Create(dir, Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	hex64 := strings.Repeat("ab", 32)
	hex128 := strings.Repeat("cd", 64)
	for _, n := range []string{
		hex64, "sha512-" + hex128, hex64 + ".manifest.json", "signature-1", hex64 + ".signature-2",
		tmpPrefix + "0123", // stale
		"notes.txt", "foo-bar", "sha256-" + hex64[:10], "signature-x", "ABCDEF", "blake9-" + hex64,
	} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	if err := l.impl.(dirKind).collect(map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"ABCDEF", "blake9-" + hex64, "foo-bar", "notes.txt", "sha256-" + hex64[:10], "signature-x", "version"}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Errorf("after dirCollect: %q, want %q", got, want)
	}
}

func TestDirFileDigest(t *testing.T) {
	hex64 := strings.Repeat("ab", 32)
	hex128 := strings.Repeat("cd", 64)
	for _, tt := range []struct {
		name     string
		d        digest.Digest
		instance bool
		ok       bool
	}{
		{hex64, digest.Digest("sha256:" + hex64), false, true},
		{"sha512-" + hex128, digest.Digest("sha512:" + hex128), false, true},
		{hex64 + ".manifest.json", digest.Digest("sha256:" + hex64), true, true},
		{"sha512-" + hex128 + ".manifest.json", digest.Digest("sha512:" + hex128), true, true},
		{strings.ToUpper(hex64), "", false, false},
		{"sha256-" + hex64, "", false, false}, // sha256 blobs have no prefix
		{"manifest.json", "", false, false},
		{"version", "", false, false},
		{"x-" + hex64, "", false, false},
	} {
		d, inst, ok := dirFileDigest(core.DefaultAlgorithms, tt.name)
		if ok != tt.ok || ok && (d != tt.d || inst != tt.instance) {
			t.Errorf("dirFileDigest(%q) = %q, %v, %v; want %q, %v, %v", tt.name, d, inst, ok, tt.d, tt.instance, tt.ok)
		}
		if ok {
			var name string
			if inst {
				name, _ = dirInstanceName(core.DefaultAlgorithms, d)
			} else {
				name, _ = dirBlobName(core.DefaultAlgorithms, d)
			}
			if name != tt.name {
				t.Errorf("name of %q = %q, want %q", d, name, tt.name)
			}
		}
	}
}

// FuzzBlobPath: whatever the digest, the path is an error or a clean
// relative path below the layout, made of the digest's two parts.
func FuzzBlobPath(f *testing.F) {
	for _, s := range []string{
		"sha256:" + strings.Repeat("a", 64), "sha512:" + strings.Repeat("0", 128),
		"sha256:../../etc/passwd", "a+b.c_d-e:xyz=", "sha256:", ":", "", "x:y/z", "x:..", "..:x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := digest.Digest(s)
		for _, kind := range []Kind{OCI, Dir} {
			var name string
			var err error
			if kind == OCI {
				name, err = ociBlobPath(core.DefaultAlgorithms, d)
			} else {
				name, err = dirBlobName(core.DefaultAlgorithms, d)
			}
			if err != nil {
				continue
			}
			if name != path.Clean(name) || path.IsAbs(name) || strings.HasPrefix(name, "..") || strings.ContainsAny(name, "\x00\\") {
				t.Fatalf("%v: path of %q = %q is not a clean relative path", kind, s, name)
			}
			alg, enc, _ := strings.Cut(s, ":")
			if !strings.Contains(name, enc) || !strings.Contains(name, alg) && alg != "sha256" {
				t.Fatalf("%v: path of %q = %q does not hold its parts", kind, s, name)
			}
			if kind == Dir {
				if got, _, ok := dirFileDigest(core.DefaultAlgorithms, name); ok && got != d {
					t.Fatalf("dirFileDigest(%q) = %q, want %q", name, got, d)
				}
			}
		}
	})
}

// FuzzParseDirVersion: only the two exact version files are accepted.
func FuzzParseDirVersion(f *testing.F) {
	for _, s := range []string{DirVersion11, DirVersion12, "Directory Transport Version: 1.3\n", "Directory Transport Version: 01.1\n", "Directory Transport Version:  1.1\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := parseDirVersion(b)
		if err == nil && v != DirVersion11 && v != DirVersion12 {
			t.Fatalf("parseDirVersion(%q) = %q", b, v)
		}
		if err == nil && string(b) != v {
			t.Fatalf("parseDirVersion(%q) accepted it as %q", b, v)
		}
	})
}

// A version file without its final newline is refused with a message
// that says so, not one that shows two strings alike.
func TestDirVersionMissingNewline(t *testing.T) {
	_, err := parseDirVersion([]byte("Directory Transport Version: 1.1"))
	if err == nil || !strings.Contains(err.Error(), "newline") {
		t.Errorf("parseDirVersion(no newline) = %v, want an error about the newline", err)
	}
}
