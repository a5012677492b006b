package core_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/concil-go/ocispec/core"
)

// stringPieces are what random strings are made of: every ASCII byte,
// the characters encoding/json treats apart, multi-byte and astral
// characters, and broken UTF-8 (a lone continuation byte, truncated
// sequences, a surrogate and an overlong encoding, 0xfe and 0xff).
var stringPieces = func() []string {
	p := []string{
		"\u2028", "\u2029", "\u2027", "\u202a", "é", "€", "\ufffd", "\ufeff", "😀", "𝄞", "\U0010ffff",
		"\x80", "\xc3", "\xe2\x80", "\xf0\x9f\x98", "\xed\xa0\x80", "\xc0\xaf", "\xfe", "\xff",
		"<script>", "&amp;", "plain-name_0.tar.gz", "dir/sub/file",
	}
	for c := range 0x80 {
		p = append(p, string(rune(c)))
	}
	return p
}()

// TestAppendJSONString compares AppendJSONString with encoding/json
// (marshalNoHTML) over
// chosen strings and 20,000 random ones made of stringPieces, appended
// after other bytes (which must stay as they were).
func TestAppendJSONString(t *testing.T) {
	inputs := []string{"", "plain", `"\`, "\x00\x1f\x7f", "a\u2028b\u2029c", "\xff\xfe", "😀\xf0\x9f", strings.Repeat("long plain run ", 40)}
	r := rand.New(rand.NewPCG(15, 2028))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(24) {
			if r.IntN(3) == 0 {
				b.WriteString("abcdefghijklmnop"[:r.IntN(17)]) // runs of plain bytes, for the eight-at-once path
			}
			b.WriteString(stringPieces[r.IntN(len(stringPieces))])
		}
		inputs = append(inputs, b.String())
	}
	for _, s := range inputs {
		want := append([]byte("prefix:"), marshalNoHTML(t, s)...)
		if got := core.AppendJSONString([]byte("prefix:"), s); !bytes.Equal(got, want) {
			t.Fatalf("core.AppendJSONString(%q) = %s, want %s (encoding/json)", s, got, want)
		}
	}
}

// FuzzAppendJSONString: AppendJSONString agrees with encoding/json on
// any string, and its output is valid UTF-8 JSON that decodes to s when
// s is valid UTF-8.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range stringPieces {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := core.AppendJSONString(nil, s)
		if want := marshalNoHTML(t, s); !bytes.Equal(got, want) {
			t.Fatalf("core.AppendJSONString(%q) = %s, want %s (encoding/json)", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil || !utf8.Valid(got) {
			t.Fatalf("core.AppendJSONString(%q) = %s, which does not decode: %v", s, got, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("core.AppendJSONString(%q) decodes to %q", s, back)
		}
	})
}
