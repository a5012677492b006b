package core

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// The wire types hold what a document says before validation. They are
// filled in one pass over the document by a scanner of its own (scan.go)
// rather than by encoding/json's struct decoding, which matches keys
// case-insensitively ("SchemaVersion" would count as "schemaVersion") and
// keeps the last of two equal keys. The spec's keys are case-sensitive (a
// key in another case is an unknown key, ignored as the spec says), and a
// repeated key is refused: parsers disagree on which occurrence wins, and
// a document that reads one way here and another way in a registry must
// not be accepted.

// wireDocument holds every top-level field of manifests and indexes, so
// a document that mixes the two can be recognised.
type wireDocument struct {
	SchemaVersion *int64
	MediaType     *string
	ArtifactType  string
	Config        *wireDescriptor
	Layers        []wireDescriptor // nil when absent or null
	Manifests     []wireDescriptor
	Subject       *wireDescriptor
	Annotations   map[string]string
	// FSLayers is set when the document is Docker schema 1, recognised
	// only to be refused with a clear message.
	FSLayers bool
	// artifactErrs are the problems of artifactType, subject and
	// annotations when the document was read leniently: problems only
	// for a format that has those fields; for another they are unknown
	// members, kept as read.
	artifactErrs []error
	// data is the document; members locates each of its members in it,
	// in order, so that a format can keep those it does not model.
	data       []byte
	members    []docMember
	membersBuf [8]docMember
}

// docMember is where a top-level member's value lies in the document.
type docMember struct {
	key        string
	start, end int
}

// extra returns the members for which known is false, as read, each
// after the last known member before it.
func (w *wireDocument) extra(known func(string) bool) Extra {
	var out Extra
	last := ""
	for _, m := range w.members {
		if known(m.key) {
			last = m.key
			continue
		}
		out = append(out, Member{Key: m.key, Value: append([]byte(nil), w.data[m.start:m.end]...), After: last})
	}
	return out
}

// wirePlatform is a Platform: the parser fills the one a decoded
// descriptor keeps.
type wirePlatform = Platform

type wireDescriptor struct {
	MediaType    *string
	Digest       *string
	Size         *int64
	URLs         []string
	Annotations  map[string]string
	Data         *string
	Platform     *wirePlatform
	ArtifactType string
	Extra        Extra
}

// parser reads one document. Type errors are collected (with the field's
// path) and parsing goes on, so every problem is reported; a syntax error
// stops it (the scanner's err).
//
// The path of the value being read is kept as a stack of segments and
// turned into a string only when an error is recorded. The pointer
// fields of the wire types point into slabs allocated a chunk at a time.
type parser struct {
	scanner
	errs    []error
	path    []pathSeg
	pathBuf [8]pathSeg
	// keys holds the keys outside the wire types' fields seen in each
	// object being read, a stack of keySets.
	keys  []string
	strs  []string
	ints  []int64
	plats []wirePlatform
	// lenient: the problems inside artifactType, subject and annotations
	// are the document's (artifactErrs), not the parse's.
	lenient bool
	// descs holds the descriptors of the array being read, so that the
	// array is allocated once, at its length. Its elements are cleared
	// after each array.
	descs []wireDescriptor
}

// parsers keeps parsers between documents for their buffers (pathBuf,
// keys, descs). keys stays short: an object moves its keys to a map
// past 16, and only the few levels the wire types have keep keys.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// maxPooledDescs bounds the descriptor buffer kept between documents.
const maxPooledDescs = 8192

// release puts p back in the pool, holding nothing of the document it
// read.
func (p *parser) release() {
	keys := p.keys[:cap(p.keys)]
	clear(keys)
	descs := p.descs[:0] // cleared after each array
	if cap(descs) > maxPooledDescs {
		descs = nil
	}
	*p = parser{keys: keys[:0], descs: descs}
	parsers.Put(p)
}

// pathSeg is one step of a field path: an object member (index < 0) or
// an array element.
type pathSeg struct {
	key   string
	index int
}

func (p *parser) pushKey(key string) { p.path = append(p.path, pathSeg{key: key, index: -1}) }
func (p *parser) pushIndex(i int)    { p.path = append(p.path, pathSeg{index: i}) }
func (p *parser) pop()               { p.path = p.path[:len(p.path)-1] }

// pathString renders the current path: "layers[2].annotations.k".
func (p *parser) pathString() string {
	var b []byte
	for _, seg := range p.path {
		if seg.index >= 0 {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(seg.index), 10)
			b = append(b, ']')
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, seg.key...)
	}
	return string(b)
}

// record adds a problem with the value at the current path.
func (p *parser) record(err error) {
	if len(p.path) == 0 {
		p.errs = append(p.errs, err)
		return
	}
	p.errs = append(p.errs, &FieldError{Field: p.pathString(), Err: err})
}

// mismatch records that the value at pos is not of the wanted type and
// skips it. A byte that starts no value is a syntax error instead.
func (p *parser) mismatch(want string) {
	var kind string
	switch c := p.peek(); {
	case c == '{':
		kind = "object"
	case c == '[':
		kind = "array"
	case c == '"':
		kind = "string"
	case c == 't' || c == 'f':
		kind = "bool"
	case c == 'n':
		kind = "null"
	case c == '-' || isDigit(c):
		kind = "number"
	default:
		p.unexpected("a value")
		return
	}
	p.record(fmt.Errorf("cannot be a JSON %s (want %s)", kind, want))
	p.skipValue()
}

// null consumes a null at pos, reporting whether there was one.
func (p *parser) null() bool {
	if p.peek() != 'n' {
		return false
	}
	p.literal()
	return true
}

// openObject enters the object at pos. It reports whether an object was
// there: null is an absent object, and any other value is recorded as a
// type error and skipped.
func (p *parser) openObject() bool {
	if p.peek() == '{' {
		return p.open()
	}
	if !p.null() {
		p.mismatch("an object")
	}
	return false
}

// openArray is openObject for arrays.
func (p *parser) openArray(want string) bool {
	if p.peek() == '[' {
		return p.open()
	}
	if !p.null() {
		p.mismatch(want)
	}
	return false
}

// keySet finds repeated keys in one object: the wire types' fields by a
// bit each in known, other keys in the parser's keys stack from start
// on, or in big once there are many.
type keySet struct {
	known uint32
	start int
	big   map[string]struct{}
}

func (p *parser) keySet() keySet { return keySet{start: len(p.keys)} }

// done drops the object's keys from the stack.
func (p *parser) done(ks *keySet) { p.keys = p.keys[:ks.start] }

// field notes the key of the wire type's field numbered bit, which is on
// the path.
func (p *parser) field(ks *keySet, bit uint) {
	if ks.known&(1<<bit) != 0 {
		p.repeated()
	}
	ks.known |= 1 << bit
}

// other notes a key that is not a field; it is on the path.
func (p *parser) other(ks *keySet, key string) {
	if p.has(ks, key) {
		p.repeated()
		return
	}
	p.add(ks, key)
}

// add puts a key known not to be in ks into it.
func (p *parser) add(ks *keySet, key string) {
	if ks.big != nil {
		ks.big[key] = struct{}{}
		return
	}
	p.keys = append(p.keys, key)
	if len(p.keys)-ks.start > 16 {
		ks.big = make(map[string]struct{}, 2*(len(p.keys)-ks.start))
		for _, k := range p.keys[ks.start:] {
			ks.big[k] = struct{}{}
		}
		p.keys = p.keys[:ks.start]
	}
}

func (p *parser) has(ks *keySet, key string) bool {
	if ks.big == nil && len(p.keys) == ks.start {
		return false
	}
	if ks.big != nil {
		_, ok := ks.big[key]
		return ok
	}
	for _, k := range p.keys[ks.start:] {
		if k == key {
			return true
		}
	}
	return false
}

func (p *parser) repeated() { p.record(errors.New("key appears more than once")) }

// skipOther notes an unknown key and skips its value.
func (p *parser) skipOther(ks *keySet, key string) {
	p.other(ks, key)
	p.skipValue()
}

// keepOther notes an unknown key and keeps a copy of its value in
// extra, after the modelled member last.
func (p *parser) keepOther(ks *keySet, key, last string, extra *Extra) {
	p.other(ks, key)
	p.peek()
	start := p.pos
	p.skipValue()
	if p.err == nil {
		*extra = append(*extra, Member{Key: key, Value: append([]byte(nil), p.data[start:p.pos]...), After: last})
	}
}

// str reads a string; null gives ("", false).
func (p *parser) str() (string, bool) {
	if p.peek() == '"' {
		return p.readString()
	}
	if !p.null() {
		p.mismatch("a string")
	}
	return "", false
}

// optionalType reads an optional media-type field (artifactType): absent
// and null are "", an empty string is an error, as image-spec's schema
// has it.
func (p *parser) optionalType() string {
	s, ok := p.str()
	if ok && s == "" {
		p.record(errors.New("present but empty (omit it or give a media type)"))
	}
	return s
}

func (p *parser) strPtr() *string {
	s, ok := p.str()
	if !ok {
		return nil
	}
	if len(p.strs) == cap(p.strs) {
		p.strs = make([]string, 0, slabSize(cap(p.strs)))
	}
	p.strs = append(p.strs, s)
	return &p.strs[len(p.strs)-1]
}

func (p *parser) int64Ptr() *int64 {
	v, ok := p.int64()
	if !ok {
		return nil
	}
	if len(p.ints) == cap(p.ints) {
		p.ints = make([]int64, 0, slabSize(cap(p.ints)))
	}
	p.ints = append(p.ints, v)
	return &p.ints[len(p.ints)-1]
}

// slabSize gives the length of the next chunk of a slab: doubling from 4
// to 256, so a small document allocates little and a large one few times.
func slabSize(last int) int {
	return min(max(2*last, 4), 256)
}

func (p *parser) int64() (int64, bool) {
	c := p.peek()
	if c != '-' && !isDigit(c) {
		if !p.null() {
			p.mismatch("an integer")
		}
		return 0, false
	}
	start, end, integer, ok := p.scanNumber()
	if !ok {
		return 0, false
	}
	if integer {
		if v, ok := parseInt(p.data[start:end]); ok {
			return v, true
		}
	}
	p.record(fmt.Errorf("%s is not an integer in the int64 range", p.src[start:end]))
	return 0, false
}

// parseInt parses an optional '-' and decimal digits (as scanNumber
// checked them) into an int64, reporting overflow.
func parseInt(b []byte) (int64, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	const cutoff = 1 << 63 / 10
	var u uint64
	for _, c := range b {
		if u > cutoff {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

func (p *parser) strings(want string) []string {
	if !p.openArray(want) {
		return nil
	}
	out := []string{}
	for i := 0; p.nextElement(i == 0); i++ {
		p.pushIndex(i)
		if s, ok := p.str(); ok {
			out = append(out, s)
		}
		p.pop()
	}
	return out
}

func (p *parser) stringMap() map[string]string {
	if !p.openObject() {
		return nil
	}
	m := map[string]string{}
	ks := p.keySet()
	for first := true; ; first = false {
		key, ok := p.nextMember(first)
		if !ok {
			break
		}
		p.pushKey(key)
		// A key whose value is a string is in m; any other is in ks.
		_, dup := m[key]
		if dup || p.has(&ks, key) {
			p.repeated()
		}
		if p.peek() == '"' {
			if s, ok := p.readString(); ok {
				m[key] = s
			}
		} else {
			if !dup {
				p.add(&ks, key)
			}
			p.str()
		}
		p.pop()
	}
	p.done(&ks)
	return m
}

func (p *parser) platform() *wirePlatform {
	if !p.openObject() {
		return nil
	}
	if len(p.plats) == cap(p.plats) {
		p.plats = make([]wirePlatform, 0, slabSize(cap(p.plats)))
	}
	p.plats = append(p.plats, wirePlatform{})
	w := &p.plats[len(p.plats)-1]
	ks := p.keySet()
	last := ""
	for first := true; ; first = false {
		key, ok := p.nextMember(first)
		if !ok {
			break
		}
		p.pushKey(key)
		known := true
		switch key {
		case "architecture":
			p.field(&ks, 0)
			w.Architecture, _ = p.str()
		case "os":
			p.field(&ks, 1)
			w.OS, _ = p.str()
		case "os.version":
			p.field(&ks, 2)
			w.OSVersion, _ = p.str()
		case "variant":
			p.field(&ks, 3)
			w.Variant, _ = p.str()
		case "os.features":
			p.field(&ks, 4)
			w.OSFeatures = p.strings("an array of strings")
		default:
			known = false
			p.keepOther(&ks, key, last, &w.Extra)
		}
		if known {
			last = key
		}
		p.pop()
	}
	p.done(&ks)
	return w
}

// descriptor reads a descriptor at path ("" for the whole document);
// null gives nil.
func (p *parser) descriptor(path string) *wireDescriptor {
	if path != "" {
		p.pushKey(path)
		defer p.pop()
	}
	var w wireDescriptor
	if !p.descriptorInto(&w) {
		return nil
	}
	return &w
}

// descriptorInto reads a descriptor into w, reporting whether there was
// an object.
func (p *parser) descriptorInto(w *wireDescriptor) bool {
	if !p.openObject() {
		return false
	}
	ks := p.keySet()
	last := ""
	for first := true; ; first = false {
		key, ok := p.nextMember(first)
		if !ok {
			break
		}
		p.pushKey(key)
		known := true
		switch key {
		case "mediaType":
			p.field(&ks, 0)
			w.MediaType = p.strPtr()
		case "digest":
			p.field(&ks, 1)
			w.Digest = p.strPtr()
		case "size":
			p.field(&ks, 2)
			w.Size = p.int64Ptr()
		case "urls":
			p.field(&ks, 3)
			w.URLs = p.strings("an array of strings")
		case "annotations":
			p.field(&ks, 4)
			w.Annotations = p.stringMap()
		case "data":
			p.field(&ks, 5)
			w.Data = p.strPtr()
		case "platform":
			p.field(&ks, 6)
			w.Platform = p.platform()
		case "artifactType":
			p.field(&ks, 7)
			w.ArtifactType = p.optionalType()
		default:
			known = false
			p.keepOther(&ks, key, last, &w.Extra)
		}
		if known {
			last = key
		}
		p.pop()
	}
	p.done(&ks)
	return true
}

// descriptors reads an array of descriptors; an element that is not an
// object is an error and a zero descriptor.
func (p *parser) descriptors() []wireDescriptor {
	if !p.openArray("an array of descriptors") {
		return nil
	}
	buf := p.descs
	mark := len(buf)
	for i := 0; p.nextElement(i == 0); i++ {
		p.pushIndex(i)
		buf = append(buf, wireDescriptor{})
		if !p.descriptorInto(&buf[len(buf)-1]) {
			p.record(errors.New("want a descriptor object"))
		}
		p.pop()
	}
	out := make([]wireDescriptor, len(buf)-mark)
	copy(out, buf[mark:])
	clear(buf[mark:]) // keep nothing of this document alive in the pool
	p.descs = buf[:mark]
	return out
}

func (p *parser) document() *wireDocument {
	if !p.openObject() {
		return nil
	}
	w := &wireDocument{data: p.data}
	w.members = w.membersBuf[:0]
	ks := p.keySet()
	for first := true; ; first = false {
		key, ok := p.nextMember(first)
		if !ok {
			break
		}
		p.pushKey(key)
		p.peek()
		start, nerr := p.pos, len(p.errs)
		switch key {
		case "schemaVersion":
			p.field(&ks, 0)
			w.SchemaVersion = p.int64Ptr()
		case "mediaType":
			p.field(&ks, 1)
			w.MediaType = p.strPtr()
		case "artifactType":
			p.field(&ks, 2)
			w.ArtifactType = p.optionalType()
		case "config":
			p.field(&ks, 3)
			w.Config = p.descriptor("")
		case "layers":
			p.field(&ks, 4)
			w.Layers = p.descriptors()
		case "manifests":
			p.field(&ks, 5)
			w.Manifests = p.descriptors()
		case "subject":
			p.field(&ks, 6)
			w.Subject = p.descriptor("")
		case "annotations":
			p.field(&ks, 7)
			w.Annotations = p.stringMap()
		case "fsLayers":
			p.field(&ks, 8)
			w.FSLayers = true
			p.skipValue()
		default:
			p.skipOther(&ks, key)
		}
		if p.lenient && len(p.errs) > nerr && (key == "artifactType" || key == "subject" || key == "annotations") {
			w.artifactErrs = append(w.artifactErrs, p.errs[nerr:]...)
			p.errs = p.errs[:nerr]
		}
		w.members = append(w.members, docMember{key, start, p.pos})
		p.pop()
	}
	p.done(&ks)
	return w
}

// parseValue runs fill over the single JSON value in data. Syntax
// errors name the byte offset and stop parsing; type errors name the
// field, and all of them are reported. The strings of the result share
// one copy of data.
func parseValue(data []byte, fill func(*parser)) error {
	return parseValueLenient(data, false, fill)
}

// parseValueLenient is parseValue, lenient or not (see parser.lenient).
func parseValueLenient(data []byte, lenient bool, fill func(*parser)) error {
	p := parsers.Get().(*parser)
	defer p.release()
	p.init(data)
	p.lenient = lenient
	p.path = p.pathBuf[:0]
	if p.atEnd() {
		return fmt.Errorf("%w: empty document", ErrInvalidDocument)
	}
	fill(p)
	p.end()
	if p.err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidDocument, p.err)
	}
	if len(p.errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidDocument, errors.Join(p.errs...))
	}
	return nil
}

// parseDocument decodes a manifest or index into a wireDocument in one
// pass, every problem an error.
func parseDocument(data []byte) (*wireDocument, error) {
	return readWire(data, false)
}

// readDocumentWire is parseDocument leaving the problems inside
// artifactType, subject and annotations in artifactErrs, for the format
// to judge: members a format does not have are never refused.
func readDocumentWire(data []byte) (*wireDocument, error) {
	return readWire(data, true)
}

func readWire(data []byte, lenient bool) (*wireDocument, error) {
	var w *wireDocument
	if err := parseValueLenient(data, lenient, func(p *parser) { w = p.document() }); err != nil {
		return nil, err
	}
	if w == nil {
		return nil, fmt.Errorf("%w: want a JSON object, got null", ErrInvalidDocument)
	}
	if w.FSLayers {
		return nil, fmt.Errorf("%w: a Docker schema 1 manifest (fsLayers); only schema 2 is supported", ErrUnknownDocument)
	}
	return w, nil
}
