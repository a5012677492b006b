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
