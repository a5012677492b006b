//go:build unix

package benchmarks

import "syscall"

// flushDirty writes back dirty pages, so that a benchmark writing a
// large file is not slowed by the previous run's writeback.
func flushDirty() { syscall.Sync() }
