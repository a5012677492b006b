//go:build !unix

package benchmarks

func flushDirty() {}
