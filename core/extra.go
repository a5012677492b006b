package core

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Member is a member of a JSON object that the model has no field for:
// a property the spec does not define (image-spec's considerations say
// implementations "SHOULD NOT generate an error if they encounter an
// unknown property in a known media type"), a field of another
// format's spec (Docker's platform "features"), or image-spec's
// artifactType, subject and annotations in a format that has none of
// them. Decoders keep such members so that a document decoded and
// encoded again in the same format and encoding loses nothing.
type Member struct {
	// Key is the member's name.
	Key string
	// Value is the member's JSON text, as it was read.
	Value []byte
	// After is the key of the modelled member this one followed in the
	// document read ("" when none came before it). Encoders write the
	// member right after that one (after the members already placed
	// there), or at the end of the object when that member is not
	// written; the canonical encoding sorts all members.
	After string
}

// Extra holds the unknown members of one JSON object, in the order they
// were read. Encoders write them back; a key that is also a member the
// model writes (or repeated in Extra) makes encoding fail, never a
// document with a repeated key.
type Extra []Member

// Clone returns a deep copy of e.
func (e Extra) Clone() Extra {
	if e == nil {
		return nil
	}
	out := make(Extra, len(e))
	for i, m := range e {
		out[i] = Member{Key: m.Key, Value: bytes.Clone(m.Value), After: m.After}
	}
	return out
}

// Lookup returns the JSON text of the member named key.
func (e Extra) Lookup(key string) ([]byte, bool) {
	for _, m := range e {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// Keys returns the members' keys, in order.
func (e Extra) Keys() []string {
	out := make([]string, len(e))
	for i, m := range e {
		out[i] = m.Key
	}
	return out
}

// withExtra returns o with the members of extra placed in it: each
// right after the member it followed when it was read. field names the
// object in errors.
func withExtra(o object, extra Extra, field string) (object, error) {
	if len(extra) == 0 {
		return o, nil
	}
	out := make(object, 0, len(o)+len(extra))
	var errs []error
	placeExtra(len(o), func(i int) string { return o[i].key }, extra, func(i, j int) {
		if i >= 0 {
			out = append(out, o[i])
			return
		}
		v, err := rawTree(extra[j].Value)
		if err != nil {
			errs = append(errs, fieldErr(joinField(field, extra[j].Key), err))
			return
		}
		out = append(out, member{extra[j].Key, v})
	})
	errs = duplicateKeys(errs, len(out), func(i int) string { return out[i].key }, field)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, errors.Join(errs...))
	}
	return out, nil
}

// extraInto places extra in o (see [Extra]), adding a problem to errs.
func extraInto(o object, extra Extra, field string, errs *[]error) object {
	out, err := withExtra(o, extra, field)
	if err != nil {
		*errs = append(*errs, err)
		return o
	}
	return out
}

// placeExtra gives the order of an object's members: n modelled ones
// (keys key(0) … key(n-1), in the order the encoding writes them) with
// the kept members of extra placed among them, each right after the
// modelled member it followed when read (those that followed none
// first), the others at the end. It calls emit(i, -1) for the i-th
// modelled member and emit(-1, j) for extra[j].
func placeExtra(n int, key func(int) string, extra Extra, emit func(modelled, kept int)) {
	placed := make([]bool, len(extra))
	place := func(after string) {
		for j, m := range extra {
			if placed[j] || m.After != after {
				continue
			}
			placed[j] = true
			emit(-1, j)
		}
	}
	place("")
	for i := range n {
		emit(i, -1)
		place(key(i))
	}
	for j := range extra {
		if !placed[j] {
			place(extra[j].After)
		}
	}
}

// duplicateKeys adds to errs a problem for each of the n keys that
// repeats one before it.
func duplicateKeys(errs []error, n int, key func(int) string, field string) []error {
	seen := make(map[string]bool, n)
	for i := range n {
		k := key(i)
		if seen[k] {
			errs = append(errs, &FieldError{joinField(field, k), errors.New("key appears more than once (a kept unknown member has the key of a field)")})
		}
		seen[k] = true
	}
	return errs
}

func joinField(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// rawNumber is a JSON number kept as its text.
type rawNumber string

// null is JSON's null.
type null struct{}

// rawTree parses the JSON text of a kept member into the tree the
// encodings write, so that each writes it in its own spelling.
func rawTree(data []byte) (any, error) {
	s := scanner{}
	s.init(data)
	v := s.value()
	s.end()
	if s.err != nil {
		return nil, s.err
	}
	return v, nil
}

// value reads any JSON value into the tree (object, []any, string,
// rawNumber, bool, null).
func (s *scanner) value() any {
	switch c := s.peek(); {
	case c == '{':
		if !s.open() {
			return nil
		}
		o := object{}
		for first := true; ; first = false {
			key, ok := s.nextMember(first)
			if !ok {
				break
			}
			o = append(o, member{key, s.value()})
		}
		return o
	case c == '[':
		if !s.open() {
			return nil
		}
		a := []any{}
		for i := 0; s.nextElement(i == 0); i++ {
			a = append(a, s.value())
		}
		return a
	case c == '"':
		str, _ := s.readString()
		return str
	case c == '-' || isDigit(c):
		start, end, _, ok := s.scanNumber()
		if !ok {
			return nil
		}
		return rawNumber(s.src[start:end])
	case c == 't' || c == 'f' || c == 'n':
		if !s.literal() {
			return nil
		}
		switch c {
		case 't':
			return true
		case 'f':
			return false
		}
		return null{}
	}
	s.unexpected("a value")
	return nil
}

// appendCanonicalNumber writes a number as RFC 8785 has it (ECMAScript's
// Number.prototype.toString of the IEEE 754 double).
func appendCanonicalNumber(dst []byte, text string) ([]byte, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%w: number %s has no IEEE 754 double", ErrOutOfRange, text)
	}
	if f == 0 {
		return append(dst, '0'), nil // -0 too
	}
	abs, format := math.Abs(f), byte('f')
	if abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as ECMAScript writes it.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}
