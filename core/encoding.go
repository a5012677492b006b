package core

import (
	"context"
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
	var w docWriter
	if err := w.init(enc, sizeOf(&d)); err != nil {
		return nil, err
	}
	w.descriptor(&d, noField)
	return w.result()
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
