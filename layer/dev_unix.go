//go:build unix

package layer

import "golang.org/x/sys/unix"

func devNumbers(rdev uint64) (major, minor int64) {
	return int64(unix.Major(rdev)), int64(unix.Minor(rdev))
}
