package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Every case of the scanner's tests is also checked against
// encoding/json's json.Valid, which agrees except where I-JSON (RFC 7493)
// is stricter: invalid UTF-8 and lone surrogates in strings.

func TestScanAcceptsValidJSON(t *testing.T) {
	for _, in := range []string{
		`0`, `-0`, `1`, `-12`, `0.5`, `-0.0e+00`, `1E9`, `1e-9`, `123456789012345678901234567890`,
		`true`, `false`, `null`, `""`, `"a"`, " \t\r\n{} \t\r\n", `[]`, `{}`,
		`[1,"a",true,false,null,{},[],{"a":[{"b":{}}]}]`,
		`{"a":1,"a":2}`, // repeated keys are valid JSON; the parser refuses them
		`"\" \\ \/ \b \f \n \r \t \u0000 \u00e9 \uFFFF \ud83d\ude00 \uDBFF\uDFFF"`,
		"\"é ☃ 😀 \uFFFD \u007f\"", // multi-byte UTF-8, a literal U+FFFD, DEL
		`{"":""}`,
		strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
		strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth),
	} {
		if err := checkValue([]byte(in)); err != nil {
			t.Errorf("checkValue(%.60q) = %v, want nil", in, err)
		}
		if !json.Valid([]byte(in)) {
			t.Errorf("json.Valid(%.60q) = false; the case is wrong", in)
		}
	}
}

func TestScanSyntaxErrors(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	tests := []struct {
		in        string
		offset    int
		truncated bool
		mention   string
		ijson     bool // valid JSON, refused by I-JSON only
	}{
		{``, 0, true, "value", false},
		{`   `, 3, true, "value", false},
		{`[1,]`, 3, false, "unexpected ']'", false},
		{`{"a":1,}`, 7, false, "unexpected '}', want a string key", false},
		{`{,}`, 1, false, "want a string key or '}'", false},
		{`{"a" 1}`, 5, false, "':'", false},
		{`{"a":1 "b":2}`, 7, false, "',' or '}'", false},
		{`[1 2]`, 3, false, "',' or ']'", false},
		{`{1:2}`, 1, false, "string key", false},
		{`01`, 0, false, "leading zero", false},
		{`[-01]`, 1, false, "leading zero", false},
		{`-`, 1, true, "number", false},
		{`-a`, 1, false, "want a digit", false},
		{`1.`, 2, true, "number", false},
		{`1.e5`, 2, false, "after the decimal point", false},
		{`1e`, 2, true, "number", false},
		{`1e+x`, 3, false, "in the exponent", false},
		{`+1`, 0, false, "unexpected '+'", false},
		{`.5`, 0, false, "unexpected '.'", false},
		{`tru`, 3, true, "true", false},
		{`trux`, 3, false, "literal true", false},
		{`nul`, 3, true, "null", false},
		{`fals e`, 4, false, "literal false", false},
		{`True`, 0, false, "unexpected 'T'", false},
		{`"abc`, 4, true, "string", false},
		{"\"a\tb\"", 2, false, "control character byte 0x09", false},
		{"\"a\nb\"", 2, false, "control character", false},
		{"\"\x00\"", 1, false, "control character byte 0x00", false},
		{`"\x"`, 1, false, `invalid escape \'x'`, false},
		{`"\U0041"`, 1, false, "invalid escape", false},
		{`"\u12G4"`, 5, false, "hex digit", false},
		{`"\u12`, 5, true, "string", false},
		{`"\`, 2, true, "string", false},
		{`"\ud800"`, 1, false, `lone surrogate \ud800`, true},
		{`"\uDFFF"`, 1, false, `lone surrogate \udfff`, true},
		{`"a\ud800\u0041"`, 2, false, "lone surrogate", true},
		{`"\ud800\ud800"`, 1, false, "lone surrogate", true},
		{`"\ud800x"`, 1, false, "lone surrogate", true},
		{`"\ud800\n"`, 1, false, "lone surrogate", true},
		{`"\ud800`, 7, true, "string", false},
		{`"\ud800\`, 8, true, "string", false},
		{`"\ud800\uDC0`, 12, true, "string", false},
		{`"\ud800\uDCxx"`, 11, false, "hex digit", false},
		{"\"ab\xffcd\"", 3, false, "invalid UTF-8", true},
		{"\"\xc3\"", 1, false, "invalid UTF-8", true},
		{"\"\xc0\xaf\"", 1, false, "invalid UTF-8", true},     // overlong '/'
		{"\"\xed\xa0\x80\"", 1, false, "invalid UTF-8", true}, // a surrogate in UTF-8
		{"\"\xf4\x90\x80\x80\"", 1, false, "invalid UTF-8", true},
		{"{\"k\xfe\":1}", 3, false, "invalid UTF-8", true},
		{"[\"ok\",{\"a\":[\"\x80\"]}]", 13, false, "invalid UTF-8", true},
		{"\xff", 0, false, "byte 0xff", false},
		{"\xef\xbb\xbf{}", 0, false, "byte 0xef", false}, // a byte order mark
		{"\x0b1", 0, false, "byte 0x0b", false},          // not JSON whitespace
		{`{} x`, 3, false, "data after", false},
		{"\"0\"\x00", 3, false, "data after", false},
		{"\x00", 0, false, "byte 0x00", false},
		{`{}}`, 2, false, "data after", false},
		{`1 2`, 2, false, "data after", false},
		{deep, maxDepth, false, "nesting deeper than 10000", false},
		{strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1), 5 * maxDepth, false, "nesting", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := checkValue([]byte(tt.in))
			var se *syntaxError
			if !errors.As(err, &se) {
				t.Fatalf("checkValue(%.60q) = %v, want a syntax error", tt.in, err)
			}
			if se.Offset != tt.offset || se.truncated != tt.truncated {
				t.Errorf("checkValue(%.60q) = offset %d truncated %v, want %d %v (%v)", tt.in, se.Offset, se.truncated, tt.offset, tt.truncated, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("checkValue(%.60q) = %q, want it to mention %q", tt.in, err, tt.mention)
			}
			if json.Valid([]byte(tt.in)) != tt.ijson {
				t.Errorf("json.Valid(%.60q) = %v, want %v; the case is wrong", tt.in, !tt.ijson, tt.ijson)
			}
		})
	}
}

func TestScanReadString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`""`, ""},
		{`"plain"`, "plain"},
		{`"a\"b"`, `a"b`},
		{`"\\\/\b\f\n\r\t"`, "\\/\b\f\n\r\t"},
		{`"\u0000"`, "\x00"},
		{`"\u00e9\u00C9"`, "éÉ"},
		{`"\u2603"`, "☃"},
		{`"\ud83d\ude00"`, "😀"},
		{`"\uD800\uDC00"`, "\U00010000"},
		{`"\uDBFF\uDFFF"`, "\U0010FFFF"},
		{`"\ufffd"`, "\uFFFD"},
		{"\"é😀\"", "é😀"},
		{`"x\u0041y\n"`, "xAy\n"},
	}
	for _, tt := range tests {
		var s scanner
		s.init([]byte(tt.in))
		got, ok := s.readString()
		if !ok || got != tt.want || s.pos != len(tt.in) {
			t.Errorf("readString(%s) = %q, %v at %d, want %q at %d (%v)", tt.in, got, ok, s.pos, tt.want, len(tt.in), s.err)
		}
		var ref string
		if err := json.Unmarshal([]byte(tt.in), &ref); err != nil || ref != tt.want {
			t.Errorf("json.Unmarshal(%s) = %q, %v; the case is wrong", tt.in, ref, err)
		}
	}
}

// TestScanDoesNotAllocate: checking a document, and reading a string
// without escapes, allocate nothing.
func TestScanDoesNotAllocate(t *testing.T) {
	doc := []byte(`{"schemaVersion":2,"layers":[` + strings.Repeat(`{"mediaType":"a/b","size":-1.5e3,"digest":"sha256:x","x":[true,false,null]},`, 50) + `{}],"é":"☃"}`)
	if n := testing.AllocsPerRun(100, func() {
		if err := checkValue(doc); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("checkValue allocates %v times, want 0", n)
	}
	var s scanner
	s.init([]byte(`"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"`))
	if n := testing.AllocsPerRun(100, func() {
		s.pos = 0
		if _, ok := s.readString(); !ok {
			t.Fatal(s.err)
		}
	}); n != 0 {
		t.Errorf("readString allocates %v times, want 0", n)
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"-0", 0, true},
		{"7", 7, true},
		{"-42", -42, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false},
		{"18446744073709551616", 0, false},
		{"99999999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseInt([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseInt(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestParserRelease: a parser goes back to the pool holding nothing of
// the document it read.
func TestParserRelease(t *testing.T) {
	doc := []byte(`{"schemaVersion":2,"x":1,"y":2,"layers":[{"mediaType":"a/b","u":1,"platform":{"os":"linux","q":1}},{"digest":"d"}],"manifests":[{}]}`)
	p := &parser{}
	p.init(doc)
	p.path = p.pathBuf[:0]
	if w := p.document(); w == nil || len(w.Layers) != 2 || p.err != nil {
		t.Fatalf("document() = %+v, %v", w, p.err)
	}
	if len(p.keys) != 0 || len(p.descs) != 0 {
		t.Errorf("after the document: %d keys, %d descriptors on the stacks, want 0", len(p.keys), len(p.descs))
	}
	descs, keys := p.descs[:cap(p.descs)], p.keys[:cap(p.keys)]
	if cap(descs) == 0 || cap(keys) == 0 {
		t.Fatalf("the document used no buffers (%d, %d); the test is wrong", cap(descs), cap(keys))
	}
	p.release()
	for i, k := range keys {
		if k != "" {
			t.Errorf("keys[%d] = %q after release, want \"\"", i, k)
		}
	}
	for i, d := range descs {
		if !reflect.DeepEqual(d, wireDescriptor{}) {
			t.Errorf("descs[%d] = %+v after release, want zero", i, d)
		}
	}
	if p.data != nil || p.src != "" || p.strs != nil || p.plats != nil || p.errs != nil {
		t.Errorf("parser after release still holds the document: %+v", p)
	}
}

// TestParseConcurrently: parsers from the pool are never shared (run
// with -race).
func TestParseConcurrently(t *testing.T) {
	doc := func(i int) []byte {
		return []byte(`{"schemaVersion":2,"layers":[` + strings.Repeat(`{"mediaType":"a/b","size":`+strconv.Itoa(i)+`},`, i%7) + `{"digest":"d` + strconv.Itoa(i) + `"}],"bad":[1,}`)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for n := range 200 {
				i := g*1000 + n
				data := doc(i)
				good := data[:bytes.LastIndex(data, []byte(`,"bad"`))]
				good = append(good[:len(good):len(good)], '}')
				w, err := parseDocument(good)
				if err != nil || len(w.Layers) != i%7+1 || *w.Layers[i%7].Digest != "d"+strconv.Itoa(i) {
					errs <- fmt.Errorf("parseDocument(%s) = %+v, %v", good, w, err)
					return
				}
				if _, err := parseDocument(data); err == nil || !strings.Contains(err.Error(), "at byte") {
					errs <- fmt.Errorf("parseDocument(%s) = %v, want a syntax error", data, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
