package core

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// The encoder of manifests, indexes and descriptors writes straight into
// one buffer sized up front from the document: no tree of values (only
// the values of kept unknown members are parsed, to be written in the
// encoding's spelling), annotation keys sorted on the stack, and
// the members of an object sorted only where the canonical encoding
// needs it (annotations, and objects with kept members; the modelled
// members alone have a fixed canonical order).

// memberSet is the modelled members of one kind of object: their keys,
// and the order each encoding writes them in.
type memberSet struct {
	names []string
	order [3][]int8 // by Encoding
	// keys[wide][id] is the quoted key of member id and the colon, as
	// the compact and canonical encodings (wide false) or concil's
	// (true) write it.
	keys [2][]string
}

// newMemberSet makes the canonical order the names sorted as RFC 8785
// sorts keys.
func newMemberSet(names []string, compact, concil []int8) *memberSet {
	canon := make([]int8, len(names))
	for i := range canon {
		canon[i] = int8(i)
	}
	slices.SortFunc(canon, func(a, b int8) int { return compareUTF16(names[a], names[b]) })
	s := &memberSet{names: names}
	for _, name := range names {
		s.keys[0] = append(s.keys[0], `"`+name+`":`)
		s.keys[1] = append(s.keys[1], `"`+name+`": `)
	}
	s.order[EncodingCompact], s.order[EncodingConcil], s.order[EncodingCanonical] = compact, concil, canon
	return s
}

const (
	dMediaType = iota
	dDigest
	dSize
	dURLs
	dAnnotations
	dData
	dPlatform
	dArtifactType
)

const (
	pArchitecture = iota
	pOS
	pOSVersion
	pOSFeatures
	pVariant
)

const (
	xSchemaVersion = iota
	xMediaType
	xArtifactType
	xConfig
	xLayers
	xManifests
	xSubject
	xAnnotations
)

var (
	descriptorMembers = newMemberSet(
		[]string{"mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType"},
		[]int8{dMediaType, dDigest, dSize, dURLs, dAnnotations, dData, dPlatform, dArtifactType},
		[]int8{dMediaType, dSize, dDigest, dAnnotations, dURLs, dData, dPlatform, dArtifactType})
	platformMembers = newMemberSet(
		[]string{"architecture", "os", "os.version", "os.features", "variant"},
		[]int8{pArchitecture, pOS, pOSVersion, pOSFeatures, pVariant},
		[]int8{pArchitecture, pOS, pOSVersion, pOSFeatures, pVariant})
	documentMembers = newMemberSet(
		[]string{"schemaVersion", "mediaType", "artifactType", "config", "layers", "manifests", "subject", "annotations"},
		[]int8{xSchemaVersion, xMediaType, xArtifactType, xConfig, xLayers, xManifests, xSubject, xAnnotations},
		[]int8{xSchemaVersion, xMediaType, xConfig, xLayers, xManifests, xArtifactType, xSubject, xAnnotations})
)

// slot is one member of the object being written: modelled member id,
// or (id < 0) the kept member extra[kept] with its parsed value
// vals[val].
type slot struct {
	id        int8
	kept, val int32
}

// docWriter writes one document in one encoding.
type docWriter struct {
	buf  []byte
	enc  Encoding
	st   style
	errs []error // kept members that cannot be placed, children's first
	err  error   // the first value the encoding cannot write
	vals []any   // the parsed values of kept members
}

// init readies w for a document of about size bytes in compact.
func (w *docWriter) init(enc Encoding, size int) error {
	st, err := enc.style()
	if err != nil {
		return err
	}
	if enc == EncodingConcil {
		size += size / 8 // ", " and ": "
	}
	w.buf, w.enc, w.st = make([]byte, 0, size), enc, st
	return nil
}

// result returns the document, or the problems found: kept members that
// cannot be placed first (they are found before any value is written in
// the tree this replaces), then the first value out of range.
func (w *docWriter) result() ([]byte, error) {
	if len(w.errs) > 0 {
		return nil, errors.Join(w.errs...)
	}
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

// document is what a manifest or an index writes at its top level.
type document struct {
	mediaType      string
	writeMediaType bool
	artifactType   string
	config         *Descriptor
	listKey        int // xLayers or xManifests
	list           []Descriptor
	subject        *Descriptor
	annotations    map[string]string
	extra          Extra
}

// members appends to slots (room on the caller's stack) the members of
// one object in the order the encoding writes them: the modelled members
// of mask (bit id set), and the kept ones placed among them. It returns
// them and the problems with the kept members, which the caller reports
// after those of the object's children.
func (w *docWriter) members(slots []slot, set *memberSet, mask uint16, extra Extra, field func() string) ([]slot, error) {
	order := set.order[w.enc]
	if len(extra) == 0 {
		for _, id := range order {
			if mask&(1<<id) != 0 {
				slots = append(slots, slot{id: id})
			}
		}
		return slots, nil
	}
	// The kept members are placed among the modelled ones in the
	// encoding's order (compact's for the canonical, which sorts them
	// all afterwards).
	if w.enc == EncodingCanonical {
		order = set.order[EncodingCompact]
	}
	present := make([]int8, 0, len(order))
	for _, id := range order {
		if mask&(1<<id) != 0 {
			present = append(present, id)
		}
	}
	name := field()
	var errs []error
	placeExtra(len(present), func(i int) string { return set.names[present[i]] }, extra, func(i, j int) {
		if i >= 0 {
			slots = append(slots, slot{id: present[i]})
			return
		}
		v, err := rawTree(extra[j].Value)
		if err != nil {
			errs = append(errs, fieldErr(joinField(name, extra[j].Key), err))
			return
		}
		w.vals = append(w.vals, v)
		slots = append(slots, slot{id: -1, kept: int32(j), val: int32(len(w.vals) - 1)})
	})
	errs = duplicateKeys(errs, len(slots), func(i int) string { return slotKey(set, extra, slots[i]) }, name)
	if len(errs) > 0 {
		return slots, fmt.Errorf("%w: %w", ErrInvalidDocument, errors.Join(errs...))
	}
	if w.enc == EncodingCanonical {
		slices.SortStableFunc(slots, func(a, b slot) int {
			return compareUTF16(slotKey(set, extra, a), slotKey(set, extra, b))
		})
	}
	return slots, nil
}

func slotKey(set *memberSet, extra Extra, s slot) string {
	if s.id >= 0 {
		return set.names[s.id]
	}
	return extra[s.kept].Key
}

// member starts a member of an object.
func (w *docWriter) member(first bool, set *memberSet, extra Extra, s slot) {
	if !first {
		w.raw(w.st.comma)
	}
	if s.id >= 0 {
		wide := 0
		if w.enc == EncodingConcil {
			wide = 1
		}
		w.raw(set.keys[wide][s.id])
		return
	}
	w.str(extra[s.kept].Key)
	w.raw(w.st.colon)
}

// keptValue writes a kept member's value in the encoding's spelling.
func (w *docWriter) keptValue(v any) {
	b, err := w.st.append(w.buf, v)
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	w.keep(b)
}

// object writes one object: its members in the encoding's order, the
// modelled ones (those of mask) by value(id), the kept ones of extra in
// the encoding's spelling. The problems with the kept members follow
// those of the object's children.
func (w *docWriter) object(set *memberSet, mask uint16, extra Extra, field func() string, value func(id int8)) {
	var room [8]slot
	slots, err := w.members(room[:0], set, mask, extra, field)
	w.buf = append(w.buf, '{')
	for i, s := range slots {
		w.member(i == 0, set, extra, s)
		if s.id >= 0 {
			value(s.id)
		} else {
			w.keptValue(w.vals[s.val])
		}
	}
	w.buf = append(w.buf, '}')
	if err != nil {
		w.errs = append(w.errs, err)
	}
}

// keep takes b, what a function appending to w.buf returned. Unless the
// buffer grew, only its length is stored: storing the pointer again
// would cost a write barrier while the collector runs.
func (w *docWriter) keep(b []byte) {
	if cap(b) == cap(w.buf) {
		w.buf = w.buf[:len(b)]
		return
	}
	w.buf = b
}

// raw writes s as it is.
func (w *docWriter) raw(s string) { w.keep(append(w.buf, s...)) }

func (w *docWriter) str(s string) { w.keep(appendString(w.buf, s, w.st.esc)) }

func (w *docWriter) int(v int64) {
	if w.st.maxInt != 0 && (v > w.st.maxInt || v < -w.st.maxInt) {
		if w.err == nil {
			w.err = fmt.Errorf("%w: %d", ErrOutOfRange, v)
		}
	}
	w.keep(strconv.AppendInt(w.buf, v, 10))
}

func (w *docWriter) strings(ss []string) {
	w.buf = append(w.buf, '[')
	for i, s := range ss {
		if i > 0 {
			w.raw(w.st.comma)
		}
		w.str(s)
	}
	w.buf = append(w.buf, ']')
}

// stringMap writes annotations sorted by key: by bytes, or by UTF-16
// code units in the canonical encoding.
func (w *docWriter) stringMap(m map[string]string) {
	w.buf = append(w.buf, '{')
	if len(m) == 1 {
		for k, v := range m {
			w.str(k)
			w.raw(w.st.colon)
			w.str(v)
		}
		w.buf = append(w.buf, '}')
		return
	}
	var room [8]string
	keys := room[:0]
	for k := range m {
		keys = append(keys, k)
	}
	if w.enc == EncodingCanonical {
		slices.SortFunc(keys, compareUTF16)
	} else {
		slices.Sort(keys)
	}
	for i, k := range keys {
		if i > 0 {
			w.raw(w.st.comma)
		}
		w.str(k)
		w.raw(w.st.colon)
		w.str(m[k])
	}
	w.buf = append(w.buf, '}')
}

func (w *docWriter) descriptor(d *Descriptor, field func() string) {
	mask := uint16(1<<dMediaType | 1<<dDigest | 1<<dSize)
	if len(d.URLs) > 0 {
		mask |= 1 << dURLs
	}
	if len(d.Annotations) > 0 {
		mask |= 1 << dAnnotations
	}
	if len(d.Data) > 0 {
		mask |= 1 << dData
	}
	if d.Platform != nil {
		mask |= 1 << dPlatform
	}
	if d.ArtifactType != "" {
		mask |= 1 << dArtifactType
	}
	w.object(descriptorMembers, mask, d.Extra, field, func(id int8) {
		switch id {
		case dMediaType:
			w.str(d.MediaType)
		case dDigest:
			w.str(string(d.Digest))
		case dSize:
			w.int(d.Size)
		case dURLs:
			w.strings(d.URLs)
		case dAnnotations:
			w.stringMap(d.Annotations)
		case dData:
			w.buf = append(w.buf, '"')
			w.keep(base64.StdEncoding.AppendEncode(w.buf, d.Data))
			w.buf = append(w.buf, '"')
		case dPlatform:
			w.platform(d.Platform, func() string { return joinField(field(), "platform") })
		case dArtifactType:
			w.str(d.ArtifactType)
		}
	})
}

func (w *docWriter) platform(p *Platform, field func() string) {
	mask := uint16(1<<pArchitecture | 1<<pOS)
	if p.OSVersion != "" {
		mask |= 1 << pOSVersion
	}
	if len(p.OSFeatures) > 0 {
		mask |= 1 << pOSFeatures
	}
	if p.Variant != "" {
		mask |= 1 << pVariant
	}
	w.object(platformMembers, mask, p.Extra, field, func(id int8) {
		switch id {
		case pArchitecture:
			w.str(p.Architecture)
		case pOS:
			w.str(p.OS)
		case pOSVersion:
			w.str(p.OSVersion)
		case pOSFeatures:
			w.strings(p.OSFeatures)
		case pVariant:
			w.str(p.Variant)
		}
	})
}

func noField() string { return "" }

func (w *docWriter) document(doc *document) {
	mask := uint16(1<<xSchemaVersion | 1<<doc.listKey)
	if doc.writeMediaType {
		mask |= 1 << xMediaType
	}
	if doc.artifactType != "" {
		mask |= 1 << xArtifactType
	}
	if doc.config != nil {
		mask |= 1 << xConfig
	}
	if doc.subject != nil {
		mask |= 1 << xSubject
	}
	if len(doc.annotations) > 0 {
		mask |= 1 << xAnnotations
	}
	w.object(documentMembers, mask, doc.extra, noField, func(id int8) {
		switch id {
		case xSchemaVersion:
			w.buf = append(w.buf, '2')
		case xMediaType:
			w.str(doc.mediaType)
		case xArtifactType:
			w.str(doc.artifactType)
		case xConfig:
			w.descriptor(doc.config, func() string { return "config" })
		case xLayers, xManifests:
			w.list(doc.list, documentMembers.names[id])
		case xSubject:
			w.descriptor(doc.subject, func() string { return "subject" })
		case xAnnotations:
			w.stringMap(doc.annotations)
		}
	})
}

func (w *docWriter) list(ds []Descriptor, key string) {
	w.buf = append(w.buf, '[')
	for i := range ds {
		if i > 0 {
			w.raw(w.st.comma)
		}
		w.descriptor(&ds[i], func() string { return fmt.Sprintf("%s[%d]", key, i) })
	}
	w.buf = append(w.buf, ']')
}

// sizeOf estimates the compact encoding of d, in bytes.
func sizeOf(d *Descriptor) int {
	n := 48 + len(d.MediaType) + len(d.Digest) + len(d.ArtifactType) + 16
	n += sizeOfMap(d.Annotations)
	for _, u := range d.URLs {
		n += len(u) + 3
	}
	n += base64.StdEncoding.EncodedLen(len(d.Data))
	if p := d.Platform; p != nil {
		n += 64 + len(p.Architecture) + len(p.OS) + len(p.OSVersion) + len(p.Variant) + sizeOfExtra(p.Extra)
		for _, f := range p.OSFeatures {
			n += len(f) + 3
		}
	}
	return n + sizeOfExtra(d.Extra)
}

// sizeOfMap guesses the size of annotations without going through them
// (a longer one makes the buffer grow).
func sizeOfMap(m map[string]string) int {
	if len(m) == 0 {
		return 0
	}
	return 16 + 64*len(m)
}

func sizeOfExtra(e Extra) int {
	n := 0
	for _, m := range e {
		n += len(m.Key) + len(m.Value) + 4
	}
	return n
}

func (doc *document) size() int {
	n := 64 + len(doc.mediaType) + len(doc.artifactType) + sizeOfMap(doc.annotations) + sizeOfExtra(doc.extra)
	if doc.config != nil {
		n += sizeOf(doc.config)
	}
	if doc.subject != nil {
		n += sizeOf(doc.subject)
	}
	for i := range doc.list {
		n += sizeOf(&doc.list[i]) + 1
	}
	return n
}

// encodeDocument writes doc in encoding enc.
func encodeDocument(doc *document, enc Encoding) ([]byte, error) {
	var w docWriter
	if err := w.init(enc, doc.size()); err != nil {
		return nil, err
	}
	w.document(doc)
	return w.result()
}
