package core

import (
	"encoding/base64"
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
	escape       func(dst []byte, s string) []byte
	maxInt       int64 // largest magnitude an integer may have; 0: no limit
}

var (
	compactStyle   = style{comma: ",", colon: ":", escape: appendGoString}
	concilStyle    = style{comma: ", ", colon: ": ", escape: appendPythonString}
	canonicalStyle = style{comma: ",", colon: ":", sortKeys: true, escape: appendJCSString, maxInt: 1<<53 - 1}
)

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

func base64String(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// compareUTF16 orders strings by their UTF-16 code units (RFC 8785 §3.2.3).
func compareUTF16(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	return slices.Compare(ua, ub)
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

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD
// in every style.
func appendString(dst []byte, s string, e escaping) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var ok bool
			if dst, ok = appendShortEscape(dst, c); !ok {
				if c < 0x20 || c == 0x7f && e == escapePython {
					dst = appendU4(dst, rune(c))
				} else {
					dst = append(dst, c)
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case e == escapePython && r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			dst = appendU4(appendU4(dst, r1), r2)
		case e == escapePython:
			dst = appendU4(dst, r) // U+FFFD for invalid bytes too
		case r == utf8.RuneError && n == 1 && e == escapeGo:
			dst = append(dst, `\ufffd`...) // as encoding/json writes it
		case r == utf8.RuneError && n == 1:
			dst = append(dst, "\uFFFD"...)
		case e == escapeGo && (r == '\u2028' || r == '\u2029'):
			dst = appendU4(dst, r)
		default:
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

func appendGoString(dst []byte, s string) []byte     { return appendString(dst, s, escapeGo) }
func appendPythonString(dst []byte, s string) []byte { return appendString(dst, s, escapePython) }
func appendJCSString(dst []byte, s string) []byte    { return appendString(dst, s, escapeJCS) }
