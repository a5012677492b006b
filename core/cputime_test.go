//go:build linux || darwin

package core_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the process has used,
// or -1 where it cannot be read. Benchmarks report it per operation
// beside the wall time: on a shared machine it does not count the time
// spent waiting for a core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
