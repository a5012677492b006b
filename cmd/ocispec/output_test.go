package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/concil-go/ocispec/internal/tooltest"
)

// An output named by a symbolic link to an empty folder gets the image
// in that folder, and the link stays; a link to nothing is a clear error
// and nothing is written.
func TestOutputSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	pack(t, "--tag", "v1", exampleDir(), link)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi, err)
	}
	if in := inspect(t, "--tag", "v1", target); in.Layout != "oci" {
		t.Errorf("the link's target holds %+v, want the image", in)
	}

	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	fails(t, 1, []string{"symbolic link", "nowhere", "does not exist"}, "pack", exampleDir(), dangling)
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); !os.IsNotExist(err) {
		t.Errorf("the link's target was created: %v", err)
	}
}

// Packing into an existing layout writes nothing beside it (so it needs
// no write permission there), and leaves no scratch folder inside.
func TestOutputInPlaceWritesOnlyInside(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	out := filepath.Join(parent, "layout")
	pack(t, "--tag", "a", exampleDir(), out)
	before, _ := os.ReadDir(parent)
	if err := os.Chmod(parent, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(parent, 0o755)
	pack(t, "--tag", "b", "--layer", "tar+zstd="+exampleDir(), out)
	after, _ := os.ReadDir(parent)
	if len(after) != len(before) {
		t.Errorf("packing into %s changed its parent folder: %d entries, then %d", out, len(before), len(after))
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".ocispec-") {
			t.Errorf("scratch %s left inside the layout", e.Name())
		}
	}
	inspect(t, "--tag", "a", out)
	inspect(t, "--tag", "b", out)
}

// Commands creating the same new folder at once all succeed, in other
// processes, and every tag is there.
func TestOutputConcurrentCreation(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "shared")
	const n = 8
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = run(t, "pack", "--tag", "t"+string(rune('a'+i)), exampleDir(), out)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("pack %d: exit %d\n%s", i, r.code, r.stderr)
		}
	}
	for i := range n {
		inspect(t, "--tag", "t"+string(rune('a'+i)), out)
	}
	ok(t, "verify", out)
}

// An empty mount point as the output is written into (it cannot be
// replaced), as root with a tmpfs.
func TestOutputMountPoint(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		tooltest.Skipf(t, "mounting a tmpfs needs root")
	}
	mountCmd := tooltest.Need(t, "mount")
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(mountCmd, "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt).CombinedOutput(); err != nil {
		tooltest.Skipf(t, "cannot mount a tmpfs here: %v: %s", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	pack(t, exampleDir(), mnt)
	ok(t, "verify", mnt)
}
