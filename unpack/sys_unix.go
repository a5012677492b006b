//go:build unix

package unpack

import (
	"os"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// isRoot reports whether the process may create devices and set any
// owner.
func isRoot() bool { return os.Geteuid() == 0 }

// inParent runs fn with a descriptor of name's parent folder, opened
// through root (so within it), and name's last element.
func inParent(root *os.Root, name string, fn func(fd int, base string) error) error {
	d, err := root.Open(path.Dir(name))
	if err != nil {
		return err
	}
	defer d.Close()
	return fn(int(d.Fd()), path.Base(name))
}

// lchtimes sets the times of name without following a symbolic link.
func lchtimes(root *os.Root, name string, atime, mtime time.Time) error {
	return inParent(root, name, func(fd int, base string) error {
		ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
		return unix.UtimesNanoAt(fd, base, ts, unix.AT_SYMLINK_NOFOLLOW)
	})
}

// mknod makes a device (typ 'c' or 'b') or a FIFO ('p').
func mknod(root *os.Root, name string, typ byte, perm uint32, major, minor int64) error {
	mode := perm
	switch typ {
	case 'c':
		mode |= unix.S_IFCHR
	case 'b':
		mode |= unix.S_IFBLK
	default:
		mode |= unix.S_IFIFO
	}
	dev := unix.Mkdev(uint32(major), uint32(minor))
	return inParent(root, name, func(fd int, base string) error {
		return unix.Mknodat(fd, base, mode, int(dev))
	})
}

// setXattr sets an extended attribute on an open file or folder.
func setXattr(f *os.File, key, value string) error {
	return unix.Fsetxattr(int(f.Fd()), key, []byte(value), 0)
}

// errNotEmptyRename is what renaming over a folder that is not empty
// gives.
var errNotEmptyRename error = unix.ENOTEMPTY

// renameDir renames the folder from to to, replacing to if it is an
// empty folder (which os.Rename refuses), atomically.
func renameDir(from, to string) error {
	if err := unix.Rename(from, to); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}
