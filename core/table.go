package core

import (
	"maps"
	"slices"
	"strings"
)

// Table is a format's two-way table between kinds and concrete media
// types, and the set of kinds the format can express in strict mode. A
// Table is immutable after NewTable and safe for concurrent use; formats
// embed one to implement the lookup half of [Format].
type Table struct {
	toType    map[string]string // kind → media type
	toKind    map[string]string // normalised media type → kind
	supported map[string]bool
	kindsOnly bool // no entry's key has a "/": a media type is no kind
}

// NewTable builds a table from kind → media type entries. supported lists
// the kinds the format can express faithfully; the other entries are
// names the format knows (concil's Docker spellings of zstd, encrypted and
// squashfs layers, say) that only a permissive conversion uses. A nil
// supported means every entry is supported.
func NewTable(entries map[string]string, supported []string) *Table {
	t := &Table{
		toType:    maps.Clone(entries),
		toKind:    make(map[string]string, len(entries)),
		supported: make(map[string]bool, len(entries)),
	}
	t.kindsOnly = true
	for k, mt := range entries {
		t.toKind[NormalizeMediaType(mt)] = k
		t.kindsOnly = t.kindsOnly && IsKind(k)
	}
	if supported == nil {
		supported = slices.Collect(maps.Keys(entries))
	}
	for _, k := range supported {
		t.supported[k] = true
	}
	return t
}

// MediaType translates a kind to this table's media type; any other
// string passes through unchanged (concil's descriptor_to_dict).
func (t *Table) MediaType(kind string) string {
	if t.kindsOnly && strings.IndexByte(kind, '/') >= 0 {
		return kind
	}
	if mt, ok := t.toType[kind]; ok {
		return mt
	}
	return kind
}

// LookupMediaType is MediaType that says whether kind was in the table.
func (t *Table) LookupMediaType(kind string) (string, bool) {
	mt, ok := t.toType[kind]
	return mt, ok
}

// LookupKind returns the kind of a media type of this table (normalised
// before lookup).
func (t *Table) LookupKind(mediaType string) (string, bool) {
	k, ok := t.toKind[NormalizeMediaType(mediaType)]
	return k, ok
}

// Kind returns the kind of mediaType in this table; a type the table
// does not know passes through unchanged (concil's
// REVERSED_MEDIA_TYPES, for one format). Only this table is consulted:
// the answer never depends on what else is registered anywhere.
func (t *Table) Kind(mediaType string) string {
	if k, ok := t.LookupKind(mediaType); ok {
		return k
	}
	return mediaType
}

// Supports reports whether the format can express kind faithfully.
func (t *Table) Supports(kind string) bool { return t.supported[kind] }

// MediaTypes returns a copy of the kind → media type entries.
func (t *Table) MediaTypes() map[string]string { return maps.Clone(t.toType) }

// Kinds returns the table's kinds, sorted.
func (t *Table) Kinds() []string { return slices.Sorted(maps.Keys(t.toType)) }
