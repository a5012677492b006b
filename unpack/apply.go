package unpack

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
)

// DeviceMode says what becomes of the character and block devices a
// layer holds.
type DeviceMode int

const (
	// DevicesRefuse, the default, makes a device entry an error wrapping
	// ErrDevice that names it.
	DevicesRefuse DeviceMode = iota
	// DevicesSkip leaves device entries out.
	DevicesSkip
	// DevicesCreate creates them; it needs root (ErrDevice otherwise).
	DevicesCreate
)

// chunk is how much of a file is copied at a time; a chunk of zeros
// becomes a hole.
const chunk = 256 << 10

// zeros is a chunk of zeros, to tell holes by.
var zeros [chunk]byte

// applier applies layers, in order, to the folder of root.
type applier struct {
	root   *os.Root
	opts   Options
	asRoot bool
	buf    []byte
	// layer is the position of the layer being applied, digest its
	// digest, written the paths it has written.
	layer   int
	digest  string
	written map[string]bool
	// dirs holds the metadata of every folder a layer named, applied
	// once all layers are, deepest first (writing into a folder changes
	// its times; a read-only folder could not be written into).
	dirs    map[string]*tar.Header
	entries int
}

func newApplier(root *os.Root, opts Options) *applier {
	return &applier{root: root, opts: opts, asRoot: isRoot(), dirs: map[string]*tar.Header{}}
}

func (a *applier) fail(entry string, err error) error {
	return &LayerError{Layer: a.layer, Digest: a.digest, Entry: entry, Err: err}
}

// apply applies one uncompressed tar layer.
func (a *applier) apply(ctx context.Context, r io.Reader) error {
	a.written = map[string]bool{}
	return eachEntry(ctx, r, func(_ int, hdr *tar.Header, tr *tar.Reader) error {
		if err := a.entry(ctx, hdr, tr); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return a.fail(hdr.Name, unsafe(err))
		}
		a.entries++
		return nil
	}, a.fail)
}

// eachEntry calls fn with each entry of the tar stream r, numbered from
// 0, honouring ctx between entries; a stream that is no tar is an error
// wrapping ErrNotLayer, through fail.
func eachEntry(ctx context.Context, r io.Reader, fn func(k int, hdr *tar.Header, tr *tar.Reader) error, fail func(entry string, err error) error) error {
	tr := tar.NewReader(r)
	for k := 0; ; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fail("", fmt.Errorf("%w: %w", ErrNotLayer, err))
		}
		if err := fn(k, hdr, tr); err != nil {
			return err
		}
	}
}

// unsafe marks the error os.Root gives for a path that leaves it as
// ErrUnsafePath.
func unsafe(err error) error {
	if !errors.Is(err, ErrUnsafePath) && strings.Contains(err.Error(), "path escapes from parent") {
		return fmt.Errorf("%w: %w", ErrUnsafePath, err)
	}
	return err
}

func (a *applier) entry(ctx context.Context, hdr *tar.Header, r io.Reader) error {
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	dir, base := path.Split(name)
	dir = path.Clean("./" + dir)
	switch {
	case base == opaqueWhiteout:
		return a.opaque(dir)
	case strings.HasPrefix(base, whiteoutPrefix):
		switch w := strings.TrimPrefix(base, whiteoutPrefix); w {
		case "", ".", "..":
			return fmt.Errorf("%w: a whiteout of %q", ErrUnsafePath, w)
		default:
			return a.whiteout(path.Join(dir, w))
		}
	}
	if name == "." {
		if hdr.Typeflag != tar.TypeDir {
			return fmt.Errorf("%w: the folder itself as a %s", ErrUnsupportedEntry, typeName(hdr.Typeflag))
		}
		a.dirs["."] = hdr
		return nil
	}
	if err := a.root.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The folders above hold what this layer writes, so an opaque
	// whiteout keeps them (and clears what lower layers put in them).
	for p := dir; p != "." && !a.written[p]; p = path.Dir(p) {
		a.written[p] = true
	}
	existing, err := a.root.Lstat(name)
	switch {
	case err == nil && existing.IsDir() && hdr.Typeflag == tar.TypeDir:
		// A folder over a folder merges: only its metadata changes.
		a.written[name] = true
		return a.dir(name, hdr)
	case err == nil:
		if err := a.remove(name); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	a.written[name] = true
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := a.root.Mkdir(name, 0o755); err != nil {
			return err
		}
		return a.dir(name, hdr)
	case tar.TypeReg, tar.TypeGNUSparse:
		return a.file(ctx, name, hdr, r)
	case tar.TypeSymlink:
		if err := a.root.Symlink(hdr.Linkname, name); err != nil {
			return err
		}
		return a.meta(name, hdr, nil)
	case tar.TypeLink:
		return a.link(name, hdr)
	case tar.TypeFifo:
		if err := mknod(a.root, name, 'p', 0o600, 0, 0); err != nil {
			return err
		}
		return a.meta(name, hdr, nil)
	case tar.TypeChar, tar.TypeBlock:
		switch {
		case a.opts.Devices == DevicesSkip:
			delete(a.written, name)
			return nil
		case a.opts.Devices != DevicesCreate:
			return fmt.Errorf("%w: a %s (Options.Devices allows them)", ErrDevice, typeName(hdr.Typeflag))
		case !a.asRoot:
			return fmt.Errorf("%w: a %s, which only root can create", ErrDevice, typeName(hdr.Typeflag))
		}
		typ := byte('c')
		if hdr.Typeflag == tar.TypeBlock {
			typ = 'b'
		}
		if err := mknod(a.root, name, typ, 0o600, hdr.Devmajor, hdr.Devminor); err != nil {
			return err
		}
		return a.meta(name, hdr, nil)
	}
	delete(a.written, name)
	return fmt.Errorf("%w: type %q", ErrUnsupportedEntry, hdr.Typeflag)
}

// file writes a regular file: chunks of zeros become holes, so that a
// sparse file (or a file of zeros) takes no room it does not use, and
// nothing is allocated by the size the header claims.
func (a *applier) file(ctx context.Context, name string, hdr *tar.Header, r io.Reader) error {
	f, err := a.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if a.buf == nil {
		a.buf = make([]byte, chunk)
	}
	var total int64
	hole := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := io.ReadFull(r, a.buf)
		if n > 0 {
			total += int64(n)
			if bytes.Equal(a.buf[:n], zeros[:n]) {
				_, err = f.Seek(int64(n), io.SeekCurrent)
				hole = true
			} else {
				_, err = f.Write(a.buf[:n])
				hole = false
			}
			if err != nil {
				return err
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("%w: %w", ErrNotLayer, rerr)
		}
	}
	if total != hdr.Size {
		return fmt.Errorf("%w: %d bytes of the %d the header says", ErrNotLayer, total, hdr.Size)
	}
	if hole {
		if err := f.Truncate(total); err != nil {
			return err
		}
	}
	if err := a.meta(name, hdr, f); err != nil {
		return err
	}
	return f.Close()
}

// link makes a hard link to a file already in the folder.
func (a *applier) link(name string, hdr *tar.Header) error {
	target, err := cleanName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("%w to %q: %w", ErrHardLink, hdr.Linkname, err)
	}
	if target == name {
		return fmt.Errorf("%w: a link to itself", ErrHardLink)
	}
	fi, err := a.root.Lstat(target)
	switch {
	case err != nil:
		return fmt.Errorf("%w to %q: %w", ErrHardLink, hdr.Linkname, unsafe(err))
	case fi.IsDir():
		return fmt.Errorf("%w to %q: a folder", ErrHardLink, hdr.Linkname)
	}
	if err := a.root.Link(target, name); err != nil {
		return fmt.Errorf("%w to %q: %w", ErrHardLink, hdr.Linkname, unsafe(err))
	}
	return nil
}

// meta sets an entry's owner, mode, extended attributes and times; f is
// the entry opened, when it is a regular file.
func (a *applier) meta(name string, hdr *tar.Header, f *os.File) error {
	symlink := hdr.Typeflag == tar.TypeSymlink
	owners := a.asRoot && !a.opts.IgnoreOwners
	switch {
	case f != nil:
		// The file itself, open: no path to resolve again.
		if owners {
			if err := f.Chown(hdr.Uid, hdr.Gid); err != nil {
				return err
			}
		}
		if err := f.Chmod(mode(hdr)); err != nil {
			return err
		}
	default:
		if owners {
			if err := a.root.Lchown(name, hdr.Uid, hdr.Gid); err != nil {
				return err
			}
		}
		if !symlink {
			if err := a.root.Chmod(name, mode(hdr)); err != nil {
				return err
			}
		}
	}
	if f != nil || hdr.Typeflag == tar.TypeDir {
		if err := a.xattrs(name, hdr, f); err != nil {
			return err
		}
	}
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	if symlink {
		return lchtimes(a.root, name, atime, hdr.ModTime)
	}
	return a.root.Chtimes(name, atime, hdr.ModTime)
}

// xattrs sets the extended attributes a PAX header records
// (SCHILY.xattr.NAME). Attributes the file system or the user may not
// set are left out when not running as root.
func (a *applier) xattrs(name string, hdr *tar.Header, f *os.File) error {
	var keys []string
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "SCHILY.xattr.") {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if f == nil {
		d, err := a.root.Open(name)
		if err != nil {
			return err
		}
		defer d.Close()
		f = d
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := setXattr(f, strings.TrimPrefix(k, "SCHILY.xattr."), hdr.PAXRecords[k]); err != nil && a.asRoot {
			return fmt.Errorf("extended attribute %s: %w", strings.TrimPrefix(k, "SCHILY.xattr."), err)
		}
	}
	return nil
}

// mode is the file mode an entry asks for, with setuid, setgid and
// sticky bits.
func mode(hdr *tar.Header) fs.FileMode {
	m := fs.FileMode(hdr.Mode).Perm()
	if hdr.Mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if hdr.Mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if hdr.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// whiteout removes what lower layers put at name (and beneath).
func (a *applier) whiteout(name string) error {
	if name == "." {
		return nil
	}
	if a.written[name] {
		// What this layer wrote stays; what lower layers put beneath it
		// goes.
		return a.opaque(name)
	}
	if err := a.remove(name); err != nil && !errors.Is(err, syscall.ENOTDIR) {
		return err
	}
	return nil
}

// opaque removes what lower layers put in the folder dir, keeping what
// this layer wrote there.
func (a *applier) opaque(dir string) error {
	fi, err := a.root.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return nil
	}
	d, err := a.root.Open(dir)
	if err != nil {
		return err
	}
	children, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return err
	}
	for _, c := range children {
		p := path.Join(dir, c.Name())
		switch {
		case !a.written[p]:
			if err := a.remove(p); err != nil {
				return err
			}
		case c.IsDir():
			if err := a.opaque(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// remove removes name and everything beneath, and forgets the folders'
// metadata there.
func (a *applier) remove(name string) error {
	if err := a.root.RemoveAll(name); err != nil {
		return err
	}
	prefix := name + "/"
	for p := range a.dirs {
		if p == name || strings.HasPrefix(p, prefix) {
			delete(a.dirs, p)
		}
	}
	return nil
}

// dir notes a folder's metadata, to be set by finish, under the
// folder's own path: name with the symbolic links it goes through
// resolved, so that the metadata stays with the folder if a link above
// it changes.
func (a *applier) dir(name string, hdr *tar.Header) error {
	real, err := a.realPath(name)
	if err != nil {
		return err
	}
	a.dirs[real] = hdr
	return nil
}

// realPath resolves the symbolic links of every element of name,
// within the folder (os.Root has already refused those leading out).
func (a *applier) realPath(name string) (string, error) {
	var out []string
	pending := strings.Split(name, "/")
	for links := 0; len(pending) > 0; {
		el := pending[0]
		pending = pending[1:]
		switch el {
		case "", ".":
			continue
		case "..":
			if len(out) == 0 {
				return "", fmt.Errorf("%w: %s", ErrUnsafePath, name)
			}
			out = out[:len(out)-1]
			continue
		}
		p := path.Join(append(out, el)...)
		fi, err := a.root.Lstat(p)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			out = append(out, el)
			continue
		}
		if links++; links > 40 {
			return "", fmt.Errorf("%s: too many levels of symbolic links", name)
		}
		target, err := a.root.Readlink(p)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			return "", fmt.Errorf("%w: %s is a symbolic link to %s", ErrUnsafePath, p, target)
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	if len(out) == 0 {
		return ".", nil
	}
	return path.Join(out...), nil
}

// finish sets the folders' metadata, deepest first.
func (a *applier) finish() error {
	names := make([]string, 0, len(a.dirs))
	for n := range a.dirs {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int { return strings.Compare(y, x) })
	for _, n := range names {
		fi, err := a.root.Lstat(n)
		if err != nil || !fi.IsDir() {
			continue
		}
		if err := a.meta(n, a.dirs[n], nil); err != nil {
			return fmt.Errorf("unpack: folder %q: %w", n, err)
		}
	}
	return nil
}

func typeName(t byte) string {
	switch t {
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeFifo:
		return "named pipe"
	case tar.TypeReg:
		return "file"
	}
	return fmt.Sprintf("type %q", t)
}
