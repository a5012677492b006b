package layout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Prefixes of what writers leave while they work, and what a writer
// killed before it finished leaves behind. Inside the layout's folder:
// temporary files (tmpPrefix, every blob and document before it is
// renamed into place), writers' scratch folders (WorkPrefix) and the
// spools of archives read into the layout (SpoolPrefix). Beside it: the
// folder a new layout is built in before it is renamed to its name,
// "." + the layout's name + BesidePrefix + random.
const (
	// SpoolPrefix starts the names of the folders an archive's blobs are
	// spooled into on the destination's file system.
	SpoolPrefix = ".ocispec-spool-"
	// BesidePrefix follows "." and a new layout's name in the folder it
	// is built in, beside where it will be.
	BesidePrefix = ".ocispec-tmp-"
)

// Leftover is a temporary file or scratch folder that no live writer
// owns: what a writer killed before it finished left.
type Leftover struct {
	// Path is the leftover's path: the layout's path joined with its
	// name, or for a workspace beside the layout, the folder above's.
	Path string
	// Size is its size in bytes (a folder's: the sum of the regular
	// files in it).
	Size int64
	// Dir is true for a folder.
	Dir bool
}

// Leftovers lists the leftovers of interrupted writes in the layout's
// folder and beside it (see [Layout.Sweep]), without removing them.
// Ownership is known by flock: every writer of this package holds an
// exclusive flock on each temporary file and scratch folder it uses,
// from its creation until it is renamed or removed, so one that can be
// locked has no live owner. Where flock does not exist nothing is
// listed.
func (l *Layout) Leftovers(ctx context.Context) ([]Leftover, error) {
	return l.leftovers(ctx, false)
}

// Sweep removes the leftovers of interrupted writes, under the layout's
// lock, and returns what it removed. Only entries no live writer owns
// are touched (see [Layout.Leftovers]), so Sweep is safe beside writers
// in this and other processes. Every writer that takes the layout's
// lock (a commit, Tag, Untag, Create, GC) sweeps once per opened Layout.
func (l *Layout) Sweep(ctx context.Context) ([]Leftover, error) {
	unlock, err := l.lockOnly(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return l.sweepLocked(ctx)
}

// sweepLocked is Sweep with the lock held.
func (l *Layout) sweepLocked(ctx context.Context) ([]Leftover, error) {
	l.swept = true
	return l.leftovers(ctx, true)
}

// sweepOnce sweeps the first time a writer of this Layout holds the
// lock. Leftovers that cannot be removed do not fail the write.
func (l *Layout) sweepOnce(ctx context.Context) {
	if !l.swept {
		l.sweepLocked(ctx)
	}
}

// leftovers lists (and with remove, removes) the entries no live writer
// owns.
func (l *Layout) leftovers(ctx context.Context, remove bool) ([]Leftover, error) {
	var out []Leftover
	var errs []error
	inside, err := readNames(l.root.FS(), ".")
	if err != nil {
		return nil, fmt.Errorf("layout: %s: %w", l.path, err)
	}
	for _, n := range inside {
		if !isLeftoverName(n) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		lo, ok, err := claim(l.root, l.root.FS(), n, filepath.Join(l.path, n), remove)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			out = append(out, lo)
		}
	}
	parent, base := filepath.Split(filepath.Clean(l.path))
	if parent == "" {
		parent = "."
	}
	if base == "." || base == ".." || base == string(filepath.Separator) {
		return out, errors.Join(errs...)
	}
	proot, err := os.OpenRoot(parent)
	if err != nil {
		return out, errors.Join(errs...) // no folder above to look in
	}
	defer proot.Close()
	beside, err := readNames(proot.FS(), ".")
	if err != nil {
		return out, errors.Join(errs...)
	}
	prefix := "." + base + BesidePrefix
	for _, n := range beside {
		if !strings.HasPrefix(n, prefix) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
		lo, ok, err := claim(proot, proot.FS(), n, filepath.Join(parent, n), remove)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			out = append(out, lo)
		}
	}
	return out, errors.Join(errs...)
}

// isLeftoverName reports whether a name in a layout's folder is one a
// writer uses while it works.
func isLeftoverName(n string) bool {
	return strings.HasPrefix(n, tmpPrefix) || strings.HasPrefix(n, WorkPrefix) || strings.HasPrefix(n, SpoolPrefix)
}

// readNames lists a folder's names, sorted.
func readNames(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	slices.Sort(names)
	return names, nil
}

// claim locks the entry name of root; when no live writer owns it, it
// returns what it is (and with remove, removes it while it holds the
// lock). Symbolic links and entries that vanish are left alone.
func claim(root *os.Root, fsys fs.FS, name, shown string, remove bool) (Leftover, bool, error) {
	fi, err := root.Lstat(name)
	if err != nil || !(fi.Mode().IsRegular() || fi.IsDir()) {
		return Leftover{}, false, nil
	}
	f, err := root.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return Leftover{}, false, nil
	}
	defer f.Close()
	if !claimEntry(f) || !stillNamed(root, name, f) {
		return Leftover{}, false, nil
	}
	lo := Leftover{Path: shown, Size: fi.Size(), Dir: fi.IsDir()}
	if lo.Dir {
		lo.Size = treeSize(fsys, name)
	}
	if remove {
		if err := root.RemoveAll(name); err != nil {
			return lo, false, fmt.Errorf("layout: remove leftover %s: %w", shown, err)
		}
	}
	return lo, true, nil
}

// treeSize sums the sizes of the regular files under dir.
func treeSize(fsys fs.FS, dir string) int64 {
	var n int64
	fs.WalkDir(fsys, dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// MakeWorkspace creates a new scratch folder in dir, named pattern with
// random characters in place of its last "*" (or after it, as
// os.MkdirTemp does), owned by the caller until unlock is called: a
// sweeper in any process leaves it alone meanwhile. A folder inside a
// layout should be named with [WorkPrefix] or [SpoolPrefix], one beside
// a new layout "." + its name + [BesidePrefix], so that it is swept
// when a writer is killed. unlock does not remove the folder.
func MakeWorkspace(dir, pattern string) (path string, unlock func(), err error) {
	for range 16 {
		p, err := os.MkdirTemp(dir, pattern)
		if err != nil {
			return "", nil, err
		}
		f, err := os.Open(p)
		if err != nil {
			return "", nil, err
		}
		if ownEntry(f) == nil {
			a, err1 := f.Stat()
			b, err2 := os.Lstat(p)
			if err1 == nil && err2 == nil && os.SameFile(a, b) {
				return p, func() { f.Close() }, nil
			}
		}
		f.Close() // a sweeper took it: it removes it
	}
	return "", nil, fmt.Errorf("layout: cannot create a scratch folder in %s", dir)
}
