package layer_test

import (
	"fmt"
	"github.com/concil-go/ocispec/internal/tooltest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// compatTree writes the folder whose layer digests, as the ocispec
// command made them before this package existed, TestCompatibility
// pins: nested folders, names that sort around "/", an executable, an
// empty file and folder, a symbolic link, a hard link, a name longer
// than ustar allows, and files spanning several 1 MiB chunks.
func compatTree(t testing.TB, root string) {
	t.Helper()
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"bin/hello", []byte("#!/bin/sh\necho hello\n"), 0o700},
		{"etc/motd", []byte("welcome\n"), 0o600},
		{"a/b/deep.txt", []byte("deep\n"), 0o644},
		{"a-b/c", []byte("dash\n"), 0o644},
		{"a.b", []byte("dot\n"), 0o664},
		{"zero", nil, 0o644},
		{"long/" + strings.Repeat("n", 120) + ".txt", []byte("long name\n"), 0o644},
		{"data/noise.bin", noise(3<<20 + 17), 0o644},
		{"data/text.txt", text(2<<20 + 5), 0o755},
		{"\u00fcn\u00ef.txt", []byte("unicode\n"), 0o644},
	}
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../etc/motd", filepath.Join(root, "a", "motd")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(root, "etc", "motd"), filepath.Join(root, "etc", "motd.hard")); err != nil {
		t.Fatal(err)
	}
}

// noise returns n bytes from a xorshift generator: incompressible.
func noise(n int) []byte {
	b := make([]byte, n)
	var x uint32 = 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// text returns n bytes of numbered lines: compressible.
func text(n int) []byte {
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		fmt.Fprintf(&sb, "line %d: the quick brown fox jumps over the lazy dog %x\n", i, i*i)
	}
	return []byte(sb.String()[:n])
}

// TestWriteCompatTree writes the fixture to $LAYER_FIXTURE_DIR, for
// recomputing the pinned digests with another tool; it skips otherwise.
func TestWriteCompatTree(t *testing.T) {
	dir := os.Getenv("LAYER_FIXTURE_DIR")
	if dir == "" {
		tooltest.Skipf(t, "LAYER_FIXTURE_DIR is not set: nothing to write")
	}
	compatTree(t, dir)
}
