package core

import (
	"fmt"
	"unicode/utf8"
)

// scanner reads JSON text held in memory, one token at a time, without
// allocating per token. It implements RFC 8259 strictly (no trailing
// commas, no leading zeros, no unescaped control characters, only the
// escapes the RFC lists) plus the I-JSON rules (RFC 7493) on strings:
// every string must be valid UTF-8, and a \u escape of a surrogate must be
// a high surrogate followed by an escaped low one.
//
// The first syntax error stops the scan: it is kept in err, and from then
// on every method returns at once (peek returns 0), so the loops of its
// callers end without checking err at every step.
//
// Strings without escapes are substrings of src, a single copy of the
// document: decoding allocates once for all of them, at the price of
// keeping the document's text alive while any of them is referenced.
type scanner struct {
	data  []byte
	src   string // string(data)
	pos   int
	depth int
	err   *syntaxError
	// objects records, in skipValue, which open containers are objects
	// (bit set) and which arrays, one bit per level: the first 64 levels
	// in low, deeper ones in high.
	low     uint64
	high    []uint64
	scratch []byte // for unescaping
}

// maxDepth is the deepest nesting of arrays and objects accepted, the
// same as encoding/json's.
const maxDepth = 10000

// syntaxError is a violation of JSON's grammar at a byte offset (the
// offset, from 0, of the first byte that cannot be accepted; for a
// truncated document, its length).
type syntaxError struct {
	Offset    int
	msg       string
	truncated bool
}

func (e *syntaxError) Error() string {
	if e.truncated {
		return fmt.Sprintf("truncated JSON: the document ends at byte %d %s", e.Offset, e.msg)
	}
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.msg)
}

func (s *scanner) init(data []byte) {
	s.data, s.src = data, string(data)
}

// fail records a syntax error at offset off unless one is already
// recorded, and stops the scan.
func (s *scanner) fail(off int, format string, args ...any) {
	if s.err == nil {
		s.err = &syntaxError{Offset: off, msg: fmt.Sprintf(format, args...)}
		s.pos = len(s.data)
	}
}

func (s *scanner) truncated(where string) {
	if s.err == nil {
		s.err = &syntaxError{Offset: len(s.data), msg: where, truncated: true}
		s.pos = len(s.data)
	}
}

// unexpected records that the byte at pos (or the end of the document)
// is not what the grammar wants there.
func (s *scanner) unexpected(want string) {
	if s.pos >= len(s.data) {
		s.truncated("where it wants " + want)
		return
	}
	s.fail(s.pos, "unexpected %s, want %s", describeByte(s.data[s.pos]), want)
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// skipSpace moves past JSON whitespace (space, tab, line feed, carriage
// return; nothing else).
func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte without consuming it;
// 0 at the end of the document or after an error (and for a 0 byte,
// which starts no token either).
func (s *scanner) peek() byte {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return s.data[s.pos]
	}
	s.skipSpace()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// atEnd skips whitespace and reports whether the document ends there.
func (s *scanner) atEnd() bool {
	s.skipSpace()
	return s.pos >= len(s.data)
}

// open consumes the '{' or '[' at pos and enters the container.
func (s *scanner) open() bool {
	s.depth++
	if s.depth > maxDepth {
		s.fail(s.pos, "nesting deeper than %d arrays and objects", maxDepth)
		return false
	}
	s.pos++
	return true
}

// nextMember moves to the next member of the object being read (first is
// true right after its '{'). It returns the member's key with the ':'
// consumed, so that the value comes next; or false at the object's end
// (the '}' consumed) or on an error.
func (s *scanner) nextMember(first bool) (string, bool) {
	c := s.peek()
	if c == '}' {
		s.pos++
		s.depth--
		return "", false
	}
	if !first {
		if c != ',' {
			s.unexpected("',' or '}' after an object member")
			return "", false
		}
		s.pos++
		c = s.peek()
	}
	if c != '"' {
		if first {
			s.unexpected("a string key or '}'")
		} else {
			s.unexpected("a string key")
		}
		return "", false
	}
	key, ok := s.readString()
	if !ok {
		return "", false
	}
	if s.peek() != ':' {
		s.unexpected("':' after an object key")
		return "", false
	}
	s.pos++
	return key, true
}

// nextElement moves to the next element of the array being read (first
// is true right after its '['). It reports whether an element follows;
// false at the array's end (the ']' consumed) or on an error.
func (s *scanner) nextElement(first bool) bool {
	c := s.peek()
	if first {
		if c == ']' {
			s.pos++
			s.depth--
			return false
		}
		return s.err == nil
	}
	switch c {
	case ',':
		s.pos++
		return true
	case ']':
		s.pos++
		s.depth--
		return false
	}
	s.unexpected("',' or ']' after an array element")
	return false
}

// stringStop marks the bytes that end a run of plain characters in a
// string: the quote, the backslash, control characters, and every byte
// of a multi-byte UTF-8 sequence.
var stringStop = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// scanString checks the string that starts at pos (a '"') and moves past
// it. It returns the offsets of its content and whether it has escapes.
func (s *scanner) scanString() (start, end int, escaped, ok bool) {
	data := s.data
	i := s.pos + 1
	start = i
	for {
		for i < len(data) && !stringStop[data[i]] {
			i++
		}
		if i >= len(data) {
			s.truncated("inside a string")
			return 0, 0, false, false
		}
		switch c := data[i]; {
		case c == '"':
			s.pos = i + 1
			return start, i, escaped, true
		case c == '\\':
			n := s.checkEscape(i)
			if n == 0 {
				return 0, 0, false, false
			}
			escaped = true
			i += n
		case c < 0x20:
			s.fail(i, "control character %s in a string (it must be escaped)", describeByte(c))
			return 0, 0, false, false
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				s.fail(i, "invalid UTF-8 in a string (byte 0x%02x)", c)
				return 0, 0, false, false
			}
			i += n
		}
	}
}

// checkEscape checks the escape sequence at i (a backslash) and returns
// its length, or 0 after recording an error.
func (s *scanner) checkEscape(i int) int {
	data := s.data
	if i+1 >= len(data) {
		s.truncated("inside a string")
		return 0
	}
	switch data[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
	default:
		s.fail(i, "invalid escape \\%s in a string", describeByte(data[i+1]))
		return 0
	}
	r, ok := s.hex4(i + 2)
	if !ok {
		return 0
	}
	switch {
	case r < 0xd800 || r >= 0xe000:
		return 6
	case r < 0xdc00:
		// A high surrogate: an escaped low surrogate must follow.
		j := i + 6
		if j >= len(data) || data[j] == '\\' && j+1 >= len(data) {
			s.truncated("inside a string")
			return 0
		}
		if data[j] == '\\' && data[j+1] == 'u' {
			r2, ok := s.hex4(j + 2)
			if !ok {
				return 0
			}
			if r2 >= 0xdc00 && r2 < 0xe000 {
				return 12
			}
		}
	}
	s.fail(i, "lone surrogate \\u%04x in a string (I-JSON, RFC 7493, refuses it)", r)
	return 0
}

// hex4 reads the four hex digits of a \u escape at i.
func (s *scanner) hex4(i int) (rune, bool) {
	var r rune
	for k := i; k < i+4; k++ {
		if k >= len(s.data) {
			s.truncated("inside a string")
			return 0, false
		}
		c := s.data[k]
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			s.fail(k, "unexpected %s in a \\u escape, want a hex digit", describeByte(c))
			return 0, false
		}
	}
	return r, true
}

// readString reads the string at pos (a '"'): a substring of src when it
// has no escapes, else a new string with them decoded.
func (s *scanner) readString() (string, bool) {
	start, end, escaped, ok := s.scanString()
	if !ok {
		return "", false
	}
	if !escaped {
		return s.src[start:end], true
	}
	return s.unescape(start, end), true
}

// unescape decodes the content of a string already checked by
// scanString.
func (s *scanner) unescape(start, end int) string {
	b := s.scratch[:0]
	data := s.data
	for i := start; i < end; {
		c := data[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch data[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hexValue(data[i+2 : i+6])
			i += 6
			if r >= 0xd800 && r < 0xdc00 {
				r = 0x10000 + (r-0xd800)<<10 + (hexValue(data[i+2:i+6]) - 0xdc00)
				i += 6
			}
			b = utf8.AppendRune(b, r)
			continue
		default: // '"', '\\', '/'
			b = append(b, data[i+1])
		}
		i += 2
	}
	s.scratch = b
	return string(b)
}

func hexValue(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber checks the number at pos and moves past it. integer is
// true when it has neither fraction nor exponent.
func (s *scanner) scanNumber() (start, end int, integer, ok bool) {
	data := s.data
	i := s.pos
	start = i
	if data[i] == '-' {
		i++
	}
	digits := func(what string) bool {
		if i >= len(data) {
			s.truncated("inside a number")
			return false
		}
		if !isDigit(data[i]) {
			s.fail(i, "unexpected %s in a number, want a digit%s", describeByte(data[i]), what)
			return false
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
		return true
	}
	if i < len(data) && data[i] == '0' {
		i++
		if i < len(data) && isDigit(data[i]) {
			s.fail(start, "a number with a leading zero")
			return 0, 0, false, false
		}
	} else if !digits("") {
		return 0, 0, false, false
	}
	integer = true
	if i < len(data) && data[i] == '.' {
		i++
		integer = false
		if !digits(" after the decimal point") {
			return 0, 0, false, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		integer = false
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits(" in the exponent") {
			return 0, 0, false, false
		}
	}
	s.pos = i
	return start, i, integer, true
}

// literal consumes true, false or null, whichever starts at pos.
func (s *scanner) literal() bool {
	var lit string
	switch s.data[s.pos] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	default:
		lit = "null"
	}
	for k := 0; k < len(lit); k++ {
		i := s.pos + k
		if i >= len(s.data) {
			s.truncated("inside " + lit)
			return false
		}
		if s.data[i] != lit[k] {
			s.fail(i, "unexpected %s in the literal %s", describeByte(s.data[i]), lit)
			return false
		}
	}
	s.pos += len(lit)
	return true
}

// skipValue checks the value at pos, whatever it is, and moves past it.
// It does not recurse: nesting is tracked one bit per level.
func (s *scanner) skipValue() {
	base := s.depth
	for {
		// A value is wanted here.
		switch c := s.peek(); {
		case c == '{':
			if !s.open() {
				return
			}
			s.setContainer(true)
			if s.peek() == '}' {
				s.pos++
				s.depth--
				break
			}
			if !s.skipKey(true) {
				return
			}
			continue
		case c == '[':
			if !s.open() {
				return
			}
			s.setContainer(false)
			if s.peek() == ']' {
				s.pos++
				s.depth--
				break
			}
			continue
		case c == '"':
			if _, _, _, ok := s.scanString(); !ok {
				return
			}
		case c == '-' || isDigit(c):
			if _, _, _, ok := s.scanNumber(); !ok {
				return
			}
		case c == 't' || c == 'f' || c == 'n':
			if !s.literal() {
				return
			}
		default:
			s.unexpected("a value")
			return
		}
		// A value ended: close containers until one has more.
		for {
			if s.depth == base || s.err != nil {
				return
			}
			c := s.peek()
			if s.isObject() {
				if c == ',' {
					s.pos++
					if !s.skipKey(false) {
						return
					}
					break
				}
				if c == '}' {
					s.pos++
					s.depth--
					continue
				}
				s.unexpected("',' or '}' after an object member")
				return
			}
			if c == ',' {
				s.pos++
				break
			}
			if c == ']' {
				s.pos++
				s.depth--
				continue
			}
			s.unexpected("',' or ']' after an array element")
			return
		}
	}
}

// skipKey checks an object key and the ':' after it.
func (s *scanner) skipKey(first bool) bool {
	if s.peek() != '"' {
		if first {
			s.unexpected("a string key or '}'")
		} else {
			s.unexpected("a string key")
		}
		return false
	}
	if _, _, _, ok := s.scanString(); !ok {
		return false
	}
	if s.peek() != ':' {
		s.unexpected("':' after an object key")
		return false
	}
	s.pos++
	return true
}

func (s *scanner) setContainer(object bool) {
	w, bit := s.depth/64, uint64(1)<<(s.depth%64)
	p := &s.low
	if w > 0 {
		for len(s.high) < w {
			s.high = append(s.high, 0)
		}
		p = &s.high[w-1]
	}
	if object {
		*p |= bit
	} else {
		*p &^= bit
	}
}

func (s *scanner) isObject() bool {
	w, bit := s.depth/64, uint64(1)<<(s.depth%64)
	if w == 0 {
		return s.low&bit != 0
	}
	return s.high[w-1]&bit != 0
}

// end checks that only whitespace follows the value just read.
func (s *scanner) end() {
	if !s.atEnd() {
		s.fail(s.pos, "data after the JSON document")
	}
}

// checkValue checks that data is one JSON value, with nothing but
// whitespace around it.
func checkValue(data []byte) error {
	s := scanner{data: data}
	s.skipValue()
	s.end()
	if s.err != nil {
		return s.err
	}
	return nil
}
