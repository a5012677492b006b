package layout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"

	"golang.org/x/sys/unix"
)

// placeFile puts f's data under name in root: a hard link to f's inode
// (through /proc/self/fd, so that the inode linked is the one that was
// verified, whatever happened to f's name since), else a FICLONE clone,
// else a copy_file_range copy; each under a temporary name first, synced,
// then renamed.
func placeFile(ctx context.Context, root *os.Root, name string, f *os.File, size int64, link bool) (Placement, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("create %s: %w", dir, classifyOpenErr(root, dir, err))
		}
	}
	if link {
		if err := linkInto(root, name, f); err == nil {
			return Linked, nil
		}
	}
	if err := cloneInto(root, name, f); err == nil {
		return Cloned, nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := copyRangeInto(ctx, root, name, f, size); err == nil {
		return Copied, nil
	} else if !errors.Is(err, errNoLink) {
		return 0, err
	}
	return Copied, copyInto(ctx, root, name, f, size)
}

// linkInto hard-links f's inode to a temporary name in root's top
// folder, syncs its data and renames it to name.
func linkInto(root *os.Root, name string, f *os.File) error {
	top, err := root.Open(".")
	if err != nil {
		return err
	}
	defer top.Close()
	tmp, err := tempName(root)
	if err != nil {
		return err
	}
	src := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	if err := unix.Linkat(unix.AT_FDCWD, src, int(top.Fd()), tmp, unix.AT_SYMLINK_FOLLOW); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		root.Remove(tmp)
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		root.Remove(tmp)
		return fmt.Errorf("rename into %s: %w", name, classifyOpenErr(root, name, err))
	}
	return nil
}

// cloneInto makes a temporary file share f's data (FICLONE, on file
// systems with reflinks: btrfs, XFS, ...), syncs and renames it.
func cloneInto(root *os.Root, name string, f *os.File) error {
	return writeUnsynced(root, name, func(t *os.File) error {
		return unix.IoctlFileClone(int(t.Fd()), int(f.Fd()))
	})
}

// copyRangeInto copies f into a temporary file with copy_file_range,
// which copies inside the kernel (and on some file systems shares
// extents). errNoLink says the kernel or file system has no such call.
func copyRangeInto(ctx context.Context, root *os.Root, name string, f *os.File, size int64) error {
	return writeUnsynced(root, name, func(t *os.File) error {
		var off int64
		for off < size {
			if err := ctx.Err(); err != nil {
				return err
			}
			n, err := unix.CopyFileRange(int(f.Fd()), &off, int(t.Fd()), nil, int(min(size-off, 1<<30)), 0)
			if err != nil {
				if off == 0 && (errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EXDEV) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP)) {
					return errNoLink
				}
				return fmt.Errorf("copy_file_range: %w", err)
			}
			if n == 0 {
				return fmt.Errorf("copy_file_range: the source ended at %d of %d bytes", off, size)
			}
		}
		return nil
	})
}
