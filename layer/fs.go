package layer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// FromFS returns a [Source] of everything in fsys below its root, in
// the order of [fs.WalkDir]: parents before children, each folder's
// entries in byte order of their names. Symbolic links are read with
// [fs.ReadLink] (a file system without it fails on its first link).
// Where fsys's FileInfo.Sys is a *syscall.Stat_t (os.DirFS on Unix),
// owners, device numbers and hard links come from it. Write checks
// that each file it opens is a regular file of the size scanned; but
// fs.FS gives no way to open without following links, so use [FromDir]
// for folders others may change.
func FromFS(fsys fs.FS) Source { return &fsSource{fsys: fsys} }

type fsSource struct{ fsys fs.FS }

type fsScanned struct{ fsys fs.FS }

func (s *fsSource) scan(ctx context.Context, add func(item) error) (scanned, error) {
	err := fs.WalkDir(s.fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("layer: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("layer: %w", err)
		}
		if name == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("layer: %w", err)
		}
		it := item{Entry: fsEntry(name, info)}
		it.file = sysInfo(info, &it.Entry)
		if it.Type == TypeSymlink {
			if it.Linkname, err = fs.ReadLink(s.fsys, name); err != nil {
				return fmt.Errorf("layer: %w", err)
			}
		}
		return add(it)
	})
	if err != nil {
		return nil, err
	}
	return &fsScanned{fsys: s.fsys}, nil
}

// fsEntry describes info by its fs.FileMode; sysInfo adds what only
// the system's stat knows.
func fsEntry(name string, info fs.FileInfo) Entry {
	m := info.Mode()
	e := Entry{Name: name, Mode: m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky), ModTime: info.ModTime()}
	switch {
	case m.IsDir():
		e.Type = TypeDir
	case m.IsRegular():
		e.Type, e.Size = TypeRegular, info.Size()
	case m&fs.ModeSymlink != 0:
		e.Type = TypeSymlink
	case m&fs.ModeCharDevice != 0:
		e.Type = TypeCharDevice
	case m&fs.ModeDevice != 0:
		e.Type = TypeBlockDevice
	case m&fs.ModeNamedPipe != 0:
		e.Type = TypeFIFO
	default:
		e.Type = TypeSocket
	}
	return e
}

func (sc *fsScanned) session() (session, error) { return fsSession{sc.fsys}, nil }
func (sc *fsScanned) where(it *item) string     { return it.Name }

type fsSession struct{ fsys fs.FS }

func (s fsSession) open(it *item) (io.ReadCloser, error) {
	f, err := s.fsys.Open(it.Name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("layer: %s: %w: removed since it was scanned", it.Name, ErrFileChanged)
		}
		return nil, fmt.Errorf("layer: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("layer: %w", err)
	}
	var now Entry
	id := sysInfo(info, &now)
	switch {
	case !info.Mode().IsRegular():
		f.Close()
		return nil, fmt.Errorf("layer: %s: %w: a regular file when scanned, %v now", it.Name, ErrFileChanged, info.Mode().Type())
	case id.known && it.file.known && (id.dev != it.file.dev || id.ino != it.file.ino):
		f.Close()
		return nil, fmt.Errorf("layer: %s: %w: replaced by another file since it was scanned", it.Name, ErrFileChanged)
	case info.Size() != it.Size:
		f.Close()
		return nil, fmt.Errorf("layer: %s: %w: it had %d bytes when scanned, %d now", it.Name, ErrFileChanged, it.Size, info.Size())
	}
	return f, nil
}

func (fsSession) xattrs(*item, io.Reader) (map[string]string, error) { return nil, nil }
func (fsSession) mismatch() error                                    { return ErrFileChanged }
func (fsSession) close() error                                       { return nil }
