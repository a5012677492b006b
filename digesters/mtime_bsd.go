//go:build darwin || freebsd || netbsd

package digesters

import (
	"syscall"
	"time"
)

func mtime(st *syscall.Stat_t) time.Time {
	return time.Unix(int64(st.Mtimespec.Sec), int64(st.Mtimespec.Nsec))
}
