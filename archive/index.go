package archive

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"

	"github.com/concil-go/ocispec/core"
)

// Default limits of [Options].
const (
	// DefaultMaxEntries is the number of entries an index keeps at most.
	DefaultMaxEntries = 100_000
	// DefaultMaxNameBytes bounds the bytes of names and link targets an
	// index keeps, all entries together.
	DefaultMaxNameBytes = 16 << 20
)

// maxLinkHops is how many links Resolve follows, as Linux's MAXSYMLINKS.
const maxLinkHops = 40

// Options bound what reading an archive may keep in memory. The zero
// value (or a nil *Options) uses the defaults. Nothing in an archive
// makes this package allocate more than these limits, whatever sizes its
// headers claim: each tar header, with its PAX records or GNU long name,
// is read within 1 MiB (archive/tar's bound) and only its name, link
// target and a few numbers are kept.
type Options struct {
	// MaxEntries is the number of entries kept (directories and links
	// count; the archive's root and PAX global headers do not); one more
	// is an error wrapping ErrLimit. <= 0: DefaultMaxEntries.
	MaxEntries int
	// MaxNameBytes bounds the total length of the names and link
	// targets kept; past it is an error wrapping ErrLimit. <= 0:
	// DefaultMaxNameBytes.
	MaxNameBytes int64
	// MaxDocumentSize is the read limit of ReadFile and ReadDocument
	// when they are given none: core.DefaultMaxDocumentSize when <= 0.
	MaxDocumentSize int64
	// Algorithms serves the digest algorithms that verify blobs in [Scan];
	// nil is core.DefaultAlgorithms.
	Algorithms *core.Algorithms
}

func (o *Options) orZero() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxEntries <= 0 {
		v.MaxEntries = DefaultMaxEntries
	}
	if v.MaxNameBytes <= 0 {
		v.MaxNameBytes = DefaultMaxNameBytes
	}
	if v.MaxDocumentSize <= 0 {
		v.MaxDocumentSize = core.DefaultMaxDocumentSize
	}
	if v.Algorithms == nil {
		v.Algorithms = core.DefaultAlgorithms
	}
	return v
}

// EntryType is the kind of an entry: its tar type flag, normalised (the
// pre-POSIX regular-file flag reads as TypeReg, and a sparse file in any
// of GNU's encodings as TypeSparse).
type EntryType byte

// The entry types. Others keep their tar type flag.
const (
	TypeReg     EntryType = tar.TypeReg
	TypeLink    EntryType = tar.TypeLink // hard link
	TypeSymlink EntryType = tar.TypeSymlink
	TypeChar    EntryType = tar.TypeChar
	TypeBlock   EntryType = tar.TypeBlock
	TypeDir     EntryType = tar.TypeDir
	TypeFifo    EntryType = tar.TypeFifo
	TypeSparse  EntryType = tar.TypeGNUSparse
)

// String names the type ("regular file", "symbolic link", ...).
func (t EntryType) String() string {
	switch t {
	case TypeReg:
		return "regular file"
	case TypeLink:
		return "hard link"
	case TypeSymlink:
		return "symbolic link"
	case TypeChar:
		return "character device"
	case TypeBlock:
		return "block device"
	case TypeDir:
		return "directory"
	case TypeFifo:
		return "named pipe"
	case TypeSparse:
		return "sparse file"
	}
	return fmt.Sprintf("entry of tar type %q", rune(t))
}

// Entry is one entry of an archive's index.
type Entry struct {
	// Name is the entry's cleaned, slash-separated name relative to the
	// archive's root: no leading "./" or "/", no trailing slash, no "."
	// or ".." element.
	Name string
	Type EntryType
	// Mode holds the permission bits of the header (mode & 0o7777).
	Mode int64
	// Size is the length of the entry's data: the file's size for a
	// regular file, 0 for directories and links.
	Size int64
	// Offset is where the entry's data starts in the tar stream (after
	// decompression, for a compressed archive read as a stream).
	Offset int64
	// Linkname is a link's target as a name in the archive: a hard
	// link's target cleaned, a symbolic link's relative target resolved
	// against the link's folder. Empty for other types.
	Linkname string
}

// Index lists the entries of an archive in archive order, with a lookup
// by name. An Index is not modified once built and is safe for
// concurrent use; the one a [Stream] is building is not, until the
// stream has ended.
type Index struct {
	entries   []Entry
	byName    map[string]int
	nameBytes int64
	opts      Options
}

func newIndex(opts Options) *Index {
	return &Index{byName: map[string]int{}, opts: opts}
}

// Len is the number of entries.
func (ix *Index) Len() int { return len(ix.entries) }

// Entries returns the entries in archive order. The slice is the
// index's own: do not modify it.
func (ix *Index) Entries() []Entry { return ix.entries }

// Lookup returns the entry named name (cleaned first, so "./index.json"
// finds "index.json"), without following links.
func (ix *Index) Lookup(name string) (Entry, bool) {
	i, ok := ix.byName[lookupName(name)]
	if !ok {
		return Entry{}, false
	}
	return ix.entries[i], true
}

func lookupName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// Resolve returns the regular file that name is or leads to, following
// symbolic and hard links (at most 40). The entry returned carries its
// own name, which differs from name when a link was followed. Links are
// followed by whole names only: a name whose folder is a symbolic link
// is not found through it. Errors name the entry and wrap ErrNotFound,
// ErrNotRegular or ErrLinkLoop.
func (ix *Index) Resolve(name string) (Entry, error) {
	want := lookupName(name)
	cur := want
	for range maxLinkHops {
		i, ok := ix.byName[cur]
		if !ok {
			if cur == want {
				return Entry{}, entryErr(want, -1, ErrNotFound)
			}
			return Entry{}, entryErr(want, -1, fmt.Errorf("%w: its link target %q is not in the archive", ErrNotFound, cur))
		}
		e := ix.entries[i]
		switch e.Type {
		case TypeReg:
			return e, nil
		case TypeSymlink, TypeLink:
			cur = e.Linkname
		default:
			if cur == want {
				return Entry{}, entryErr(want, -1, fmt.Errorf("%w: it is a %s", ErrNotRegular, e.Type))
			}
			return Entry{}, entryErr(want, -1, fmt.Errorf("%w: its link target %q is a %s", ErrNotRegular, cur, e.Type))
		}
	}
	return Entry{}, entryErr(want, -1, fmt.Errorf("%w: more than %d links to follow", ErrLinkLoop, maxLinkHops))
}

// cleanName checks a name from a header and returns it cleaned ("" for
// the archive's root).
func cleanName(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("%w: empty name", ErrInvalidName)
	}
	if strings.IndexByte(raw, 0) >= 0 {
		return "", fmt.Errorf("%w: NUL byte in name", ErrInvalidName)
	}
	if strings.HasPrefix(raw, "/") {
		return "", fmt.Errorf("%w: absolute name", ErrUnsafePath)
	}
	for elem := range strings.SplitSeq(raw, "/") {
		if elem == ".." {
			return "", fmt.Errorf("%w: name has a \"..\" element", ErrUnsafePath)
		}
	}
	clean := path.Clean(raw)
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

// admit checks the header of an entry whose data starts at dataAt and
// adds it to the index. skip is true for headers that are not entries
// (the root folder, PAX global headers).
func (ix *Index) admit(h *tar.Header, dataAt int64) (e Entry, skip bool, err error) {
	if h.Typeflag == tar.TypeXGlobalHeader {
		return Entry{}, true, nil
	}
	name, err := cleanName(h.Name)
	if err != nil {
		return Entry{}, false, err
	}
	typ := EntryType(h.Typeflag)
	if typ == TypeReg && isPAXSparse(h) {
		typ = TypeSparse
	}
	if name == "" {
		if typ == TypeDir {
			return Entry{}, true, nil
		}
		return Entry{}, false, fmt.Errorf("%w: a %s named as the archive's root", ErrInvalidName, typ)
	}
	e = Entry{Name: name, Type: typ, Mode: h.Mode & 0o7777, Offset: dataAt}
	switch typ {
	case TypeReg, TypeSparse:
		e.Size = h.Size
	case TypeDir, TypeChar, TypeBlock, TypeFifo:
	case TypeSymlink:
		if e.Linkname, err = symlinkTarget(name, h.Linkname); err != nil {
			return Entry{}, false, err
		}
	case TypeLink:
		target, err := cleanName(h.Linkname)
		if err != nil {
			return Entry{}, false, fmt.Errorf("hard link to %q: %w", h.Linkname, err)
		}
		i, ok := ix.byName[target]
		if target == "" || !ok {
			return Entry{}, false, fmt.Errorf("%w: hard link to %q, which no earlier entry is", ErrNotFound, h.Linkname)
		}
		if t := ix.entries[i].Type; t == TypeDir {
			return Entry{}, false, fmt.Errorf("%w: hard link to %q, a %s", ErrNotRegular, target, t)
		}
		e.Linkname = target
	default:
		if !headerOnly(h.Typeflag) {
			e.Size = h.Size
		}
	}
	if _, dup := ix.byName[name]; dup {
		return Entry{}, false, fmt.Errorf("%w: an earlier entry has the same name", ErrDuplicate)
	}
	if len(ix.entries) >= ix.opts.MaxEntries {
		return Entry{}, false, fmt.Errorf("%w: more than %d entries (Options.MaxEntries)", ErrLimit, ix.opts.MaxEntries)
	}
	n := int64(len(e.Name) + len(e.Linkname))
	if ix.nameBytes+n > ix.opts.MaxNameBytes {
		return Entry{}, false, fmt.Errorf("%w: names longer than %d bytes in all (Options.MaxNameBytes)", ErrLimit, ix.opts.MaxNameBytes)
	}
	ix.nameBytes += n
	ix.byName[name] = len(ix.entries)
	ix.entries = append(ix.entries, e)
	return e, false, nil
}

// symlinkTarget resolves a symbolic link's target against the link's
// folder and refuses one that leaves the archive.
func symlinkTarget(name, target string) (string, error) {
	switch {
	case target == "":
		return "", fmt.Errorf("%w: symbolic link with an empty target", ErrInvalidName)
	case strings.IndexByte(target, 0) >= 0:
		return "", fmt.Errorf("%w: NUL byte in symbolic link target", ErrInvalidName)
	case strings.HasPrefix(target, "/"):
		return "", fmt.Errorf("%w: symbolic link to the absolute path %q", ErrUnsafePath, target)
	}
	resolved := path.Join(path.Dir(name), target)
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return "", fmt.Errorf("%w: symbolic link to %q, outside the archive", ErrUnsafePath, target)
	}
	if resolved == "." {
		return "", nil
	}
	return resolved, nil
}

// isPAXSparse reports a file in one of GNU's PAX sparse encodings, whose
// Size is its logical size and not that of its data in the archive.
func isPAXSparse(h *tar.Header) bool {
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// headerOnly lists the types whose headers have no data (archive/tar's
// rule).
func headerOnly(flag byte) bool {
	switch flag {
	case tar.TypeLink, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeDir, tar.TypeFifo:
		return true
	}
	return false
}
