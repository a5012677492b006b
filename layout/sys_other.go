//go:build !unix

package layout

import (
	"context"
	"os"
)

const openNonblock = 0

func syncUnsupported(err error) bool { return true }

// lockFolder is a no-op where flock is not available; writers in one
// process are still serialised by the layout's mutex.
func lockFolder(ctx context.Context, root *os.Root) (unlock func(), err error) {
	return func() {}, ctx.Err()
}

// ownEntry: without flock, ownership is not recorded.
func ownEntry(*os.File) error { return nil }

// claimEntry: without flock, no leftover can be told from a live
// writer's file, so none is claimed (and none swept).
func claimEntry(*os.File) bool { return false }

// flockWait: without flock, GC is serialised with the writers of its
// own Layout only.
func flockWait(ctx context.Context, f *os.File, exclusive bool, onWait func()) error {
	return ctx.Err()
}
