package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The wire types hold what a document says before validation. They are
// filled in one pass over encoding/json's token stream rather than by its
// struct decoding, which matches keys case-insensitively ("SchemaVersion"
// would count as "schemaVersion") and keeps the last of two equal keys.
// The spec's keys are case-sensitive (a key in another case is an
// unknown key, ignored as the spec says), and a repeated key is refused:
// parsers disagree on which occurrence wins, and a document that reads
// one way here and another way in a registry must not be accepted.

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
}

type wirePlatform struct {
	Architecture, OS, OSVersion, Variant string
	OSFeatures                           []string
}

type wireDescriptor struct {
	MediaType    *string
	Digest       *string
	Size         *int64
	URLs         []string
	Annotations  map[string]string
	Data         *string
	Platform     *wirePlatform
	ArtifactType string
}

// parser reads one document from the token stream. Type errors are
// collected (with the field's path) and parsing goes on, so every
// problem is reported; a syntax error stops it.
type parser struct {
	dec  *json.Decoder
	errs []error
}

// errSyntax carries an error that stops parsing up to parseDocument.
type errSyntax struct{ err error }

func (p *parser) token() json.Token {
	tok, err := p.dec.Token()
	if err != nil {
		panic(errSyntax{err})
	}
	return tok
}

func (p *parser) fail(path, want string, tok json.Token) {
	err := fmt.Errorf("cannot be a JSON %s (want %s)", jsonKind(tok), want)
	if path == "" {
		p.errs = append(p.errs, err)
		return
	}
	p.errs = append(p.errs, &FieldError{Field: path, Err: err})
}

// skipRest consumes the rest of a value whose first token was tok.
func (p *parser) skipRest(tok json.Token) {
	d, ok := tok.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return
	}
	for depth := 1; depth > 0; {
		if d, ok := p.token().(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
}

func (p *parser) skip() { p.skipRest(p.token()) }

// object reads an object, calling member for each key; member must
// consume the value (p.skip for unwanted ones). It reports whether an
// object was there: null is an absent object, and any other value is
// recorded as a type error.
func (p *parser) object(path string, member func(key, path string)) bool {
	tok := p.token()
	if tok == nil {
		return false
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		p.fail(path, "an object", tok)
		p.skipRest(tok)
		return false
	}
	seen := map[string]bool{}
	for p.dec.More() {
		key, _ := p.token().(string)
		kp := joinPath(path, key)
		if seen[key] {
			p.errs = append(p.errs, &FieldError{Field: kp, Err: errors.New("key appears more than once")})
		}
		seen[key] = true
		member(key, kp)
	}
	p.token() // '}'
	return true
}

// array reads an array, calling elem for each element; like object it
// reports whether an array was there.
func (p *parser) array(path, want string, elem func(path string)) bool {
	tok := p.token()
	if tok == nil {
		return false
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		p.fail(path, want, tok)
		p.skipRest(tok)
		return false
	}
	for i := 0; p.dec.More(); i++ {
		elem(path + "[" + strconv.Itoa(i) + "]")
	}
	p.token() // ']'
	return true
}

// str reads a string; null gives ("", false).
func (p *parser) str(path string) (string, bool) {
	switch tok := p.token().(type) {
	case string:
		return tok, true
	case nil:
		return "", false
	default:
		p.fail(path, "a string", tok)
		p.skipRest(tok)
		return "", false
	}
}

// optionalType reads an optional media-type field (artifactType): absent
// and null are "", an empty string is an error, as image-spec's schema
// has it.
func (p *parser) optionalType(path string) string {
	s, ok := p.str(path)
	if ok && s == "" {
		p.errs = append(p.errs, &FieldError{Field: path, Err: errors.New("present but empty (omit it or give a media type)")})
	}
	return s
}

func (p *parser) strPtr(path string) *string {
	if s, ok := p.str(path); ok {
		return &s
	}
	return nil
}

func (p *parser) int64(path string) (int64, bool) {
	tok := p.token()
	switch n := tok.(type) {
	case json.Number:
		v, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			p.errs = append(p.errs, &FieldError{Field: path, Err: fmt.Errorf("%s is not an integer in the int64 range", n)})
			return 0, false
		}
		return v, true
	case nil:
		return 0, false
	default:
		p.fail(path, "an integer", tok)
		p.skipRest(tok)
		return 0, false
	}
}

func (p *parser) strings(path string) []string {
	out := []string{}
	if !p.array(path, "an array of strings", func(ep string) {
		if s, ok := p.str(ep); ok {
			out = append(out, s)
		}
	}) {
		return nil
	}
	return out
}

func (p *parser) stringMap(path string) map[string]string {
	m := map[string]string{}
	if !p.object(path, func(key, kp string) {
		if s, ok := p.str(kp); ok {
			m[key] = s
		}
	}) {
		return nil
	}
	return m
}

func (p *parser) platform(path string) *wirePlatform {
	var w wirePlatform
	if !p.object(path, func(key, kp string) {
		switch key {
		case "architecture":
			w.Architecture, _ = p.str(kp)
		case "os":
			w.OS, _ = p.str(kp)
		case "os.version":
			w.OSVersion, _ = p.str(kp)
		case "variant":
			w.Variant, _ = p.str(kp)
		case "os.features":
			w.OSFeatures = p.strings(kp)
		default:
			p.skip()
		}
	}) {
		return nil
	}
	return &w
}

func (p *parser) descriptor(path string) *wireDescriptor {
	var w wireDescriptor
	if !p.object(path, func(key, kp string) {
		switch key {
		case "mediaType":
			w.MediaType = p.strPtr(kp)
		case "digest":
			w.Digest = p.strPtr(kp)
		case "size":
			if v, ok := p.int64(kp); ok {
				w.Size = &v
			}
		case "urls":
			w.URLs = p.strings(kp)
		case "annotations":
			w.Annotations = p.stringMap(kp)
		case "data":
			w.Data = p.strPtr(kp)
		case "platform":
			w.Platform = p.platform(kp)
		case "artifactType":
			w.ArtifactType = p.optionalType(kp)
		default:
			p.skip()
		}
	}) {
		return nil
	}
	return &w
}

func (p *parser) descriptors(path string) []wireDescriptor {
	out := []wireDescriptor{}
	if !p.array(path, "an array of descriptors", func(ep string) {
		d := p.descriptor(ep)
		if d == nil {
			p.errs = append(p.errs, &FieldError{Field: ep, Err: errors.New("want a descriptor object")})
			d = &wireDescriptor{}
		}
		out = append(out, *d)
	}) {
		return nil
	}
	return out
}

func (p *parser) document() *wireDocument {
	var w wireDocument
	if !p.object("", func(key, kp string) {
		switch key {
		case "schemaVersion":
			if v, ok := p.int64(kp); ok {
				w.SchemaVersion = &v
			}
		case "mediaType":
			w.MediaType = p.strPtr(kp)
		case "artifactType":
			w.ArtifactType = p.optionalType(kp)
		case "config":
			w.Config = p.descriptor(kp)
		case "layers":
			w.Layers = p.descriptors(kp)
		case "manifests":
			w.Manifests = p.descriptors(kp)
		case "subject":
			w.Subject = p.descriptor(kp)
		case "annotations":
			w.Annotations = p.stringMap(kp)
		case "fsLayers":
			w.FSLayers = true
			p.skip()
		default:
			p.skip()
		}
	}) {
		return nil
	}
	return &w
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonKind names the JSON type of a token for error messages.
func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

// parseValue runs fill over the single JSON value in data. Syntax
// errors name the byte offset and stop parsing; type errors name the
// field, and all of them are reported.
func parseValue(data []byte, fill func(*parser)) (err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &parser{dec: dec}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(errSyntax)
			if !ok {
				panic(r)
			}
			err = jsonError(se.err)
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%w: empty document", ErrInvalidDocument)
	}
	fill(p)
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON document", ErrInvalidDocument)
	}
	if len(p.errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidDocument, errors.Join(p.errs...))
	}
	return nil
}

// parseDocument decodes a manifest or index into a wireDocument in one
// pass.
func parseDocument(data []byte) (*wireDocument, error) {
	var w *wireDocument
	if err := parseValue(data, func(p *parser) { w = p.document() }); err != nil {
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

func jsonError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: invalid JSON at byte %d: %v", ErrInvalidDocument, se.Offset, se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: truncated JSON", ErrInvalidDocument)
	}
	return fmt.Errorf("%w: %v", ErrInvalidDocument, err)
}
