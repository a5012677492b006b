//go:build !linux

package layout

import (
	"context"
	"fmt"
	"os"
	"path"
)

// placeFile copies f's data under name in root (links and clones are
// put in place on Linux only).
func placeFile(ctx context.Context, root *os.Root, name string, f *os.File, size int64, link bool) (Placement, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("create %s: %w", dir, classifyOpenErr(root, dir, err))
		}
	}
	return Copied, copyInto(ctx, root, name, f, size)
}
