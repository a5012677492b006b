package layout

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
)

// All file access goes through an *os.Root opened on the layout's
// folder: names are slash-separated and relative, and the kernel-level
// resolution of os.Root refuses any name (or symbolic link) that would
// lead outside the folder.

// openRegular opens name for reading and checks that it is a regular
// file. A pipe or device is opened without blocking (so a FIFO put
// under a blob's name cannot hang the reader) and then refused.
func openRegular(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, classifyOpenErr(root, name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%w: it is a %s", core.ErrNotRegular, describeMode(fi.Mode()))
	}
	return f, fi, nil
}

// statRegular reports whether name exists as a regular file (following
// links that stay inside the layout) and its size.
func statRegular(root *os.Root, name string) (fs.FileInfo, error) {
	fi, err := root.Stat(name)
	if err != nil {
		return nil, classifyOpenErr(root, name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: it is a %s", core.ErrNotRegular, describeMode(fi.Mode()))
	}
	return fi, nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "special file (" + m.String() + ")"
}

// classifyOpenErr turns an error of os.Root into one of this package's:
// core.ErrNotFound when the file is not there, ErrUnsafePath when a symbolic
// link on the way leads outside the layout.
func classifyOpenErr(root *os.Root, name string, err error) error {
	link := symlinkOnPath(root, name)
	switch {
	case errors.Is(err, fs.ErrNotExist) && link == "":
		return fmt.Errorf("%w: no such file", core.ErrNotFound)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: symbolic link %s leads to nothing", core.ErrNotFound, link)
	case link != "":
		target, _ := root.Readlink(link)
		return fmt.Errorf("%w: symbolic link %s points to %q: %v", ErrUnsafePath, link, target, unwrapPathErr(err))
	}
	return err
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// symlinkOnPath returns the first component of name (a prefix of it)
// that is a symbolic link, or "".
func symlinkOnPath(root *os.Root, name string) string {
	parts := strings.Split(name, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		fi, err := root.Lstat(p)
		if err != nil {
			return ""
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return p
		}
	}
	return ""
}

// exists reports whether name exists (as anything) without following
// a final symbolic link.
func exists(root *os.Root, name string) (bool, error) {
	_, err := root.Lstat(name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// tempFile creates a new temporary file in the layout's top folder,
// owned: it holds an exclusive flock on it until it is closed, so that
// a sweeper (see [Layout.Sweep]) knows it is in use. A file a sweeper
// claimed or removed between its creation and the lock is given up for
// another name.
func tempFile(root *os.Root) (*os.File, string, error) {
	var rnd [8]byte
	for range 16 {
		rand.Read(rnd[:])
		name := tmpPrefix + hex.EncodeToString(rnd[:])
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if ownEntry(f) == nil && stillNamed(root, name, f) {
			return f, name, nil
		}
		f.Close()
	}
	return nil, "", errors.New("layout: cannot create a temporary file")
}

// stillNamed reports whether name is still f's file (a sweeper has not
// removed it since f was opened).
func stillNamed(root *os.Root, name string, f *os.File) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := root.Lstat(name)
	return err == nil && os.SameFile(a, b)
}

// tempName returns a name for a temporary file in the layout's top
// folder that no file has now.
func tempName(root *os.Root) (string, error) {
	var rnd [8]byte
	for range 16 {
		rand.Read(rnd[:])
		name := tmpPrefix + hex.EncodeToString(rnd[:])
		if ok, err := exists(root, name); err != nil {
			return "", err
		} else if !ok {
			return name, nil
		}
	}
	return "", errors.New("layout: cannot find a free temporary name")
}

// syncDir flushes a directory's entries (a rename into it) to disk.
// File systems that cannot sync directories are not an error.
func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !syncUnsupported(err) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// writeAtomic writes a file in place the crash-safe way: into a
// temporary file in the layout's top folder, through write; then the
// data is synced, the file renamed to name (creating name's directory
// if needed) and the directory synced. A failure at any step removes
// the temporary file, so name holds either its old content or the new,
// whole. The temporary file is passed to write so that it can hash
// what it writes; write must not close it.
func writeAtomic(root *os.Root, name string, write func(f *os.File) error) error {
	if err := writeUnsynced(root, name, write); err != nil {
		return err
	}
	// The new name is durable once its folder is synced. The temporary
	// name's removal from the top folder is not synced: after a crash it
	// may come back, an unused file that dir: writes and Create clear.
	return syncDir(root, path.Dir(name))
}

// writeUnsynced is writeAtomic without the final sync of name's folder:
// the content is durable, the name not yet. Callers that write several
// files into one folder sync it once, before anything refers to them.
func writeUnsynced(root *os.Root, name string, write func(f *os.File) error) (err error) {
	f, tmp, err := tempFile(root)
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", name, err)
	}
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			root.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if dir := path.Dir(name); dir != "." {
		if err = root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, classifyOpenErr(root, dir, err))
		}
	}
	// Renamed while still open, so that the temporary file stays owned
	// (flocked) until it has its final name.
	if err = root.Rename(tmp, name); err != nil {
		return fmt.Errorf("rename into %s: %w", name, classifyOpenErr(root, name, err))
	}
	err = f.Close()
	f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	return nil
}

// dirSyncs collects the folders blobs were renamed into, to sync each
// once. It is safe for concurrent use.
type dirSyncs struct {
	mu   sync.Mutex
	dirs map[string]bool
}

func (s *dirSyncs) add(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirs == nil {
		s.dirs = map[string]bool{}
	}
	s.dirs[path.Dir(name)] = true
}

func (s *dirSyncs) sync(root *os.Root) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for d := range s.dirs {
		if err := syncDir(root, d); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic is writeAtomic for bytes already in memory.
func writeFileAtomic(root *os.Root, name string, data []byte) error {
	return writeAtomic(root, name, func(f *os.File) error {
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return nil
	})
}

// readSmallFile reads a top-level file of at most max bytes.
func readSmallFile(root *os.Root, name string, max int64) ([]byte, error) {
	f, _, err := openRegular(root, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: larger than %d bytes", core.ErrTooLarge, max)
	}
	return b, nil
}
