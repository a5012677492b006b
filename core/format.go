package core

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Format is a manifest format: what it is ([Description]) and how its
// manifests are written and read. It is the whole contract a format
// implements; an index (manifest list) and detection by content are the
// optional [IndexFormat] and [Detector]. Most formats are not written by
// hand: [NewFormat] builds one from a description and a few hooks.
//
// Implementations must be safe for concurrent use. Describe must return
// the same value for the life of the format and must not block: a
// [Registry] calls it once, when the format is registered, and answers
// every lookup from that copy.
type Format interface {
	// Describe says what the format is: its name, document media types,
	// kind table and capabilities.
	Describe() Description
	// EncodeManifest writes m as this format's manifest. Each
	// descriptor's MediaType that is a kind of the format's table is
	// translated into the format's media type; any other value is
	// written as it is. The result is validated before it is returned.
	EncodeManifest(ctx context.Context, m Manifest, enc Encoding) ([]byte, error)
	// DecodeManifest parses and validates a manifest of this format.
	// Media types are returned as written. data is untrusted; it is not
	// retained.
	DecodeManifest(ctx context.Context, data []byte) (Manifest, error)
}

// IndexFormat is implemented by formats whose description has an
// IndexMediaType (the OCI image index, the Docker manifest list).
type IndexFormat interface {
	Format
	EncodeIndex(ctx context.Context, ix Index, enc Encoding) ([]byte, error)
	DecodeIndex(ctx context.Context, data []byte) (Index, error)
}

// Detector is implemented by formats whose description sets Detects:
// formats that recognise their documents by content beyond what
// ConfigMediaTypes says. A [Registry] asks it only about documents whose
// media type (written, or implied by a missing mediaType) is the
// format's manifest or index media type, and only when no format's
// ConfigMediaTypes claimed the document. Detect must not retain data; an
// error counts as "not mine".
type Detector interface {
	Detect(ctx context.Context, data []byte) (bool, error)
}

// Description is what a format says about itself. It is data, so that a
// host can cache it (a plugin's is fetched once, at load) and so that
// capabilities need no wrapper types. The slices and the table are
// shared: callers must not modify them.
type Description struct {
	// Name is the format's registry name, 1 to 64 characters of
	// [a-z0-9._-] starting with a letter or digit ("oci", "docker").
	Name string
	// Version is the format's own version, for listings; may be empty.
	Version string
	// ManifestMediaType is the media type of the format's manifests.
	ManifestMediaType string
	// IndexMediaType is the media type of the format's index, or "" when
	// it has none. A format with one implements [IndexFormat].
	IndexMediaType string
	// Table translates between kinds and the format's media types, and
	// says which kinds the format expresses faithfully.
	Table *Table
	// MediaTypeOptional: the format's documents may omit mediaType
	// (image-spec's manifests and indexes). A document without one is
	// read as a document of the first registered format that sets it,
	// and concil's encoding omits the field, as concil does for OCI.
	MediaTypeOptional bool
	// ArtifactFields: the format's documents may carry image-spec 1.1's
	// artifactType, subject and document-level annotations.
	ArtifactFields bool
	// ConfigMediaTypes, when not empty, narrow the format to the
	// manifests of its ManifestMediaType whose config has one of these
	// media types: a Helm chart is an OCI manifest with a Helm config.
	// Such formats are chosen over the format that owns the manifest
	// type, without calling the format.
	ConfigMediaTypes []string
	// Detects: the format implements [Detector].
	Detects bool
}

// String returns the format's name.
func (d Description) String() string { return d.Name }

// ValidateFormatName checks a format name: 1 to 64 characters of
// [a-z0-9._-], starting with a letter or digit.
func ValidateFormatName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: name %q must be 1 to 64 characters", ErrInvalidFormat, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')) {
			return fmt.Errorf("%w: name %q: character %q not allowed (want [a-z0-9._-])", ErrInvalidFormat, name, c)
		}
	}
	return nil
}

// ValidateFormat checks what a format says about itself: its name, that
// its document media types, config media types and every entry of its
// table are RFC 6838 media types, and that it implements the interfaces
// its description promises. It does not call the codec methods.
func ValidateFormat(f Format) error {
	if f == nil {
		return fmt.Errorf("%w: nil", ErrInvalidFormat)
	}
	if v := reflect.ValueOf(f); v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("%w: a nil %T", ErrInvalidFormat, f)
	}
	return ValidateDescription(f.Describe(), f)
}

// ValidateDescription is [ValidateFormat] for a description; f, when not
// nil, is checked for the interfaces the description promises.
func ValidateDescription(d Description, f Format) error {
	name := d.Name
	if err := ValidateFormatName(name); err != nil {
		return err
	}
	if err := ValidateMediaType(d.ManifestMediaType); err != nil {
		return fmt.Errorf("format %q: manifest media type: %w", name, err)
	}
	if d.IndexMediaType != "" {
		if err := ValidateMediaType(d.IndexMediaType); err != nil {
			return fmt.Errorf("format %q: index media type: %w", name, err)
		}
		if _, ok := f.(IndexFormat); f != nil && !ok {
			return fmt.Errorf("%w: format %q has an index media type but %T does not implement core.IndexFormat", ErrInvalidFormat, name, f)
		}
	}
	if _, ok := f.(Detector); f != nil && d.Detects && !ok {
		return fmt.Errorf("%w: format %q says it detects but %T does not implement core.Detector", ErrInvalidFormat, name, f)
	}
	for _, mt := range d.ConfigMediaTypes {
		if err := ValidateMediaType(mt); err != nil {
			return fmt.Errorf("format %q: config media type: %w", name, err)
		}
	}
	if d.Table == nil {
		return fmt.Errorf("%w: format %q has no table", ErrInvalidFormat, name)
	}
	table := d.Table.MediaTypes()
	for _, kind := range slices.Sorted(maps.Keys(table)) {
		if !IsKind(kind) {
			return fmt.Errorf("%w: format %q: kind %q must be non-empty and contain no '/'", ErrInvalidFormat, name, kind)
		}
		if err := ValidateMediaType(table[kind]); err != nil {
			return fmt.Errorf("format %q: kind %q: %w", name, kind, err)
		}
	}
	return nil
}

// IsKind reports whether s names a kind rather than a concrete media type
// (kinds have no '/').
func IsKind(s string) bool { return s != "" && !strings.Contains(s, "/") }

// EncodeIndex writes ix as an index of format f, which must have one.
func EncodeIndex(ctx context.Context, f Format, ix Index, enc Encoding) ([]byte, error) {
	inf, err := indexFormat(f)
	if err != nil {
		return nil, err
	}
	return inf.EncodeIndex(ctx, ix, enc)
}

// DecodeIndexAs decodes ix as an index of format f, which must have one.
func DecodeIndexAs(ctx context.Context, f Format, data []byte) (Index, error) {
	inf, err := indexFormat(f)
	if err != nil {
		return Index{}, err
	}
	return inf.DecodeIndex(ctx, data)
}

func indexFormat(f Format) (IndexFormat, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: nil", ErrInvalidFormat)
	}
	inf, ok := f.(IndexFormat)
	if !ok || f.Describe().IndexMediaType == "" {
		return nil, fmt.Errorf("core: format %q has no index: %w", f.Describe().Name, errors.ErrUnsupported)
	}
	return inf, nil
}
