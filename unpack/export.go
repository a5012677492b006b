package unpack

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/concil-go/ocispec/transport"
)

// Export writes the flattened filesystem of the image src resolves to
// as one tar stream to w: the tree [Unpack] would make, squashed into a
// single layer without whiteouts, without writing it to disk.
//
// The layers are read twice, each time verified as [Unpack] verifies
// them: once to learn the final tree (headers only, in memory: about a
// few hundred bytes per path), once to write it, each file's content
// copied from the layer that wrote it last. Entries come layer by
// layer, in each layer's order, every folder before what it holds;
// files that share an inode are written once, then as hard links to
// the first of their names in byte order. Headers keep what the layers
// say of each path (type, mode with setuid, setgid and sticky bits,
// owner ids and names, modification time, extended attributes, link
// target, device numbers) and nothing else, in PAX format, so the same
// image gives the same bytes on every run. Sparse files are written
// whole. Device nodes are written whatever opts.Devices says. A hostile
// layer is refused as by Unpack, before anything is written to w.
func Export(ctx context.Context, src transport.Source, w io.Writer, opts *Options) (*Result, error) {
	o := opts.orZero()
	img, err := readImage(ctx, src, o)
	if err != nil {
		return nil, err
	}
	t := newTree()
	err = img.eachLayer(ctx, src, o, func(i int, r io.Reader) error {
		return t.read(ctx, i, string(img.m.Manifest.Layers[i].Digest), r)
	})
	if err != nil {
		return nil, err
	}
	t.index()
	tw := tar.NewWriter(w)
	if t.root.hdr != nil {
		if err := t.emit(tw, t.root); err != nil {
			return nil, err
		}
	}
	err = img.eachLayer(ctx, src, o, func(i int, r io.Reader) error {
		return t.write(ctx, tw, i, string(img.m.Manifest.Layers[i].Digest), r)
	})
	if err == nil {
		err = t.rest(tw, t.root)
	}
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		return nil, err
	}
	res := img.result()
	res.Entries = t.entries
	return res, nil
}

// pos is an entry's place: its layer and its position in the layer.
type pos struct{ layer, entry int }

// tnode is a path of the flattened tree.
type tnode struct {
	name     string // "" for the root
	parent   *tnode
	hdr      *tar.Header       // the last header that made it; nil for a folder made implicitly
	at       pos               // where hdr comes from
	touched  int               // the last layer that wrote the path
	children map[string]*tnode // a folder's
	inode    *tinode           // a regular file's
	emitted  bool
}

// tinode is a regular file's content, which several names may share.
type tinode struct {
	at    pos
	hdr   *tar.Header // the regular file's
	names []*tnode
	first *tnode // the name written with the content
}

type tree struct {
	root    *tnode
	entries int
	layer   int
	digest  string
	files   map[pos]*tinode
	others  map[pos]*tnode
}

func newTree() *tree {
	return &tree{root: &tnode{children: map[string]*tnode{}, touched: -1}}
}

func (n *tnode) isDir() bool { return n.children != nil }

func (t *tree) fail(entry string, err error) error {
	return &LayerError{Layer: t.layer, Digest: t.digest, Entry: entry, Err: err}
}

// read applies one layer's headers to the tree.
func (t *tree) read(ctx context.Context, i int, dg string, r io.Reader) error {
	t.layer, t.digest = i, dg
	return eachEntry(ctx, r, func(k int, hdr *tar.Header, _ *tar.Reader) error {
		if err := t.entry(hdr, pos{i, k}); err != nil {
			return t.fail(hdr.Name, err)
		}
		t.entries++
		return nil
	}, t.fail)
}

// maxLinks bounds the symbolic links followed in resolving one path,
// as Linux's ELOOP does.
const maxLinks = 40

// walk returns the folder at name below from, following symbolic
// links within the tree; with create, missing folders are made (as
// MkdirAll makes them). A link that leads outside is an error wrapping
// ErrUnsafePath.
func (t *tree) walk(from *tnode, name string, create bool, links int) (*tnode, error) {
	cur := from
	if name == "." || name == "" {
		return cur, nil
	}
	for _, el := range strings.Split(name, "/") {
		switch el {
		case "", ".":
			continue
		case "..":
			if cur.parent == nil {
				return nil, fmt.Errorf("%w: %q leads above the folder", ErrUnsafePath, name)
			}
			cur = cur.parent
			continue
		}
		next := cur.children[el]
		switch {
		case next == nil && !create:
			return nil, fmt.Errorf("%s: no such file or folder", path.Join(cur.name, el))
		case next == nil:
			next = &tnode{name: path.Join(cur.name, el), parent: cur, children: map[string]*tnode{}, touched: t.layer}
			cur.children[el] = next
		case next.hdr != nil && next.hdr.Typeflag == tar.TypeSymlink:
			if links++; links > maxLinks {
				return nil, fmt.Errorf("%s: too many levels of symbolic links", next.name)
			}
			target := next.hdr.Linkname
			if strings.HasPrefix(target, "/") {
				return nil, fmt.Errorf("%w: %s is a symbolic link to %s", ErrUnsafePath, next.name, target)
			}
			// What a link points to must be there: a folder is never
			// made through one.
			dir, err := t.walk(cur, target, false, links)
			if err != nil {
				return nil, err
			}
			next = dir
		case !next.isDir():
			return nil, fmt.Errorf("%s: not a folder", next.name)
		}
		if create {
			// A folder that holds what this layer writes is this layer's
			// too: an opaque whiteout keeps it (and clears what lower
			// layers put in it).
			next.touched = t.layer
		}
		cur = next
	}
	return cur, nil
}

func (t *tree) entry(hdr *tar.Header, at pos) error {
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	dirName, base := path.Split(name)
	switch {
	case base == opaqueWhiteout:
		dir, err := t.walk(t.root, dirName, false, 0)
		if err != nil {
			if errors.Is(err, ErrUnsafePath) {
				return err
			}
			return nil
		}
		if dir.isDir() {
			t.opaque(dir)
		}
		return nil
	case strings.HasPrefix(base, whiteoutPrefix):
		w := strings.TrimPrefix(base, whiteoutPrefix)
		if w == "" || w == "." || w == ".." {
			return fmt.Errorf("%w: a whiteout of %q", ErrUnsafePath, w)
		}
		dir, err := t.walk(t.root, dirName, false, 0)
		if err != nil {
			if errors.Is(err, ErrUnsafePath) {
				return err
			}
			return nil
		}
		switch n := dir.children[w]; {
		case n == nil:
		case n.touched != t.layer:
			t.remove(n)
		case n.isDir():
			// What this layer wrote stays; what lower layers put
			// beneath it goes.
			t.opaque(n)
		}
		return nil
	}
	if name == "." {
		if hdr.Typeflag != tar.TypeDir {
			return fmt.Errorf("%w: the folder itself as a %s", ErrUnsupportedEntry, typeName(hdr.Typeflag))
		}
		t.root.hdr, t.root.at = hdr, at
		return nil
	}
	dir, err := t.walk(t.root, dirName, true, 0)
	if err != nil {
		return err
	}
	if old := dir.children[base]; old != nil {
		if old.isDir() && hdr.Typeflag == tar.TypeDir {
			old.hdr, old.at, old.touched = hdr, at, t.layer
			return nil
		}
		t.remove(old)
	}
	n := &tnode{name: path.Join(dir.name, base), parent: dir, hdr: hdr, at: at, touched: t.layer}
	switch hdr.Typeflag {
	case tar.TypeDir:
		n.children = map[string]*tnode{}
	case tar.TypeReg, tar.TypeGNUSparse:
		n.inode = &tinode{at: at, hdr: hdr, names: []*tnode{n}}
	case tar.TypeLink:
		target, err := t.linkTarget(hdr)
		if err != nil {
			return err
		}
		if target.inode != nil {
			n.inode = target.inode
			n.inode.names = append(n.inode.names, n)
		} else {
			// A hard link to a symbolic link, a pipe or a device is
			// another of the same.
			n.hdr, n.at = target.hdr, target.at
		}
	case tar.TypeSymlink, tar.TypeFifo, tar.TypeChar, tar.TypeBlock:
	default:
		return fmt.Errorf("%w: type %q", ErrUnsupportedEntry, hdr.Typeflag)
	}
	dir.children[base] = n
	return nil
}

func (t *tree) linkTarget(hdr *tar.Header) (*tnode, error) {
	target, err := cleanName(hdr.Linkname)
	if err != nil {
		return nil, fmt.Errorf("%w to %q: %w", ErrHardLink, hdr.Linkname, err)
	}
	dirName, base := path.Split(target)
	dir, err := t.walk(t.root, dirName, false, 0)
	if err != nil {
		return nil, fmt.Errorf("%w to %q: %w", ErrHardLink, hdr.Linkname, err)
	}
	n := dir.children[base]
	switch {
	case target == ".":
		return nil, fmt.Errorf("%w to %q: a folder", ErrHardLink, hdr.Linkname)
	case n == nil:
		return nil, fmt.Errorf("%w to %q: no such file", ErrHardLink, hdr.Linkname)
	case n.isDir():
		return nil, fmt.Errorf("%w to %q: a folder", ErrHardLink, hdr.Linkname)
	}
	return n, nil
}

// opaque removes what lower layers put in dir.
func (t *tree) opaque(dir *tnode) {
	for _, c := range dir.children {
		switch {
		case c.touched != t.layer:
			t.remove(c)
		case c.isDir():
			t.opaque(c)
		}
	}
}

// remove takes n and what it holds out of the tree.
func (t *tree) remove(n *tnode) {
	delete(n.parent.children, path.Base(n.name))
	var drop func(*tnode)
	drop = func(n *tnode) {
		if n.inode != nil {
			n.inode.names = slices.DeleteFunc(n.inode.names, func(x *tnode) bool { return x == n })
		}
		for _, c := range n.children {
			drop(c)
		}
	}
	drop(n)
}

// index notes, for each entry of the layers, what it writes of the
// final tree.
func (t *tree) index() {
	t.files, t.others = map[pos]*tinode{}, map[pos]*tnode{}
	var walk func(*tnode)
	walk = func(n *tnode) {
		switch {
		case n.inode != nil:
			if len(n.inode.names) > 0 && t.files[n.inode.at] == nil {
				slices.SortFunc(n.inode.names, func(a, b *tnode) int { return strings.Compare(a.name, b.name) })
				n.inode.first = n.inode.names[0]
				t.files[n.inode.at] = n.inode
			}
		case n.hdr != nil && n != t.root:
			t.others[n.at] = n
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(t.root)
}

// write writes what layer i's entries give the final tree.
func (t *tree) write(ctx context.Context, tw *tar.Writer, i int, dg string, r io.Reader) error {
	t.layer, t.digest = i, dg
	return eachEntry(ctx, r, func(k int, _ *tar.Header, tr *tar.Reader) error {
		if ino := t.files[pos{i, k}]; ino != nil {
			if err := t.ancestors(tw, ino.first); err != nil {
				return err
			}
			if err := t.emitFile(tw, ino.first, tr); err != nil {
				return err
			}
			for _, n := range ino.names[1:] {
				if err := t.ancestors(tw, n); err != nil {
					return err
				}
				if err := t.emit(tw, n); err != nil {
					return err
				}
			}
		}
		if n := t.others[pos{i, k}]; n != nil && !n.emitted {
			if err := t.ancestors(tw, n); err != nil {
				return err
			}
			return t.emit(tw, n)
		}
		return nil
	}, t.fail)
}

// ancestors writes the folders above n not yet written.
func (t *tree) ancestors(tw *tar.Writer, n *tnode) error {
	var up []*tnode
	for p := n.parent; p != nil && p != t.root && !p.emitted; p = p.parent {
		up = append(up, p)
	}
	for _, p := range slices.Backward(up) {
		if err := t.emit(tw, p); err != nil {
			return err
		}
	}
	return nil
}

// rest writes what no layer entry wrote: folders made implicitly.
func (t *tree) rest(tw *tar.Writer, n *tnode) error {
	if n != t.root && !n.emitted {
		if err := t.ancestors(tw, n); err != nil {
			return err
		}
		if err := t.emit(tw, n); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range n.children {
			if !yield(k) {
				return
			}
		}
	}) {
		if err := t.rest(tw, n.children[name]); err != nil {
			return err
		}
	}
	return nil
}

// header is the header written for n: what its entry says, nothing
// else.
func header(n *tnode) *tar.Header {
	h := &tar.Header{Name: n.name, Mode: 0o755, Typeflag: tar.TypeDir, Format: tar.FormatPAX, ModTime: time.Unix(0, 0)}
	if n == nil || n.name == "" {
		h.Name = "./"
	}
	src := n.hdr
	if n.inode != nil {
		src = n.inode.hdr
	}
	if src != nil {
		h.Typeflag, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname = src.Typeflag, src.Mode&0o7777, src.Uid, src.Gid, src.Uname, src.Gname
		h.ModTime, h.Linkname, h.Devmajor, h.Devminor = src.ModTime, src.Linkname, src.Devmajor, src.Devminor
		for k, v := range src.PAXRecords {
			if strings.HasPrefix(k, "SCHILY.xattr.") {
				if h.PAXRecords == nil {
					h.PAXRecords = map[string]string{}
				}
				h.PAXRecords[k] = v
			}
		}
	}
	switch h.Typeflag {
	case tar.TypeDir:
		if n.name != "" {
			h.Name += "/"
		}
		h.Linkname = ""
	case tar.TypeGNUSparse:
		h.Typeflag = tar.TypeReg
	}
	if h.Typeflag != tar.TypeChar && h.Typeflag != tar.TypeBlock {
		h.Devmajor, h.Devminor = 0, 0
	}
	return h
}

func (t *tree) emit(tw *tar.Writer, n *tnode) error {
	n.emitted = true
	h := header(n)
	if n.inode != nil {
		h.Typeflag, h.Linkname, h.Size = tar.TypeLink, n.inode.first.name, 0
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("unpack: writing %s: %w", h.Name, err)
	}
	return nil
}

func (t *tree) emitFile(tw *tar.Writer, n *tnode, content io.Reader) error {
	n.emitted = true
	h := header(n)
	h.Typeflag, h.Linkname, h.Size = tar.TypeReg, "", n.inode.hdr.Size
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("unpack: writing %s: %w", h.Name, err)
	}
	if _, err := io.Copy(tw, content); err != nil {
		return fmt.Errorf("unpack: writing %s: %w", h.Name, err)
	}
	return nil
}
