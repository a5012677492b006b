//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// syncUnsupported reports whether a folder's Sync failed because the
// file system cannot sync folders.
func syncUnsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}
