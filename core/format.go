package core

// Format is a manifest format: its vocabulary of media types and how its
// documents are written and read. Implementations must be safe for
// concurrent use.
//
// The lookup methods (Name to Supports) are static: they must answer
// the same for the life of the value and must not block. Formats loaded
// from plugins answer them from a cache filled at load time.
type Format interface {
	// Name is the format's registry name, such as "oci" or "docker".
	Name() string
	// ManifestMediaType is the media type of the format's manifests.
	ManifestMediaType() string
	// IndexMediaType is the media type of the format's index (manifest
	// list), or "" when it has none.
	IndexMediaType() string
	// MediaType translates a kind to this format's media type; any
	// string that is not one of its kinds passes through unchanged.
	MediaType(kind string) string
	// Kind translates a concrete media type to its kind, looking in this
	// format's table and then in those of every format registered in
	// [Default]; an unknown type passes through unchanged.
	Kind(mediaType string) string
	// MediaTypes returns the format's kind → media type table (a copy).
	MediaTypes() map[string]string
	// Supports reports whether kind can be expressed faithfully in this
	// format; a permissive conversion may still use the table's name.
	Supports(kind string) bool
	// EncodeManifest writes m as this format's manifest. Each
	// descriptor's MediaType that is a kind is translated into this
	// format's media type; any other value is written as it is.
	EncodeManifest(m Manifest, enc Encoding) ([]byte, error)
	// DecodeManifest parses a manifest of this format. Media types are
	// returned as written. data is untrusted; it is not retained.
	DecodeManifest(data []byte) (Manifest, error)
}

// IndexFormat is implemented by formats that have an index (the OCI
// image index, the Docker manifest list).
type IndexFormat interface {
	Format
	EncodeIndex(ix Index, enc Encoding) ([]byte, error)
	DecodeIndex(data []byte) (Index, error)
}

// Detector is implemented by formats that recognise their documents by
// content rather than by media type (a Helm chart is an OCI manifest
// whose config has a Helm media type, say). Detect must not retain data.
// Formats with a Detector are asked before media types are looked up.
type Detector interface {
	Detect(data []byte) bool
}
