//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package layer

import (
	"context"
	"fmt"
	"io"
	"os"
)

// FromDir returns a [Source] of the folder at root: everything below
// it, parents before children, the entries of each folder in byte order
// of their names. On this system it reads the folder through an
// [os.Root], which keeps every open inside root but follows symbolic
// links that stay inside it; Write checks that each file it opens is a
// regular file of the size scanned.
func FromDir(root string) Source { return &rootSource{root: root} }

type rootSource struct{ root string }

func (s *rootSource) scan(ctx context.Context, add func(item) error) (scanned, error) {
	fi, err := os.Stat(s.root)
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("layer: %s: %w", s.root, ErrNotDir)
	}
	r, err := os.OpenRoot(s.root)
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	// The root stays open for the plan's lifetime: Write reads through it.
	return (&fsSource{fsys: r.FS()}).scan(ctx, add)
}

// fdFile is Unix's reader of an open file, which Write reads with one
// read more than its last bytes; no source makes one here.
type fdFile struct{}

func (*fdFile) Read([]byte) (int, error) { return 0, io.EOF }
