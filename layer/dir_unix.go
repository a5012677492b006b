//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package layer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// FromDir returns a [Source] of the folder at root: everything below
// it (not root itself), parents before children, the entries of each
// folder in byte order of their names. A root that is a symbolic link
// is followed; nothing below it is. Scan reads each folder through the
// descriptor of its parent (openat with O_NOFOLLOW), and Write opens
// every file the same way, relative to folders it checks are the ones
// scanned: a file or folder replaced, or swapped for a symbolic link,
// after Scan is an error wrapping [ErrFileChanged], never a read of
// something else. Files are opened without blocking, so a named pipe
// put in a file's place cannot stall Write.
//
// Hard links are found by device and inode; Scan lists devices, named
// pipes and sockets so that Write can refuse or write them as its mode
// says.
func FromDir(root string) Source { return &dirSource{root: root} }

type dirSource struct{ root string }

// dirScanned holds the identity of every folder scanned, to check the
// ones Write walks through.
type dirScanned struct {
	root string
	dirs map[string]fileID // "." is the root
}

func (s *dirSource) scan(ctx context.Context, add func(item) error) (scanned, error) {
	fd, err := openDir(unix.AT_FDCWD, s.root, false)
	if err != nil {
		if errors.Is(err, unix.ENOTDIR) {
			return nil, fmt.Errorf("layer: %s: %w", s.root, ErrNotDir)
		}
		return nil, fmt.Errorf("layer: %w", &fs.PathError{Op: "open", Path: s.root, Err: err})
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("layer: %w", &fs.PathError{Op: "fstat", Path: s.root, Err: err})
	}
	sc := &dirScanned{root: s.root, dirs: map[string]fileID{".": idOf(&st)}}
	w := walker{ctx: ctx, add: add, sc: sc}
	if err := w.walk(fd, "."); err != nil {
		return nil, err
	}
	return sc, nil
}

type walker struct {
	ctx   context.Context
	add   func(item) error
	sc    *dirScanned
	buf   []byte // readlink's
	dents []byte // getdents'
}

// walk lists the folder open as fd (named dir inside the layer) and
// closes fd. Paths on disk are joined only for errors.
func (w *walker) walk(fd int, dir string) error {
	defer unix.Close(fd)
	names, err := w.readNames(fd)
	if err != nil {
		return fmt.Errorf("layer: %w", &fs.PathError{Op: "readdirent", Path: path.Join(w.sc.root, dir), Err: err})
	}
	slices.Sort(names)
	for _, name := range names {
		if err := w.ctx.Err(); err != nil {
			return fmt.Errorf("layer: %w", err)
		}
		rel := name // a name read from a folder is one element
		if dir != "." {
			rel = dir + "/" + name
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("layer: %w", &fs.PathError{Op: "lstat", Path: path.Join(w.sc.root, rel), Err: err})
		}
		it := item{Entry: entryOf(rel, &st), file: idOf(&st)}
		switch it.Type {
		case TypeSymlink:
			if it.Linkname, err = w.readlink(fd, name); err != nil {
				return fmt.Errorf("layer: %w", &fs.PathError{Op: "readlink", Path: path.Join(w.sc.root, rel), Err: err})
			}
		case TypeDir:
			if err := w.add(it); err != nil {
				return err
			}
			sub, err := openDir(fd, name, true)
			if err != nil {
				return fmt.Errorf("layer: %s: %w", path.Join(w.sc.root, rel), changed(err, "while it was scanned"))
			}
			var now unix.Stat_t
			if err := unix.Fstat(sub, &now); err != nil || idOf(&now) != it.file {
				unix.Close(sub)
				return fmt.Errorf("layer: %s: %w: replaced while it was scanned", path.Join(w.sc.root, rel), ErrFileChanged)
			}
			w.sc.dirs[rel] = it.file
			if err := w.walk(sub, rel); err != nil {
				return err
			}
			continue
		}
		if err := w.add(it); err != nil {
			return err
		}
	}
	return nil
}

// readNames returns the names in the folder open as fd, but "." and
// "..", read with getdents (or getdirentries) into a buffer kept for
// the whole scan. The slice is new for each folder: a folder's names
// outlive the walk of its subfolders.
func (w *walker) readNames(fd int) ([]string, error) {
	if w.dents == nil {
		w.dents = make([]byte, 32<<10)
	}
	var names []string
	for {
		n, err := unix.ReadDirent(fd, w.dents)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(w.dents[:n], -1, names)
	}
}

func (w *walker) readlink(fd int, name string) (string, error) {
	if w.buf == nil {
		w.buf = make([]byte, 256)
	}
	for {
		n, err := unix.Readlinkat(fd, name, w.buf)
		if err != nil {
			return "", err
		}
		if n < len(w.buf) {
			return string(w.buf[:n]), nil
		}
		if len(w.buf) >= 1<<16 {
			return "", unix.ENAMETOOLONG
		}
		w.buf = make([]byte, 2*len(w.buf))
	}
}

// openDir opens a folder; noFollow refuses a symbolic link in its place.
func openDir(dirfd int, name string, noFollow bool) (int, error) {
	flags := unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
	if noFollow {
		flags |= unix.O_NOFOLLOW
	}
	for {
		fd, err := unix.Openat(dirfd, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// changed turns the error of opening something scanned, which is no
// longer what it was, into an ErrFileChanged.
func changed(err error, when string) error {
	switch {
	case errors.Is(err, unix.ELOOP), errors.Is(err, unix.EMLINK):
		return fmt.Errorf("%w: replaced by a symbolic link %s", ErrFileChanged, when)
	case errors.Is(err, unix.ENOTDIR):
		return fmt.Errorf("%w: no longer a folder %s", ErrFileChanged, when)
	case errors.Is(err, unix.ENOENT):
		return fmt.Errorf("%w: removed %s", ErrFileChanged, when)
	}
	return err
}

func idOf(st *unix.Stat_t) fileID {
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino), nlink: uint64(st.Nlink), known: true}
}

func entryOf(name string, st *unix.Stat_t) Entry {
	e := Entry{
		Name:    name,
		Mode:    fs.FileMode(st.Mode & 0o777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)),
	}
	m := uint32(st.Mode)
	if m&unix.S_ISUID != 0 {
		e.Mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		e.Mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		e.Mode |= fs.ModeSticky
	}
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		e.Type = TypeDir
	case unix.S_IFREG:
		e.Type, e.Size = TypeRegular, st.Size
	case unix.S_IFLNK:
		e.Type = TypeSymlink
	case unix.S_IFCHR:
		e.Type = TypeCharDevice
	case unix.S_IFBLK:
		e.Type = TypeBlockDevice
	case unix.S_IFIFO:
		e.Type = TypeFIFO
	default:
		e.Type = TypeSocket
	}
	if e.Type == TypeCharDevice || e.Type == TypeBlockDevice {
		rdev := uint64(st.Rdev)
		e.Devmajor, e.Devminor = int64(unix.Major(rdev)), int64(unix.Minor(rdev))
	}
	return e
}

func (sc *dirScanned) where(it *item) string { return path.Join(sc.root, it.Name) }

// session opens the root again and checks it is the folder scanned.
func (sc *dirScanned) session() (session, error) {
	fd, err := openDir(unix.AT_FDCWD, sc.root, false)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", sc.root, changed(err, "since it was scanned"))
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || idOf(&st) != sc.dirs["."] {
		unix.Close(fd)
		return nil, fmt.Errorf("layer: %s: %w: the folder was replaced since it was scanned", sc.root, ErrFileChanged)
	}
	return &dirSession{sc: sc, stack: []openFolder{{".", fd}}}, nil
}

type openFolder struct {
	name string
	fd   int
}

// dirSession keeps open the folders from the root down to the one
// whose entries are being written; as entries come parents first, each
// folder is opened once.
type dirSession struct {
	sc    *dirScanned
	stack []openFolder
}

// dir returns a descriptor of the folder name, opening it and any
// parent not open yet, each checked against the scan.
func (s *dirSession) dir(name string) (int, error) {
	for {
		top := s.stack[len(s.stack)-1].name
		if top == name || top == "." || len(name) > len(top) && name[len(top)] == '/' && name[:len(top)] == top {
			break
		}
		unix.Close(s.stack[len(s.stack)-1].fd)
		s.stack = s.stack[:len(s.stack)-1]
	}
	for {
		top := s.stack[len(s.stack)-1]
		if top.name == name {
			return top.fd, nil
		}
		rest := name
		if top.name != "." {
			rest = name[len(top.name)+1:]
		}
		elem, _, _ := cut(rest)
		next := path.Join(top.name, elem)
		want, ok := s.sc.dirs[next]
		if !ok {
			return -1, fmt.Errorf("layer: %s: %w: not a folder when it was scanned", path.Join(s.sc.root, next), ErrFileChanged)
		}
		fd, err := openDir(top.fd, elem, true)
		if err != nil {
			return -1, fmt.Errorf("layer: %s: %w", path.Join(s.sc.root, next), changed(err, "since it was scanned"))
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil || idOf(&st) != want {
			unix.Close(fd)
			return -1, fmt.Errorf("layer: %s: %w: the folder was replaced since it was scanned", path.Join(s.sc.root, next), ErrFileChanged)
		}
		s.stack = append(s.stack, openFolder{next, fd})
	}
}

func cut(s string) (elem, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func (s *dirSession) open(it *item) (io.ReadCloser, error) {
	dfd, err := s.dir(path.Dir(it.Name))
	if err != nil {
		return nil, err
	}
	var fd int
	for {
		fd, err = unix.Openat(dfd, path.Base(it.Name), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", s.sc.where(it), changed(err, "since it was scanned"))
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("layer: %w", &fs.PathError{Op: "fstat", Path: s.sc.where(it), Err: err})
	}
	now := entryOf(it.Name, &st)
	switch {
	case now.Type != TypeRegular:
		unix.Close(fd)
		return nil, fmt.Errorf("layer: %s: %w: a regular file when scanned, a %v now", s.sc.where(it), ErrFileChanged, now.Type)
	case idOf(&st).dev != it.file.dev || idOf(&st).ino != it.file.ino:
		unix.Close(fd)
		return nil, fmt.Errorf("layer: %s: %w: replaced by another file since it was scanned", s.sc.where(it), ErrFileChanged)
	case now.Size != it.Size:
		unix.Close(fd)
		return nil, fmt.Errorf("layer: %s: %w: it had %d bytes when scanned, %d now", s.sc.where(it), ErrFileChanged, it.Size, now.Size)
	}
	// O_NONBLOCK does not change reads of a regular file: keep it.
	return &fdFile{fd: fd}, nil
}

// fdFile reads an open regular file with plain read calls.
type fdFile struct{ fd int }

func (f *fdFile) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(f.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f *fdFile) Close() error { return unix.Close(f.fd) }

func (s *dirSession) xattrs(it *item, r io.Reader) (map[string]string, error) {
	switch it.Type {
	case TypeRegular:
		f, ok := r.(*fdFile)
		if !ok {
			return nil, nil
		}
		m, err := readXattrs(f.fd)
		if err != nil {
			return nil, fmt.Errorf("layer: %w", &fs.PathError{Op: "listxattr", Path: path.Join(s.sc.root, it.Name), Err: err})
		}
		return m, nil
	case TypeDir:
		fd, err := s.dir(it.Name)
		if err != nil {
			return nil, err
		}
		m, err := readXattrs(fd)
		if err != nil {
			return nil, fmt.Errorf("layer: %w", &fs.PathError{Op: "listxattr", Path: path.Join(s.sc.root, it.Name), Err: err})
		}
		return m, nil
	}
	return nil, nil
}

func (s *dirSession) mismatch() error { return ErrFileChanged }

func (s *dirSession) close() error {
	for _, f := range s.stack {
		unix.Close(f.fd)
	}
	s.stack = nil
	return nil
}
