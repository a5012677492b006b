//go:build !unix

package atomicfile

// syncUnsupported: folders cannot be synced here.
func syncUnsupported(error) bool { return true }
