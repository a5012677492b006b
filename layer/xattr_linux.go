package layer

import (
	"bytes"

	"golang.org/x/sys/unix"
)

// maxXattrs caps what is read of one file's extended attributes: the
// names list and each value (Linux allows 64 KiB each).
const maxXattrs = 1 << 16

// readXattrs returns the extended attributes of the open file fd.
func readXattrs(fd int) (map[string]string, error) {
	buf := make([]byte, 1024)
	var n int
	var err error
	for {
		n, err = unix.Flistxattr(fd, buf)
		if err == unix.ERANGE && len(buf) < maxXattrs {
			buf = make([]byte, maxXattrs)
			continue
		}
		break
	}
	switch {
	case err == unix.ENOTSUP || err == unix.EOPNOTSUPP:
		return nil, nil
	case err != nil:
		return nil, err
	case n == 0:
		return nil, nil
	}
	m := make(map[string]string)
	val := make([]byte, 256)
	for _, name := range bytes.Split(bytes.TrimSuffix(buf[:n], []byte{0}), []byte{0}) {
		key := string(name)
		for {
			vn, err := unix.Fgetxattr(fd, key, val)
			if err == unix.ERANGE && len(val) < maxXattrs {
				val = make([]byte, maxXattrs)
				continue
			}
			if err == unix.ENODATA {
				break // removed since it was listed
			}
			if err != nil {
				return nil, err
			}
			m[key] = string(val[:vn])
			break
		}
	}
	return m, nil
}
