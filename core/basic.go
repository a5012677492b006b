package core

import "context"

// FormatSpec is what [NewFormat] builds a format from: a description and
// the hooks that make the format more than image-spec's document shape.
// A format whose documents are shaped like image-spec's (a manifest of
// config and layers, an index of manifests) needs nothing else: the
// built-in OCI and Docker formats and the Helm plugin's format are each
// one FormatSpec.
type FormatSpec struct {
	Description
	// CheckManifest, when set, applies the format's own rules to a
	// manifest after image-spec's: on decode to what was read, on encode
	// to the manifest with its kinds translated. Media types are
	// concrete. Report problems as *FieldError values, joined.
	CheckManifest func(Manifest) error
	// CheckIndex is CheckManifest for indexes.
	CheckIndex func(Index) error
	// Detect, when set, recognises the format's documents by content (it
	// sets Description.Detects); see [Detector] for when it is called.
	Detect func(ctx context.Context, data []byte) (bool, error)
	// Algorithms validates digests and data fields when the format is
	// called directly (a [Registry] decoding with the format uses its
	// own); nil means the image-spec's rules and the standard library's
	// sha256 and sha512.
	Algorithms *Algorithms
}

// BasicFormat is the [Format] NewFormat builds. It implements
// [IndexFormat] (its index methods fail with [errors.ErrUnsupported]
// when the description has no index media type) and [Detector]; it is
// immutable and safe for concurrent use.
type BasicFormat struct {
	spec FormatSpec
}

// NewFormat returns the format spec describes. The description is
// checked when the format is registered ([ValidateFormat]).
func NewFormat(spec FormatSpec) *BasicFormat {
	spec.Detects = spec.Detect != nil
	spec.ConfigMediaTypes = append([]string(nil), spec.ConfigMediaTypes...)
	if spec.Table == nil {
		spec.Table = NewTable(nil, nil)
	}
	return &BasicFormat{spec: spec}
}

// Describe returns the format's description.
func (f *BasicFormat) Describe() Description { return f.spec.Description }

// String returns the format's name.
func (f *BasicFormat) String() string { return f.spec.Name }

// Detect calls the spec's Detect hook; without one it claims nothing.
func (f *BasicFormat) Detect(ctx context.Context, data []byte) (bool, error) {
	if f.spec.Detect == nil {
		return false, nil
	}
	return f.spec.Detect(ctx, data)
}

var (
	_ IndexFormat = (*BasicFormat)(nil)
	_ Detector    = (*BasicFormat)(nil)
)
