//go:build unix

package layer

import (
	"io/fs"
	"syscall"
)

// sysInfo fills e's owner and device numbers from a *syscall.Stat_t
// behind info, and returns the file's identity; unknown without one.
func sysInfo(info fs.FileInfo, e *Entry) fileID {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}
	}
	e.Uid, e.Gid = int(st.Uid), int(st.Gid)
	if e.Type == TypeCharDevice || e.Type == TypeBlockDevice {
		e.Devmajor, e.Devminor = devNumbers(uint64(st.Rdev))
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino), nlink: uint64(st.Nlink), known: true}
}
