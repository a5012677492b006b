//go:build !unix

package layout_test

import "testing"

// inode is 0 where files have no inode number: no two files share one.
func inode(t *testing.T, path string) uint64 { return 0 }
