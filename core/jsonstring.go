package core

// AppendJSONString appends s to dst as a JSON string, byte for byte as
// encoding/json writes it with SetEscapeHTML(false): '"' and '\\' and
// the control characters with a short escape (\b \f \n \r \t) get it,
// the other control characters are \u00XX, U+2028 and U+2029 are
// \u2028 and \u2029, each byte of invalid UTF-8 is \ufffd, and
// everything else (HTML characters, DEL, non-ASCII) is written as it
// is. It lets a program write JSON lines without reflection.
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s, escapeGo) }
