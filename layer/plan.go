package layer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

// A Source lists entries for [Scan]: [FromDir], [FromFS] and
// [FromEntries] make one. Its methods are unexported: a source of
// another kind is a list of entries.
type Source interface {
	// scan calls add with every entry, parents before children, and
	// returns what Write needs to read them again.
	scan(ctx context.Context, add func(item) error) (scanned, error)
}

// scanned is one source as Scan found it.
type scanned interface {
	// session prepares to read contents for one Write.
	session() (session, error)
	// where names an entry in errors: its path on disk, if it has one.
	where(it *item) string
}

// session reads what one Write needs from one source.
type session interface {
	// open returns a regular file's content, checked to be the file
	// that was scanned.
	open(it *item) (io.ReadCloser, error)
	// xattrs returns an entry's extended attributes for a preserved
	// layer; r is what open returned, for a regular file.
	xattrs(it *item, r io.Reader) (map[string]string, error)
	// mismatch is the error a content of the wrong length wraps.
	mismatch() error
	close() error
}

// item is an entry as planned.
type item struct {
	Entry
	src  int    // index of the source in Plan.sources
	tar  string // name in the tar stream
	file fileID // identity on disk, when the source has one
}

// fileID identifies a file on disk: device and inode, and the link
// count, for the sources that know them.
type fileID struct {
	dev, ino, nlink uint64
	known           bool
}

// Plan is the list of what a layer will hold, in the order it is
// written. [Scan] makes it; [Plan.Write] writes it, as many times as
// wanted (each write reads the files again).
type Plan struct {
	items   []item
	sources []scanned
	bytes   int64
}

// Scan lists the entries of every source and merges them into one
// plan: parents before children, the entries of each folder in byte
// order of their names except that an opaque whiteout comes first and
// whiteouts before other entries (image-spec's advice). It fails on two
// entries of one name, on a whiteout of something the layer holds, on
// names that are invalid or reserved for whiteouts, and on the first
// error of a source. The context is checked between entries.
func Scan(ctx context.Context, sources ...Source) (*Plan, error) {
	p := &Plan{}
	var list itemList
	for i, s := range sources {
		sc, err := s.scan(ctx, func(it item) error {
			name, err := cleanName(it.Name, it.Type == TypeOpaqueWhiteout)
			if err != nil {
				return fmt.Errorf("layer: %w", err)
			}
			if it.Type != TypeWhiteout && it.Type != TypeOpaqueWhiteout && strings.HasPrefix(path.Base(name), whiteoutPrefix) {
				return fmt.Errorf("layer: %s: %w", name, ErrReservedName)
			}
			it.Name, it.src, it.tar = name, i, tarName(name, it.Type)
			if it.Type == TypeRegular {
				p.bytes += it.Size
			}
			list.add(it)
			return nil
		})
		if err != nil {
			return nil, err
		}
		p.sources = append(p.sources, sc)
	}
	p.items = list.all()
	byName := func(a, b item) int { return compareNames(a.tar, b.tar) }
	if !slices.IsSortedFunc(p.items, byName) { // one folder comes sorted
		slices.SortStableFunc(p.items, byName)
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

// itemList collects a plan's entries in blocks, so that a long list is
// not copied each time it grows, each copy left behind as garbage on
// pages faulted in for it: all joins the blocks once.
type itemList struct {
	blocks [][]item
	cur    []item
	n      int
}

func (l *itemList) add(it item) {
	if len(l.cur) == cap(l.cur) {
		if l.cur != nil {
			l.blocks = append(l.blocks, l.cur)
		}
		l.cur = make([]item, 0, min(max(16, l.n), 1024))
	}
	l.cur = append(l.cur, it)
	l.n++
}

func (l *itemList) all() []item {
	if len(l.blocks) == 0 {
		return l.cur
	}
	items := make([]item, 0, l.n)
	for _, b := range l.blocks {
		items = append(items, b...)
	}
	return append(items, l.cur...)
}

// compareNames orders tar names: element by element, a parent before
// its children, siblings in byte order except that ".wh..wh..opq" comes
// first and other ".wh." names next.
func compareNames(a, b string) int {
	a, b = strings.TrimSuffix(a, "/"), strings.TrimSuffix(b, "/")
	for {
		ea, ra, _ := strings.Cut(a, "/")
		eb, rb, _ := strings.Cut(b, "/")
		if c := cmp.Compare(rank(ea), rank(eb)); c != 0 {
			return c
		}
		if c := strings.Compare(ea, eb); c != 0 {
			return c
		}
		switch {
		case ra == "" && rb == "":
			return 0
		case ra == "":
			return -1
		case rb == "":
			return 1
		}
		a, b = ra, rb
	}
}

func rank(elem string) int {
	switch {
	case elem == opaqueName:
		return 0
	case strings.HasPrefix(elem, whiteoutPrefix):
		return 1
	}
	return 2
}

// check enforces the rules that need the whole list: no duplicates,
// whiteouts that delete only what the layer does not hold, hard links
// to earlier regular files.
func (p *Plan) check() error {
	names := make(map[string]int, len(p.items)) // entries other than whiteouts
	deleted := make(map[string]bool)            // paths whited out
	opaque := make(map[string]bool)             // folders with an opaque whiteout
	for i := range p.items {
		it := &p.items[i]
		switch it.Type {
		case TypeWhiteout:
			if deleted[it.Name] {
				return fmt.Errorf("layer: %s: %w (two whiteouts)", it.Name, ErrDuplicate)
			}
			deleted[it.Name] = true
		case TypeOpaqueWhiteout:
			if opaque[it.Name] {
				return fmt.Errorf("layer: %s: %w (two opaque whiteouts)", it.Name, ErrDuplicate)
			}
			opaque[it.Name] = true
		default:
			if j, ok := names[it.Name]; ok {
				return fmt.Errorf("layer: %s: %w (a %v and a %v)", it.Name, ErrDuplicate, p.items[j].Type, it.Type)
			}
			names[it.Name] = i
		}
	}
	for i := range p.items {
		it := &p.items[i]
		switch it.Type {
		case TypeWhiteout:
			if j, ok := names[it.Name]; ok {
				return fmt.Errorf("layer: %s: %w: the layer also holds it (a %v)", it.Name, ErrConflict, p.items[j].Type)
			}
		case TypeOpaqueWhiteout:
			if j, ok := names[it.Name]; ok && p.items[j].Type != TypeDir {
				return fmt.Errorf("layer: %s: %w: opaque whiteout in a %v", it.Name, ErrConflict, p.items[j].Type)
			}
		case TypeHardLink:
			target, err := cleanName(it.Linkname, false)
			if err != nil {
				return fmt.Errorf("layer: hard link %s: %w", it.Name, err)
			}
			j, ok := names[target]
			if !ok || j >= i || p.items[j].Type != TypeRegular {
				return fmt.Errorf("layer: %s → %s: %w: the target must be a regular file earlier in the layer", it.Name, it.Linkname, ErrHardLink)
			}
			it.Linkname = target
		}
		if len(deleted) == 0 || it.Type == TypeWhiteout {
			continue
		}
		// A whiteout deletes from the layers below; this layer holding
		// something beneath the deleted path contradicts it.
		dir := it.Name
		if it.Type != TypeOpaqueWhiteout {
			dir = path.Dir(dir)
		}
		for ; dir != "."; dir = path.Dir(dir) {
			if deleted[dir] {
				return fmt.Errorf("layer: %s: %w: %s is whited out in the same layer", it.Name, ErrConflict, dir)
			}
		}
	}
	return nil
}

// Entries returns the plan's entries in the order they are written,
// with clean names (no trailing slash).
func (p *Plan) Entries() []Entry {
	es := make([]Entry, len(p.items))
	for i := range p.items {
		es[i] = p.items[i].Entry
	}
	return es
}

// Len is the number of entries.
func (p *Plan) Len() int { return len(p.items) }

// Bytes is the sum of the regular files' sizes: what Write reads, for a
// progress bar.
func (p *Plan) Bytes() int64 { return p.bytes }
