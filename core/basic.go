package core

// BasicFormat is a [Format] assembled from a name, a [Table] and a
// [Codec]. The built-in formats are BasicFormats, and so can be any
// format whose documents are shaped like image-spec's (a plugin's, say).
// It implements [IndexFormat] and [ArtifactFielder]; it is immutable and
// safe for concurrent use.
type BasicFormat struct {
	name  string
	table *Table
	codec Codec
}

// NewFormat returns a BasicFormat. The codec's Translate is set to the
// table's MediaType when nil.
func NewFormat(name string, table *Table, codec Codec) *BasicFormat {
	if codec.Translate == nil {
		codec.Translate = table.MediaType
	}
	return &BasicFormat{name: name, table: table, codec: codec}
}

func (f *BasicFormat) Name() string                  { return f.name }
func (f *BasicFormat) ManifestMediaType() string     { return f.codec.ManifestMediaType }
func (f *BasicFormat) IndexMediaType() string        { return f.codec.IndexMediaType }
func (f *BasicFormat) MediaType(kind string) string  { return f.table.MediaType(kind) }
func (f *BasicFormat) Kind(mediaType string) string  { return f.table.Kind(mediaType) }
func (f *BasicFormat) MediaTypes() map[string]string { return f.table.MediaTypes() }
func (f *BasicFormat) Supports(kind string) bool     { return f.table.Supports(kind) }
func (f *BasicFormat) ArtifactFields() bool          { return f.codec.ArtifactFields }
func (f *BasicFormat) Table() *Table                 { return f.table }
func (f *BasicFormat) String() string                { return f.name }

// LookupMediaType returns the format's media type for kind and whether it
// has one.
func (f *BasicFormat) LookupMediaType(kind string) (string, bool) {
	return f.table.LookupMediaType(kind)
}

func (f *BasicFormat) EncodeManifest(m Manifest, enc Encoding) ([]byte, error) {
	return f.codec.EncodeManifest(m, enc)
}

func (f *BasicFormat) DecodeManifest(data []byte) (Manifest, error) {
	return f.codec.DecodeManifest(data)
}

func (f *BasicFormat) EncodeIndex(ix Index, enc Encoding) ([]byte, error) {
	return f.codec.EncodeIndex(ix, enc)
}

func (f *BasicFormat) DecodeIndex(data []byte) (Index, error) {
	return f.codec.DecodeIndex(data)
}

var (
	_ IndexFormat     = (*BasicFormat)(nil)
	_ ArtifactFielder = (*BasicFormat)(nil)
)
