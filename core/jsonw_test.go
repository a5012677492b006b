package core

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestStringEscapes checks each style's string escaping: compact against
// encoding/json, concil against what Python's json.dumps writes, and
// canonical against RFC 8785.
func TestStringEscapes(t *testing.T) {
	inputs := []string{
		"plain", `quote " backslash \ slash /`, "<html> & 'x'",
		"\x00\x01\x07\b\t\n\v\f\r\x1f\x7f", "é ü € \u2028 \u2029 😀 𝄞",
		"bad \xff utf-8 \xc3", "",
	}
	for _, s := range inputs {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := appendGoString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendGoString(%q) = %s, want %s (encoding/json)", s, got, want)
		}
	}
	for _, tt := range []struct{ in, python, jcs string }{
		{"\x00\x7f\x1f", `"\u0000\u007f\u001f"`, "\"\\u0000\x7f\\u001f\""},
		{"é😀", `"\u00e9\ud83d\ude00"`, "\"é😀\""},
		{"\u2028", `"\u2028"`, "\"\u2028\""},
		{"a\xffb", `"a\ufffdb"`, "\"a\uFFFDb\""},
		{"\b\f\n\r\t\"\\/", `"\b\f\n\r\t\"\\/"`, `"\b\f\n\r\t\"\\/"`},
	} {
		if got := string(appendPythonString(nil, tt.in)); got != tt.python {
			t.Errorf("appendPythonString(%q) = %s, want %s", tt.in, got, tt.python)
		}
		if got := string(appendJCSString(nil, tt.in)); got != tt.jcs {
			t.Errorf("appendJCSString(%q) = %s, want %s", tt.in, got, tt.jcs)
		}
	}
}

// TestPlainWord checks the eight-bytes-at-once test of the string
// escaper against the byte table: every byte at every place among plain
// ones, and random words.
func TestPlainWord(t *testing.T) {
	bytesPlain := func(w [8]byte, e escaping) bool {
		for _, c := range w {
			if !plainBytes[e][c] {
				return false
			}
		}
		return true
	}
	check := func(w [8]byte) {
		for e := escaping(0); e <= escapeJCS; e++ {
			got, want := plainWord(load64(string(w[:]), 0), e), bytesPlain(w, e)
			if got != want {
				t.Fatalf("plainWord(%q, %d) = %v, the bytes say %v", w, e, got, want)
			}
		}
	}
	for pos := range 8 {
		for c := range 256 {
			w := [8]byte{'a', 'Z', '0', ' ', '~', '/', '{', '}'}
			w[pos] = byte(c)
			check(w)
		}
	}
	r := rand.New(rand.NewPCG(1, 8))
	for range 200000 {
		var w [8]byte
		for i := range w {
			w[i] = byte(r.IntN(256))
			if r.IntN(2) == 0 {
				w[i] = byte(0x20 + r.IntN(0x60))
			}
		}
		check(w)
	}
}
