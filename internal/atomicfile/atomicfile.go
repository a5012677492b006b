// Package atomicfile writes files the crash-safe way, for every package
// of the module that writes one: into a temporary file in the target's
// folder, synced, renamed over the final name, and the folder synced.
// A failure at any step removes the temporary file, so the final name
// holds either its old content or the new one, whole; after a crash the
// temporary file may remain, under a name that starts with the prefix
// given (so that a later writer can sweep it).
//
//	err := atomicfile.WriteFile("out/manifest.json", data, 0o644)
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// TempPrefix starts the names of the temporary files this package
// creates unless told otherwise.
const TempPrefix = ".ocispec-tmp-"

// CreateTemp creates a new temporary file named prefix plus random hex
// in folder dir of root, exclusively.
func CreateTemp(root *os.Root, dir, prefix string) (*os.File, string, error) {
	var rnd [8]byte
	for range 16 {
		rand.Read(rnd[:])
		name := path.Join(dir, prefix+hex.EncodeToString(rnd[:]))
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
	}
	return nil, "", errors.New("atomicfile: cannot create a temporary file")
}

// SyncDir flushes a folder's entries (a rename into it) to disk. File
// systems that cannot sync folders are not an error.
func SyncDir(root *os.Root, dir string) error {
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

// Write writes name in root through write, which gets the temporary
// file (created in tmpDir of root, named with prefix) and must not close
// it; then syncs, renames and syncs name's folder.
func Write(root *os.Root, name, tmpDir, prefix string, write func(f *os.File) error) error {
	if err := WriteUnsynced(root, name, tmpDir, prefix, write); err != nil {
		return err
	}
	return SyncDir(root, path.Dir(name))
}

// WriteUnsynced is Write without the final sync of name's folder: the
// content is durable, the name not yet. Callers that write several files
// into one folder sync it once, before anything refers to them.
func WriteUnsynced(root *os.Root, name, tmpDir, prefix string, write func(f *os.File) error) (err error) {
	f, tmp, err := CreateTemp(root, tmpDir, prefix)
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
	if err = f.Close(); err != nil {
		f = nil
		return fmt.Errorf("close %s: %w", name, err)
	}
	f = nil
	if dir := path.Dir(name); dir != "." {
		if err = root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	if err = root.Rename(tmp, name); err != nil {
		return fmt.Errorf("rename into %s: %w", name, err)
	}
	return nil
}

// WriteFile writes data to the file at path atomically, with mode perm,
// through a temporary file in path's folder.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return Write(root, base, ".", "."+base+TempPrefix, func(f *os.File) error {
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return f.Chmod(perm)
	})
}

// IsEmptyDir reports whether the folder at path holds nothing, reading
// one entry at most: the check before a new file or layout takes a
// folder's place.
func IsEmptyDir(path string) (bool, error) {
	d, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return len(names) == 0, err
}
