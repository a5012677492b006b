//go:build unix

package layer_test

import (
	"bytes"
	"context"
	"errors"
	"github.com/concil-go/ocispec/internal/tooltest"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layer"
)

const secret = "TOP SECRET, outside the folder\n"

// swapTree makes a folder with dir/f, the same size as a secret file
// outside it, and returns both folders.
func swapTree(t *testing.T) (root, outside string) {
	t.Helper()
	root, outside = t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(root, "dir", "f"), filepath.Join(outside, "f")} {
		data := secret
		if strings.HasPrefix(p, root) {
			data = strings.Repeat("x", len(secret))
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

// TestChangedAfterScan changes the folder between Scan and Write in
// every hostile way: Write must fail with ErrFileChanged naming the
// file, and never put the outside file in the layer.
func TestChangedAfterScan(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, root, outside string) error
	}{
		{"file swapped for a symlink", func(t *testing.T, root, outside string) error {
			f := filepath.Join(root, "dir", "f")
			if err := os.Remove(f); err != nil {
				return err
			}
			return os.Symlink(filepath.Join(outside, "f"), f)
		}},
		{"folder swapped for a symlink", func(t *testing.T, root, outside string) error {
			d := filepath.Join(root, "dir")
			if err := os.Rename(d, d+".old"); err != nil {
				return err
			}
			return os.Symlink(outside, d)
		}},
		{"root swapped for another folder", func(t *testing.T, root, outside string) error {
			if err := os.Rename(root, root+".old"); err != nil {
				return err
			}
			return os.Symlink(outside, root)
		}},
		{"file replaced by another of the same size", func(t *testing.T, root, outside string) error {
			tmp := filepath.Join(root, "new")
			if err := os.WriteFile(tmp, []byte(strings.Repeat("y", len(secret))), 0o644); err != nil {
				return err
			}
			return os.Rename(tmp, filepath.Join(root, "dir", "f"))
		}},
		{"file replaced by a folder", func(t *testing.T, root, outside string) error {
			f := filepath.Join(root, "dir", "f")
			if err := os.Remove(f); err != nil {
				return err
			}
			return os.Mkdir(f, 0o755)
		}},
		{"file replaced by a named pipe", func(t *testing.T, root, outside string) error {
			f := filepath.Join(root, "dir", "f")
			if err := os.Remove(f); err != nil {
				return err
			}
			return syscall.Mkfifo(f, 0o644)
		}},
		{"file removed", func(t *testing.T, root, outside string) error {
			return os.Remove(filepath.Join(root, "dir", "f"))
		}},
		{"file grew", func(t *testing.T, root, outside string) error {
			return os.WriteFile(filepath.Join(root, "dir", "f"), []byte(secret+"more"), 0o644)
		}},
		{"file shrank", func(t *testing.T, root, outside string) error {
			return os.Truncate(filepath.Join(root, "dir", "f"), 3)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer verifyNone(t)
			root, outside := swapTree(t)
			plan, err := layer.Scan(context.Background(), layer.FromDir(root))
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.change(t, root, outside); err != nil {
				t.Fatal(err)
			}
			for _, c := range compressions {
				var buf bytes.Buffer
				_, err := plan.Write(context.Background(), &buf, layer.Options{Compression: c})
				if !errors.Is(err, layer.ErrFileChanged) {
					t.Errorf("%v: Write after %s: error %v, want ErrFileChanged", c, tt.name, err)
				}
				if err != nil && !strings.Contains(err.Error(), root) {
					t.Errorf("%v: error %q does not name the file", c, err)
				}
				if c == core.Uncompressed && bytes.Contains(buf.Bytes(), []byte(secret)) {
					t.Errorf("the layer holds the outside file's content")
				}
			}
		})
	}
}

// TestChangedWhileRead changes a file while Write reads it, from the
// progress callback that follows each read.
func TestChangedWhileRead(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(path string) error
		want   string
	}{
		{"grew", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write(make([]byte, 3<<20))
			return err
		}, "grew past the 3145728 bytes"},
		{"shrank", func(p string) error { return os.Truncate(p, 1<<20+100) }, "it had 3145728 bytes when scanned, 1048676 now"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer verifyNone(t)
			root := t.TempDir()
			p := filepath.Join(root, "big")
			if err := os.WriteFile(p, make([]byte, 3<<20), 0o644); err != nil {
				t.Fatal(err)
			}
			plan, err := layer.Scan(context.Background(), layer.FromDir(root))
			if err != nil {
				t.Fatal(err)
			}
			var changeErr error
			calls := 0
			_, err = plan.Write(context.Background(), ioDiscard{}, layer.Options{Compression: core.Gzip, Progress: func(int64) {
				if calls++; calls == 1 {
					changeErr = tt.change(p)
				}
			}})
			if changeErr != nil {
				t.Fatal(changeErr)
			}
			if !errors.Is(err, layer.ErrFileChanged) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Write while the file %s: error %v, want ErrFileChanged naming %s and saying %q", tt.name, err, p, tt.want)
			}
		})
	}
}

// TestSpecialFiles: a named pipe or a socket in the folder is refused
// before anything is written in a reproducible layer, or skipped when
// asked; a socket is never written.
func TestSpecialFiles(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(root, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		tooltest.Skipf(t, "cannot make a socket: %v", err)
	}
	defer ln.Close()
	plan, err := layer.Scan(context.Background(), layer.FromDir(root))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []layer.Mode{layer.Reproducible, layer.Preserve} {
		var buf bytes.Buffer
		_, err := plan.Write(context.Background(), &buf, layer.Options{Mode: mode})
		if !errors.Is(err, layer.ErrUnsupportedFile) || buf.Len() != 0 {
			t.Errorf("%v: Write(folder with a pipe and a socket) = %v after %d bytes, want ErrUnsupportedFile before any byte", mode, err, buf.Len())
		}
		l, err := plan.Write(context.Background(), &buf, layer.Options{Mode: mode, SkipUnsupported: true})
		if err != nil {
			t.Fatalf("%v: Write with SkipUnsupported: %v", mode, err)
		}
		want := "pipe,sock"
		if mode == layer.Preserve && os.Geteuid() == 0 {
			want = "sock"
		}
		if got := strings.Join(l.Skipped, ","); got != want {
			t.Errorf("%v: Skipped = %s, want %s", mode, got, want)
		}
	}
	if _, err := plan.Write(context.Background(), ioDiscard{}, layer.Options{}); err == nil || !strings.Contains(err.Error(), "pipe") || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("error %v does not name the pipe", err)
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := layer.Scan(context.Background(), layer.FromDir(file)); !errors.Is(err, layer.ErrNotDir) {
		t.Errorf("Scan(FromDir(file)) error = %v, want ErrNotDir", err)
	}
	if _, err := layer.Scan(context.Background(), layer.FromDir(filepath.Join(dir, "missing"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Scan(FromDir(missing)) error = %v, want fs.ErrNotExist", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".wh.sneaky"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := layer.Scan(context.Background(), layer.FromDir(dir)); !errors.Is(err, layer.ErrReservedName) {
		t.Errorf("Scan(folder with .wh.sneaky) error = %v, want ErrReservedName", err)
	}
}

// TestSymlinkRoot: a root given as a symbolic link is followed.
func TestSymlinkRoot(t *testing.T) {
	root := t.TempDir()
	compatTree(t, root)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	a, _ := build(t, layer.Options{}, layer.FromDir(root))
	b, _ := build(t, layer.Options{}, layer.FromDir(link))
	if a.Digest != b.Digest {
		t.Errorf("layer through a linked root = %s, want %s", b.Digest, a.Digest)
	}
}
