package core

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The three encodings write the same tree of ordered JSON values; they
// differ in member order, separators and string escaping.

type member struct {
	key string
	val any // string, int64, bool, null, rawNumber, []any, object
}

type object []member

func (o *object) add(key string, val any) { *o = append(*o, member{key, val}) }

// style is one JSON spelling.
type style struct {
	comma, colon string
	sortKeys     bool // RFC 8785: by UTF-16 code units
	esc          escaping
	maxInt       int64 // largest magnitude an integer may have; 0: no limit
}

var (
	compactStyle   = style{comma: ",", colon: ":", esc: escapeGo}
	concilStyle    = style{comma: ", ", colon: ": ", esc: escapePython}
	canonicalStyle = style{comma: ",", colon: ":", sortKeys: true, esc: escapeJCS, maxInt: 1<<53 - 1}
)

// escape writes s as a JSON string of the style.
func (st style) escape(dst []byte, s string) []byte { return appendString(dst, s, st.esc) }

func (st style) marshal(v any) ([]byte, error) { return st.append(make([]byte, 0, 512), v) }

func (st style) append(dst []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case string:
		dst = st.escape(dst, v)
	case int64:
		if st.maxInt != 0 && (v > st.maxInt || v < -st.maxInt) {
			return nil, fmt.Errorf("%w: %d", ErrOutOfRange, v)
		}
		dst = strconv.AppendInt(dst, v, 10)
	case bool:
		dst = strconv.AppendBool(dst, v)
	case null:
		dst = append(dst, "null"...)
	case rawNumber:
		if st.sortKeys {
			return appendCanonicalNumber(dst, string(v))
		}
		dst = append(dst, v...)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, st.comma...)
			}
			if dst, err = st.append(dst, e); err != nil {
				return nil, err
			}
		}
		dst = append(dst, ']')
	case object:
		if st.sortKeys {
			v = slices.Clone(v)
			slices.SortStableFunc(v, func(a, b member) int { return compareUTF16(a.key, b.key) })
		}
		dst = append(dst, '{')
		for i, m := range v {
			if i > 0 {
				dst = append(dst, st.comma...)
			}
			dst = st.escape(dst, m.key)
			dst = append(dst, st.colon...)
			if dst, err = st.append(dst, m.val); err != nil {
				return nil, err
			}
		}
		dst = append(dst, '}')
	default:
		panic(fmt.Sprintf("core: unexpected JSON value %T", v))
	}
	return dst, nil
}

// stringMap turns annotations into an object sorted by key (byte order).
func stringMap(m map[string]string) object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o := make(object, 0, len(keys))
	for _, k := range keys {
		o.add(k, m[k])
	}
	return o
}

func stringList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// compareUTF16 orders strings by their UTF-16 code units (RFC 8785
// §3.2.3), invalid UTF-8 read as U+FFFD.
func compareUTF16(a, b string) int {
	for len(a) > 0 && len(b) > 0 {
		ca, cb := a[0], b[0]
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if ca != cb {
				return cmp.Compare(ca, cb)
			}
			a, b = a[1:], b[1:]
			continue
		}
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			a1, a2 := utf16Units(ra)
			b1, b2 := utf16Units(rb)
			if a1 != b1 {
				return cmp.Compare(a1, b1)
			}
			return cmp.Compare(a2, b2)
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Units returns the code units of r (the second 0 in the BMP).
func utf16Units(r rune) (rune, rune) {
	if r < 0x10000 {
		return r, 0
	}
	return utf16.EncodeRune(r)
}

const hexDigits = "0123456789abcdef"

func appendU4(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// appendShortEscape writes the two-character escapes common to all three
// styles and reports whether c had one.
func appendShortEscape(dst []byte, c byte) ([]byte, bool) {
	switch c {
	case '"':
		return append(dst, '\\', '"'), true
	case '\\':
		return append(dst, '\\', '\\'), true
	case '\n':
		return append(dst, '\\', 'n'), true
	case '\r':
		return append(dst, '\\', 'r'), true
	case '\t':
		return append(dst, '\\', 't'), true
	case '\b':
		return append(dst, '\\', 'b'), true
	case '\f':
		return append(dst, '\\', 'f'), true
	}
	return dst, false
}

// escaping says how a style writes what its short escapes do not cover.
type escaping int

const (
	// escapeGo is encoding/json with SetEscapeHTML(false): other control
	// characters as \u00XX, U+2028 and U+2029 escaped.
	escapeGo escaping = iota
	// escapePython is json.dumps with ensure_ascii: everything outside
	// ' '..'~' as \uXXXX (lower-case hex, surrogate pairs beyond the BMP).
	escapePython
	// escapeJCS is RFC 8785 (ECMAScript JSON.stringify): only control
	// characters.
	escapeJCS
)

// plainBytes[e][c] is true for the ASCII bytes style e writes as they
// are; bytes from 0x80 are never in it (they are looked at as UTF-8).
var plainBytes = func() (t [3][256]bool) {
	for e := range t {
		for c := 0x20; c < utf8.RuneSelf; c++ {
			t[e][c] = c != '"' && c != '\\' && !(c == 0x7f && escaping(e) == escapePython)
		}
	}
	return t
}()

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD
// in every style. The runs of characters written as they are are copied
// at once.
func appendString(dst []byte, s string, e escaping) []byte {
	plain := &plainBytes[e]
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plainWord(load64(s, i), e) {
			i += 8
			continue
		}
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			var ok bool
			if dst, ok = appendShortEscape(dst, c); !ok {
				if c < 0x20 || c == 0x7f && e == escapePython {
					dst = appendU4(dst, rune(c))
				} else {
					dst = append(dst, c)
				}
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		bad := r == utf8.RuneError && n == 1
		if e != escapePython && !bad && !(e == escapeGo && (r == '\u2028' || r == '\u2029')) {
			i += n // part of the run
			continue
		}
		dst = append(dst, s[start:i]...)
		switch {
		case e == escapePython && r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			dst = appendU4(appendU4(dst, r1), r2)
		case e == escapePython:
			dst = appendU4(dst, r) // U+FFFD for invalid bytes too
		case bad && e == escapeGo:
			dst = append(dst, `\ufffd`...) // as encoding/json writes it
		case bad:
			dst = append(dst, "\uFFFD"...)
		default: // U+2028, U+2029 in escapeGo
			dst = appendU4(dst, r)
		}
		i += n
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

func load64(s string, i int) uint64 {
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// plainWord reports whether the 8 bytes of x are all in plainBytes[e]:
// none is below 0x20 or from 0x80, a quote or a backslash (or DEL in
// Python's style). A borrow can only spread above a byte that is not
// plain, so the answer is exact.
func plainWord(x uint64, e escaping) bool {
	zero := func(v uint64) uint64 { return (v - lsbs) &^ v }
	bad := x | (x-0x20*lsbs)&^x | zero(x^'"'*lsbs) | zero(x^'\\'*lsbs)
	if e == escapePython {
		bad |= zero(x ^ 0x7f*lsbs)
	}
	return bad&msbs == 0
}

func appendGoString(dst []byte, s string) []byte     { return appendString(dst, s, escapeGo) }
func appendPythonString(dst []byte, s string) []byte { return appendString(dst, s, escapePython) }
func appendJCSString(dst []byte, s string) []byte    { return appendString(dst, s, escapeJCS) }
