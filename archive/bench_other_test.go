//go:build !unix

package archive_test

func cpuTime() int64 { return 0 }
