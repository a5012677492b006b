package layer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"
)

// Type is the kind of an [Entry].
type Type uint8

// Entry types. TypeSocket is only listed by [Scan], so that Write can
// name it: a tar layer cannot hold a socket.
const (
	TypeRegular Type = iota + 1
	TypeDir
	TypeSymlink
	TypeHardLink
	TypeCharDevice
	TypeBlockDevice
	TypeFIFO
	TypeSocket
	TypeWhiteout
	TypeOpaqueWhiteout
)

var typeNames = [...]string{
	TypeRegular:        "regular file",
	TypeDir:            "folder",
	TypeSymlink:        "symbolic link",
	TypeHardLink:       "hard link",
	TypeCharDevice:     "character device",
	TypeBlockDevice:    "block device",
	TypeFIFO:           "named pipe",
	TypeSocket:         "socket",
	TypeWhiteout:       "whiteout",
	TypeOpaqueWhiteout: "opaque whiteout",
}

// String names the type in words ("regular file", "named pipe").
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Entry is one member of a layer: a file, folder, link, device, named
// pipe or whiteout. [Scan] lists entries from folders and file systems;
// callers make their own with [File], [Reader], [Directory], [Symlink],
// [HardLink], [Whiteout] and [OpaqueWhiteout] (or by filling the struct)
// and add them with [FromEntries].
//
// In a reproducible layer only Name, Type, Size, Linkname, the owner's
// execute bit of Mode and the content count; in a preserved one every
// field does.
type Entry struct {
	// Name is the slash-separated path inside the layer, without a
	// leading "/" or "./" (a trailing "/" is allowed on a folder). For a
	// whiteout it is the path that is deleted; for an opaque whiteout,
	// the folder whose lower contents are hidden ("." for the root).
	Name string
	Type Type
	// Mode holds the permission bits and fs.ModeSetuid, fs.ModeSetgid
	// and fs.ModeSticky; other bits are ignored.
	Mode fs.FileMode
	// Size is the length of a regular file's content.
	Size int64
	// Linkname is a symbolic link's target, as stored, or a hard link's
	// target: the Name of a regular file earlier in the layer.
	Linkname string
	// Uid and Gid are the numeric owner; Uname and Gname optional names.
	Uid, Gid     int
	Uname, Gname string
	// ModTime is the modification time; the zero time means
	// Options.ModTime.
	ModTime time.Time
	// Devmajor and Devminor are a device's numbers.
	Devmajor, Devminor int64
	// Xattrs are extended attributes, written as PAX SCHILY.xattr
	// records in a preserved layer. [Scan] leaves them empty: Write
	// reads those of a folder's files and folders itself.
	Xattrs map[string]string
	// Open returns a regular file's content, of exactly Size bytes; Write
	// calls it once per write and closes what it returns. Entries listed
	// from a folder or an fs.FS have none: Write opens their files
	// itself, and checks that they are the files scanned.
	Open func() (io.ReadCloser, error)
}

// File returns a regular file with mode 0644 holding data (which is not
// copied: keep it unchanged until the layer is written).
func File(name string, data []byte) Entry {
	return Entry{Name: name, Type: TypeRegular, Mode: 0o644, Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// Reader returns a regular file with mode 0644 whose size bytes of
// content are read from r. It can be written once: a second write fails
// with [ErrReused]. A Read that blocks is not interrupted by the
// context; close r to stop it.
func Reader(name string, size int64, r io.Reader) Entry {
	var once sync.Once
	return Entry{Name: name, Type: TypeRegular, Mode: 0o644, Size: size,
		Open: func() (io.ReadCloser, error) {
			err := ErrReused
			once.Do(func() { err = nil })
			if err != nil {
				return nil, err
			}
			return io.NopCloser(r), nil
		}}
}

// Directory returns a folder with mode 0755.
func Directory(name string) Entry {
	return Entry{Name: name, Type: TypeDir, Mode: 0o755}
}

// Symlink returns a symbolic link to target, mode 0777.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: TypeSymlink, Mode: 0o777, Linkname: target}
}

// HardLink returns a hard link to target, the name of a regular file
// that comes earlier in the layer.
func HardLink(name, target string) Entry {
	return Entry{Name: name, Type: TypeHardLink, Mode: 0o644, Linkname: target}
}

// Whiteout returns the OCI whiteout that deletes path from the layers
// below: an empty file named ".wh." plus the base name, beside it.
func Whiteout(path string) Entry {
	return Entry{Name: path, Type: TypeWhiteout, Mode: 0o644}
}

// OpaqueWhiteout returns the OCI opaque whiteout of folder dir: the
// file ".wh..wh..opq" in it, which hides everything the layers below
// hold in dir. Entries of this layer under dir stay.
func OpaqueWhiteout(dir string) Entry {
	return Entry{Name: dir, Type: TypeOpaqueWhiteout, Mode: 0o644}
}

// Whiteout file names of image-spec's layer.md.
const (
	whiteoutPrefix = ".wh."
	opaqueName     = ".wh..wh..opq"
)

// cleanName checks an entry name and returns it without a trailing
// slash. The root "." is returned as "." only when allowRoot is set.
func cleanName(name string, allowRoot bool) (string, error) {
	n := strings.TrimPrefix(name, "./")
	if len(n) > 1 {
		n = strings.TrimSuffix(n, "/")
	}
	switch {
	case n == "." && allowRoot:
		return n, nil
	case strings.IndexByte(n, 0) >= 0 || !fs.ValidPath(n) || n == ".":
		return "", fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	return n, nil
}

// tarName is the name an entry has in the tar stream: folders end with
// "/", whiteouts are spelt as image-spec says.
func tarName(name string, t Type) string {
	switch t {
	case TypeDir:
		return name + "/"
	case TypeWhiteout:
		dir, base := path.Split(name)
		return dir + whiteoutPrefix + base
	case TypeOpaqueWhiteout:
		if name == "." {
			return opaqueName
		}
		return name + "/" + opaqueName
	}
	return name
}

// FromEntries returns a [Source] of the given entries. Scan checks their
// names and types; Write reads each regular file's content through its
// Open.
func FromEntries(entries ...Entry) Source {
	return &listSource{entries: entries}
}

type listSource struct{ entries []Entry }

func (s *listSource) scan(ctx context.Context, add func(item) error) (scanned, error) {
	for _, e := range s.entries {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("layer: %w", err)
		}
		if e.Type < TypeRegular || e.Type > TypeOpaqueWhiteout || e.Type == TypeSocket {
			return nil, fmt.Errorf("layer: %s: %w: entry type %v", e.Name, ErrInvalidOption, e.Type)
		}
		if e.Type == TypeRegular && e.Size > 0 && e.Open == nil {
			return nil, fmt.Errorf("layer: %s: %w: a regular file of %d bytes without Open", e.Name, ErrInvalidOption, e.Size)
		}
		if e.Size < 0 || (e.Type != TypeRegular && e.Size != 0) {
			return nil, fmt.Errorf("layer: %s: %w: size %d for a %v", e.Name, ErrInvalidOption, e.Size, e.Type)
		}
		if err := add(item{Entry: e}); err != nil {
			return nil, err
		}
	}
	return listScanned{}, nil
}

type listScanned struct{}

func (listScanned) session() (session, error) { return listSession{}, nil }
func (listScanned) where(it *item) string     { return it.Name }

type listSession struct{}

func (listSession) open(it *item) (io.ReadCloser, error) {
	if it.Open == nil {
		return io.NopCloser(strings.NewReader("")), nil
	}
	rc, err := it.Open()
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", it.Name, err)
	}
	return rc, nil
}

func (listSession) xattrs(*item, io.Reader) (map[string]string, error) { return nil, nil }
func (listSession) mismatch() error                                    { return ErrContentSize }
func (listSession) close() error                                       { return nil }
