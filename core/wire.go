package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The wire types hold what a document says before validation. They are
// filled by hand rather than by encoding/json's struct decoding, which
// matches keys case-insensitively ("SchemaVersion" would count as
// "schemaVersion"); the spec's keys are case-sensitive, and a key in the
// wrong case is an unknown key, ignored as the spec says.

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

// jsonObject is a decoded JSON jsonObject whose members are taken by exact key.
type jsonObject map[string]json.RawMessage

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// decodeObject splits a JSON object into its members. A key that occurs
// twice is an error: parsers disagree on which occurrence wins (Go's
// keeps the last, others the first), and a document that reads one way
// here and another way elsewhere must not be accepted.
func decodeObject(raw json.RawMessage, path string) (jsonObject, error) {
	if isNull(raw) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, typeError(path, err, "an object")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, typeError(path, &json.UnmarshalTypeError{Value: jsonKind(tok)}, "an object")
	}
	o := jsonObject{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, typeError(path, err, "an object")
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, typeError(joinPath(path, key), err, "a JSON value")
		}
		if _, dup := o[key]; dup {
			return nil, &FieldError{Field: joinPath(path, key), Err: errors.New("key appears more than once")}
		}
		o[key] = v
	}
	return o, nil
}

// jsonKind names the JSON type of a token for error messages.
func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "array"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

// take decodes member key of o into v (nil members leave v unchanged)
// and reports whether the member was present and not null.
func (o jsonObject) take(key, path string, v any, want string) (bool, error) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, typeError(joinPath(path, key), err, want)
	}
	return true, nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func typeError(path string, err error, want string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		err = fmt.Errorf("cannot be a JSON %s (want %s)", te.Value, want)
	} else {
		err = fmt.Errorf("want %s: %v", want, err)
	}
	if path == "" {
		return err
	}
	return &FieldError{Field: path, Err: err}
}

func (o jsonObject) str(key, path string, dst *string, errs *[]error) {
	if _, err := o.take(key, path, dst, "a string"); err != nil {
		*errs = append(*errs, err)
	}
}

func (o jsonObject) strPtr(key, path string, errs *[]error) *string {
	var s string
	ok, err := o.take(key, path, &s, "a string")
	if err != nil {
		*errs = append(*errs, err)
	}
	if !ok || err != nil {
		return nil
	}
	return &s
}

func (o jsonObject) strings(key, path string, errs *[]error) []string {
	var ss []string
	if _, err := o.take(key, path, &ss, "an array of strings"); err != nil {
		*errs = append(*errs, err)
	}
	return ss
}

func (o jsonObject) stringMap(key, path string, errs *[]error) map[string]string {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return nil
	}
	p := joinPath(path, key)
	members, err := decodeObject(raw, p)
	if err != nil {
		*errs = append(*errs, err)
		return nil
	}
	m := make(map[string]string, len(members))
	for k := range members {
		var v string
		if _, err := members.take(k, p, &v, "a string"); err != nil {
			*errs = append(*errs, err)
			continue
		}
		m[k] = v
	}
	return m
}

func parseDescriptor(raw json.RawMessage, path string) (*wireDescriptor, error) {
	o, err := decodeObject(raw, path)
	if err != nil || o == nil {
		return nil, err
	}
	var errs []error
	w := &wireDescriptor{
		MediaType:   o.strPtr("mediaType", path, &errs),
		Digest:      o.strPtr("digest", path, &errs),
		URLs:        o.strings("urls", path, &errs),
		Annotations: o.stringMap("annotations", path, &errs),
		Data:        o.strPtr("data", path, &errs),
	}
	o.str("artifactType", path, &w.ArtifactType, &errs)
	var size int64
	if ok, err := o.take("size", path, &size, "an integer"); err != nil {
		errs = append(errs, err)
	} else if ok {
		w.Size = &size
	}
	if raw, ok := o["platform"]; ok {
		po, err := decodeObject(raw, joinPath(path, "platform"))
		if err != nil {
			errs = append(errs, err)
		} else if po != nil {
			pp := joinPath(path, "platform")
			p := &wirePlatform{OSFeatures: po.strings("os.features", pp, &errs)}
			po.str("architecture", pp, &p.Architecture, &errs)
			po.str("os", pp, &p.OS, &errs)
			po.str("os.version", pp, &p.OSVersion, &errs)
			po.str("variant", pp, &p.Variant, &errs)
			w.Platform = p
		}
	}
	return w, errors.Join(errs...)
}

func parseDescriptors(o jsonObject, key string, errs *[]error) []wireDescriptor {
	var raws []json.RawMessage
	if _, err := o.take(key, "", &raws, "an array of descriptors"); err != nil {
		*errs = append(*errs, err)
		return nil
	}
	if raws == nil {
		return nil
	}
	out := make([]wireDescriptor, 0, len(raws))
	for i, raw := range raws {
		path := fmt.Sprintf("%s[%d]", key, i)
		d, err := parseDescriptor(raw, path)
		if err != nil {
			*errs = append(*errs, err)
		}
		if d == nil {
			*errs = append(*errs, &FieldError{Field: path, Err: errors.New("want a descriptor, got null")})
			d = &wireDescriptor{}
		}
		out = append(out, *d)
	}
	return out
}

// parseDocument decodes a manifest or index into a wireDocument. Syntax
// errors name the byte offset, type errors the field.
func parseDocument(data []byte) (*wireDocument, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON document", ErrInvalidDocument)
	}
	o, err := decodeObject(raw, "")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	if o == nil {
		return nil, fmt.Errorf("%w: want a JSON object, got null", ErrInvalidDocument)
	}
	if _, ok := o["fsLayers"]; ok {
		return nil, fmt.Errorf("%w: a Docker schema 1 manifest (fsLayers); only schema 2 is supported", ErrUnknownDocument)
	}
	var errs []error
	w := &wireDocument{
		MediaType:   o.strPtr("mediaType", "", &errs),
		Annotations: o.stringMap("annotations", "", &errs),
		Layers:      parseDescriptors(o, "layers", &errs),
		Manifests:   parseDescriptors(o, "manifests", &errs),
	}
	o.str("artifactType", "", &w.ArtifactType, &errs)
	var sv int64
	if ok, err := o.take("schemaVersion", "", &sv, "an integer"); err != nil {
		errs = append(errs, err)
	} else if ok {
		w.SchemaVersion = &sv
	}
	for _, m := range []struct {
		key string
		dst **wireDescriptor
	}{{"config", &w.Config}, {"subject", &w.Subject}} {
		if raw, ok := o[m.key]; ok {
			d, err := parseDescriptor(raw, m.key)
			if err != nil {
				errs = append(errs, err)
			}
			*m.dst = d
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, errors.Join(errs...))
	}
	return w, nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: invalid JSON at byte %d: %v", ErrInvalidDocument, se.Offset, se)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: empty document", ErrInvalidDocument)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: truncated JSON", ErrInvalidDocument)
	}
	return fmt.Errorf("%w: %v", ErrInvalidDocument, err)
}
