package layer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms Go
// runs Linux on with them (2 MiB: amd64, arm64 with 4 KiB pages).
const hugePage = 2 << 20

// chunkMemory maps n bytes outside the Go heap for a pool's chunks,
// aligned to and advised for transparent huge pages: a first touch of
// 1 MiB chunks then faults in one page of 2 MiB instead of 512 of
// 4 KiB, which matters where page faults are dear (on virtual machines
// they cost 10-30 us each). It returns nil when the mapping fails; the
// pool then allocates its chunks on the heap. unmap must be called only
// once nothing uses the memory.
func chunkMemory(n int) (mem []byte, unmap func()) {
	m, err := unix.Mmap(-1, 0, n+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, nil
	}
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(m))) & (hugePage - 1))
	mem = m[off : off+n : off+n]
	_ = unix.Madvise(mem, unix.MADV_HUGEPAGE) // advice: refused where huge pages are off
	return mem, func() { _ = unix.Munmap(m) }
}
