//go:build unix && !(darwin || freebsd || netbsd)

package digesters

import (
	"syscall"
	"time"
)

func mtime(st *syscall.Stat_t) time.Time {
	return time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec))
}
