package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The scanner and the parser are fuzzed three ways: they never panic;
// they agree with encoding/json on what is valid JSON (except where I-JSON
// is stricter, and exactly there) and on the values decoded; and what
// they decode survives being encoded again and decoded.

func addScanSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "formats", "testdata", "golden", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"sha256:x","size":2,"data":"e30="},"layers":[{"mediaType":"a/b","digest":"d","size":9,"urls":["http://x",null],"annotations":{"k":"v","n":null},"artifactType":"c/d"}],"subject":null,"annotations":{"a":"\u00e9\ud83d\ude00"},"x":[1,-0.5e+3,true,false,null,{"a":{}}]}`,
		`{"schemaVersion":2,"manifests":[{"mediaType":"a/b","size":1,"digest":"s:x","platform":{"architecture":"amd64","os":"linux","os.version":"10","os.features":["f"],"variant":"v8"}}]}`,
		`{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `[1,]`, `01`, `"\u0000\/\b"`, `{"a":1,"a":2}`, ` `, `null`, `[[[]]]`,
		`{"SchemaVersion":2,"schemaVersion":9223372036854775807,"layers":[{"size":-9223372036854775808}]}`,
	} {
		f.Add([]byte(s))
	}
}

// scanAny decodes the value at pos into the types json.Unmarshal gives
// an interface{} with UseNumber, the last of repeated keys winning.
func scanAny(s *scanner) any {
	switch c := s.peek(); {
	case c == '{':
		if !s.open() {
			return nil
		}
		m := map[string]any{}
		for first := true; ; first = false {
			k, ok := s.nextMember(first)
			if !ok {
				break
			}
			m[k] = scanAny(s)
		}
		return m
	case c == '[':
		if !s.open() {
			return nil
		}
		a := []any{}
		for first := true; s.nextElement(first); first = false {
			a = append(a, scanAny(s))
		}
		return a
	case c == '"':
		str, _ := s.readString()
		return str
	case c == '-' || isDigit(c):
		start, end, _, _ := s.scanNumber()
		return json.Number(s.src[start:end])
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
		return nil
	}
	s.unexpected("a value")
	return nil
}

func decodeAny(data []byte) (any, error) {
	var s scanner
	s.init(data)
	v := scanAny(&s)
	s.end()
	if s.err != nil {
		return nil, s.err
	}
	return v, nil
}

func referenceDecode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// checkIJSON checks that err, given for a document json.Valid accepts,
// is one of I-JSON's refusals and names a byte where I-JSON has one.
func checkIJSON(t *testing.T, data []byte, err error) {
	t.Helper()
	var se *syntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a syntax error", err)
	}
	at := data[se.Offset:]
	switch {
	case strings.Contains(se.msg, "invalid UTF-8"):
		if r, n := utf8.DecodeRune(at); r != utf8.RuneError || n != 1 {
			t.Fatalf("invalid UTF-8 reported at byte %d, where %q is valid (%q)", se.Offset, r, data)
		}
	case strings.Contains(se.msg, "lone surrogate"):
		if len(at) < 6 || at[0] != '\\' || at[1] != 'u' {
			t.Fatalf("lone surrogate reported at byte %d, where there is no \\u escape (%q)", se.Offset, data)
		}
		r, err := strconv.ParseUint(string(at[2:6]), 16, 16)
		if err != nil || r < 0xd800 || r >= 0xe000 {
			t.Fatalf("lone surrogate reported at byte %d, where %q is no surrogate (%q)", se.Offset, at[:6], data)
		}
		if r < 0xdc00 && len(at) >= 12 && at[6] == '\\' && at[7] == 'u' {
			if r2, err := strconv.ParseUint(string(at[8:12]), 16, 16); err == nil && r2 >= 0xdc00 && r2 < 0xe000 {
				t.Fatalf("lone surrogate reported at byte %d, where %q is a pair (%q)", se.Offset, at[:12], data)
			}
		}
	default:
		t.Fatalf("json.Valid accepts %q, which we refuse: %v", data, err)
	}
}

func FuzzScan(f *testing.F) {
	addScanSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkValue(data)
		// The token API and skipValue are two ways of reading: they must
		// give the same verdict at the same byte.
		v, err2 := decodeAny(data)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("checkValue = %v, decodeAny = %v (%q)", err, err2, data)
		}
		valid := json.Valid(data)
		switch {
		case err == nil && !valid:
			t.Fatalf("we accept %q, which json.Valid refuses", data)
		case err != nil && valid:
			checkIJSON(t, data, err)
			return
		case err != nil:
			return
		}
		ref, rerr := referenceDecode(data)
		if rerr != nil {
			t.Fatalf("encoding/json refuses %q: %v", data, rerr)
		}
		if !reflect.DeepEqual(v, ref) {
			t.Fatalf("decoded %q as %#v; encoding/json gives %#v", data, v, ref)
		}
		// Round trip through encoding/json's encoder.
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%#v) = %v", v, err)
		}
		v2, err := decodeAny(b)
		if err != nil || !reflect.DeepEqual(v2, v) {
			t.Fatalf("round trip of %q through %q: %#v, %v", data, b, v2, err)
		}
	})
}

// expectWire builds the wireDocument the parser should give for v, a
// document decoded by encoding/json that the parser accepted.
func expectWire(t *testing.T, v any) *wireDocument {
	obj := v.(map[string]any)
	w := &wireDocument{}
	if n, ok := obj["schemaVersion"].(json.Number); ok {
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			t.Fatalf("schemaVersion %s accepted: %v", n, err)
		}
		w.SchemaVersion = &i
	}
	w.MediaType = expectStrPtr(obj["mediaType"])
	w.ArtifactType, _ = obj["artifactType"].(string)
	w.Config = expectDescPtr(t, obj["config"])
	w.Layers = expectDescs(t, obj["layers"])
	w.Manifests = expectDescs(t, obj["manifests"])
	w.Subject = expectDescPtr(t, obj["subject"])
	w.Annotations = expectMap(obj["annotations"])
	return w
}

func expectStrPtr(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

func expectStrings(v any) []string {
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := []string{}
	for _, e := range a {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func expectMap(v any) map[string]string {
	o, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	m := map[string]string{}
	for k, e := range o {
		if s, ok := e.(string); ok {
			m[k] = s
		}
	}
	return m
}

func expectDescs(t *testing.T, v any) []wireDescriptor {
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := []wireDescriptor{}
	for _, e := range a {
		out = append(out, *expectDescPtr(t, e))
	}
	return out
}

func expectDescPtr(t *testing.T, v any) *wireDescriptor {
	o, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	d := &wireDescriptor{
		MediaType:   expectStrPtr(o["mediaType"]),
		Digest:      expectStrPtr(o["digest"]),
		URLs:        expectStrings(o["urls"]),
		Annotations: expectMap(o["annotations"]),
		Data:        expectStrPtr(o["data"]),
	}
	d.ArtifactType, _ = o["artifactType"].(string)
	if n, ok := o["size"].(json.Number); ok {
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			t.Fatalf("size %s accepted: %v", n, err)
		}
		d.Size = &i
	}
	if p, ok := o["platform"].(map[string]any); ok {
		d.Platform = &wirePlatform{OSFeatures: expectStrings(p["os.features"])}
		d.Platform.Architecture, _ = p["architecture"].(string)
		d.Platform.OS, _ = p["os"].(string)
		d.Platform.OSVersion, _ = p["os.version"].(string)
		d.Platform.Variant, _ = p["variant"].(string)
	}
	return d
}

// wireTree writes a wireDocument back as a tree of core's encoder.
func wireTree(w *wireDocument) object {
	var o object
	if w.SchemaVersion != nil {
		o.add("schemaVersion", *w.SchemaVersion)
	}
	if w.MediaType != nil {
		o.add("mediaType", *w.MediaType)
	}
	if w.ArtifactType != "" {
		o.add("artifactType", w.ArtifactType)
	}
	if w.Config != nil {
		o.add("config", wireDescTree(w.Config))
	}
	for _, f := range []struct {
		key string
		ds  []wireDescriptor
	}{{"layers", w.Layers}, {"manifests", w.Manifests}} {
		if f.ds != nil {
			a := []any{}
			for i := range f.ds {
				a = append(a, wireDescTree(&f.ds[i]))
			}
			o.add(f.key, a)
		}
	}
	if w.Subject != nil {
		o.add("subject", wireDescTree(w.Subject))
	}
	if w.Annotations != nil {
		o.add("annotations", stringMap(w.Annotations))
	}
	return o
}

func wireDescTree(d *wireDescriptor) object {
	var o object
	for _, f := range []struct {
		key string
		s   *string
	}{{"mediaType", d.MediaType}, {"digest", d.Digest}, {"data", d.Data}} {
		if f.s != nil {
			o.add(f.key, *f.s)
		}
	}
	if d.Size != nil {
		o.add("size", *d.Size)
	}
	if d.URLs != nil {
		o.add("urls", stringList(d.URLs))
	}
	if d.Annotations != nil {
		o.add("annotations", stringMap(d.Annotations))
	}
	if p := d.Platform; p != nil {
		var po object
		for _, f := range []struct{ key, s string }{{"architecture", p.Architecture}, {"os", p.OS}, {"os.version", p.OSVersion}, {"variant", p.Variant}} {
			if f.s != "" {
				po.add(f.key, f.s)
			}
		}
		if p.OSFeatures != nil {
			po.add("os.features", stringList(p.OSFeatures))
		}
		o.add("platform", po)
	}
	if d.ArtifactType != "" {
		o.add("artifactType", d.ArtifactType)
	}
	return o
}

// modelOnly returns a copy of w without what encoding/json does not
// read: where the members lie, and the unknown members kept.
func modelOnly(w *wireDocument) *wireDocument {
	c := *w
	c.data, c.members, c.membersBuf = nil, nil, [8]docMember{}
	strip := func(d *wireDescriptor) *wireDescriptor {
		if d == nil {
			return nil
		}
		x := *d
		x.Extra = nil
		if x.Platform != nil {
			p := *x.Platform
			p.Extra = nil
			x.Platform = &p
		}
		return &x
	}
	c.Config, c.Subject = strip(c.Config), strip(c.Subject)
	for _, list := range []*[]wireDescriptor{&c.Layers, &c.Manifests} {
		if *list == nil {
			continue
		}
		out := make([]wireDescriptor, len(*list))
		for i := range *list {
			out[i] = *strip(&(*list)[i])
		}
		*list = out
	}
	return &c
}

func FuzzParseDocument(f *testing.F) {
	addScanSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := parseDocument(data)
		serr := checkValue(data)
		var se *syntaxError
		isSyntax := errors.As(err, &se)
		empty := len(bytes.Trim(data, " \t\r\n")) == 0
		switch {
		case empty:
			if err == nil || !strings.Contains(err.Error(), "empty document") {
				t.Fatalf("parseDocument(%q) = %v, want an empty document error", data, err)
			}
			return
		case (serr != nil) != isSyntax:
			t.Fatalf("parseDocument(%q) = %v; checkValue = %v", data, err, serr)
		case isSyntax && se.Error() != serr.Error():
			t.Fatalf("parseDocument(%q) = %v; checkValue = %v", data, se, serr)
		case isSyntax:
			return
		}
		if !json.Valid(data) {
			t.Fatalf("parseDocument(%q) = %v, no syntax error; json.Valid refuses it", data, err)
		}
		if err != nil {
			return
		}
		ref, rerr := referenceDecode(data)
		if rerr != nil {
			t.Fatalf("encoding/json refuses %q: %v", data, rerr)
		}
		w = modelOnly(w)
		if want := expectWire(t, ref); !reflect.DeepEqual(w, want) {
			t.Fatalf("parseDocument(%q) =\n%#v\nencoding/json reads\n%#v", data, w, want)
		}
		for _, st := range []style{compactStyle, concilStyle, canonicalStyle} {
			b, err := st.marshal(wireTree(w))
			if err != nil {
				if st.maxInt != 0 && strings.Contains(err.Error(), "RFC 8785") {
					continue
				}
				t.Fatalf("marshal(%#v) = %v", w, err)
			}
			w2, err := parseDocument(b)
			if err == nil {
				w2 = modelOnly(w2)
			}
			if err != nil || !reflect.DeepEqual(w2, w) {
				t.Fatalf("round trip of %q through %q:\n%#v, %v\nwant %#v", data, b, w2, err, w)
			}
		}
	})
}
