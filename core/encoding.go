package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	digest "github.com/opencontainers/go-digest"
)

// Encoding is a JSON spelling of documents.
type Encoding int

const (
	// EncodingCompact is the default: image-spec field order, no
	// whitespace, no HTML escaping of <, > and &. The bytes equal
	// encoding/json's for the specs-go/v1 types with SetEscapeHTML(false).
	EncodingCompact Encoding = iota
	// EncodingConcil is byte-identical to concil's Python output
	// (json.dumps defaults): concil's key order (size before digest),
	// ", " and ": " separators, ASCII-only escapes, no mediaType on OCI
	// documents, annotations sorted by key. Fields concil does not know
	// (urls, data, platform, artifactType, subject) follow its own, in
	// image-spec order.
	EncodingConcil
	// EncodingCanonical is RFC 8785 (JSON Canonicalization Scheme).
	EncodingCanonical
)

// Encodings lists the encodings in order.
var Encodings = []Encoding{EncodingCompact, EncodingConcil, EncodingCanonical}

// String returns "compact", "concil" or "canonical".
func (e Encoding) String() string {
	switch e {
	case EncodingCompact:
		return "compact"
	case EncodingConcil:
		return "concil"
	case EncodingCanonical:
		return "canonical"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

// ParseEncoding is the inverse of [Encoding.String].
func ParseEncoding(s string) (Encoding, error) {
	for _, e := range Encodings {
		if strings.EqualFold(s, e.String()) {
			return e, nil
		}
	}
	return 0, fmt.Errorf("%w %q (want compact, concil or canonical)", ErrUnknownEncoding, s)
}

func (e Encoding) style() (style, error) {
	switch e {
	case EncodingCompact:
		return compactStyle, nil
	case EncodingConcil:
		return concilStyle, nil
	case EncodingCanonical:
		return canonicalStyle, nil
	}
	return style{}, fmt.Errorf("%w: %v", ErrUnknownEncoding, e)
}

// EncodeDescriptor writes one descriptor in encoding enc, its media
// type as it is (concil's descriptor_to_dict, serialised), with its kept
// unknown members. The result is not validated: [DecodeDescriptor] reads
// it back with every check.
func EncodeDescriptor(d Descriptor, enc Encoding) ([]byte, error) {
	st, err := enc.style()
	if err != nil {
		return nil, err
	}
	var errs []error
	tree := descriptorTree(d, enc, "", &errs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return st.marshal(tree)
}

// extraInto places extra in o (see [Extra]), adding a problem to errs.
func extraInto(o object, extra Extra, field string, errs *[]error) object {
	out, err := withExtra(o, extra, field)
	if err != nil {
		*errs = append(*errs, err)
		return o
	}
	return out
}

func descriptorTree(d Descriptor, enc Encoding, field string, errs *[]error) object {
	o := make(object, 0, 8)
	o.add("mediaType", d.MediaType)
	if enc == EncodingConcil {
		o.add("size", d.Size)
		o.add("digest", string(d.Digest))
		if len(d.Annotations) > 0 {
			o.add("annotations", stringMap(d.Annotations))
		}
		if len(d.URLs) > 0 {
			o.add("urls", stringList(d.URLs))
		}
	} else {
		o.add("digest", string(d.Digest))
		o.add("size", d.Size)
		if len(d.URLs) > 0 {
			o.add("urls", stringList(d.URLs))
		}
		if len(d.Annotations) > 0 {
			o.add("annotations", stringMap(d.Annotations))
		}
	}
	if len(d.Data) > 0 {
		o.add("data", base64String(d.Data))
	}
	if d.Platform != nil {
		o.add("platform", platformTree(*d.Platform, joinField(field, "platform"), errs))
	}
	if d.ArtifactType != "" {
		o.add("artifactType", d.ArtifactType)
	}
	return extraInto(o, d.Extra, field, errs)
}

func platformTree(p Platform, field string, errs *[]error) object {
	o := make(object, 0, 5)
	o.add("architecture", p.Architecture)
	o.add("os", p.OS)
	if p.OSVersion != "" {
		o.add("os.version", p.OSVersion)
	}
	if len(p.OSFeatures) > 0 {
		o.add("os.features", stringList(p.OSFeatures))
	}
	if p.Variant != "" {
		o.add("variant", p.Variant)
	}
	return extraInto(o, p.Extra, field, errs)
}

func descriptorList(ds []Descriptor, enc Encoding, field string, errs *[]error) []any {
	out := make([]any, len(ds))
	for i, d := range ds {
		f := ""
		if len(d.Extra) > 0 || d.Platform != nil && len(d.Platform.Extra) > 0 {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		out[i] = descriptorTree(d, enc, f, errs)
	}
	return out
}

// documentTree builds a manifest (list = "layers", with config) or an
// index (list = "manifests") in the member order of enc, with the
// document's kept unknown members.
func documentTree(mediaType string, writeMediaType bool, artifactType string, config *Descriptor, listKey string, list []Descriptor, subject *Descriptor, annotations map[string]string, extra Extra, enc Encoding) (object, error) {
	var errs []error
	o := make(object, 0, 7)
	o.add("schemaVersion", int64(2))
	if writeMediaType {
		o.add("mediaType", mediaType)
	}
	if enc != EncodingConcil && artifactType != "" {
		o.add("artifactType", artifactType)
	}
	if config != nil {
		o.add("config", descriptorTree(*config, enc, "config", &errs))
	}
	o.add(listKey, descriptorList(list, enc, listKey, &errs))
	if enc == EncodingConcil && artifactType != "" {
		o.add("artifactType", artifactType)
	}
	if subject != nil {
		o.add("subject", descriptorTree(*subject, enc, "subject", &errs))
	}
	if len(annotations) > 0 {
		o.add("annotations", stringMap(annotations))
	}
	o = extraInto(o, extra, "", &errs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return o, nil
}

// DigestOf returns the sha256 digest of an encoded document.
func DigestOf(data []byte) digest.Digest { return DescriptorFromBytes("", data).Digest }

// EncodeManifest writes m as a manifest of format f in encoding enc; it
// is f.EncodeManifest with a check for a nil format.
func EncodeManifest(ctx context.Context, f Format, m Manifest, enc Encoding) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: nil", ErrInvalidFormat)
	}
	return f.EncodeManifest(ctx, m, enc)
}
