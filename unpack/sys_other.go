//go:build !unix

package unpack

import (
	"errors"
	"os"
	"time"
)

func isRoot() bool { return false }

func lchtimes(root *os.Root, name string, atime, mtime time.Time) error { return nil }

func mknod(root *os.Root, name string, typ byte, perm uint32, major, minor int64) error {
	return errors.ErrUnsupported
}

func setXattr(f *os.File, key, value string) error { return errors.ErrUnsupported }

var errNotEmptyRename = errors.New("unpack: folder not empty")

func renameDir(from, to string) error {
	os.Remove(to) // only an empty folder
	return os.Rename(from, to)
}
