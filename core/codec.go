package core

import (
	"encoding/base64"

	"errors"
	"fmt"

	"strings"

	digest "github.com/opencontainers/go-digest"
)

var errUnsupported = errors.ErrUnsupported

// DefaultMaxDocumentSize is the largest manifest or index the decoding
// functions accept unless told otherwise (4 MiB, the limit registries
// apply to manifests).
const DefaultMaxDocumentSize = 4 << 20

// Codec writes and reads the JSON documents of an image-spec shaped
// format: a manifest of config and layers, an index of manifests. The
// built-in formats and plugin SDK formats use it; it is safe for
// concurrent use.
type Codec struct {
	// ManifestMediaType and IndexMediaType are the format's document
	// types (IndexMediaType "" when the format has no index).
	ManifestMediaType string
	IndexMediaType    string
	// MediaTypeOptional accepts documents without a mediaType field (OCI);
	// otherwise the field is required (Docker).
	MediaTypeOptional bool
	// ArtifactFields allows artifactType, subject and document-level
	// annotations (image-spec 1.1); otherwise they are refused.
	ArtifactFields bool
	// Translate maps a kind to the format's media type when encoding
	// (usually a [Table]'s MediaType); nil writes media types as they are.
	Translate func(kind string) string
	// Registry validates digests and data fields; nil means [Default].
	Registry *Registry
}

func (c *Codec) registry() *Registry {
	if c.Registry != nil {
		return c.Registry
	}
	return Default
}

func (c *Codec) translate(s string) string {
	if c.Translate == nil {
		return s
	}
	return c.Translate(s)
}

// writeMediaType applies concil's rule: its encoding omits mediaType on
// OCI documents; the other encodings always write it (image-spec SHOULD).
func (c *Codec) writeMediaType(enc Encoding) bool {
	return enc != EncodingConcil || c.ManifestMediaType != MediaTypeOCIManifest
}

func (c *Codec) checkArtifactFields(what, artifactType string, subject *Descriptor, annotations map[string]string) error {
	if c.ArtifactFields {
		return nil
	}
	var errs []error
	if artifactType != "" {
		errs = append(errs, &FieldError{"artifactType", fmt.Errorf("%w: a %s has no artifactType", ErrNotConvertible, what)})
	}
	if subject != nil {
		errs = append(errs, &FieldError{"subject", fmt.Errorf("%w: a %s has no subject", ErrNotConvertible, what)})
	}
	if len(annotations) > 0 {
		errs = append(errs, &FieldError{"annotations", fmt.Errorf("%w: a %s has no document annotations", ErrNotConvertible, what)})
	}
	return errors.Join(errs...)
}

// EncodeManifest writes m in encoding enc. Kinds are translated; the
// result is validated before it is returned, so an invalid manifest is an
// error naming the field, never bytes.
func (c *Codec) EncodeManifest(m Manifest, enc Encoding) ([]byte, error) {
	st, err := enc.style()
	if err != nil {
		return nil, err
	}
	if err := c.checkArtifactFields(c.ManifestMediaType, m.ArtifactType, m.Subject, m.Annotations); err != nil {
		return nil, err
	}
	t := m.mapTypes(c.translate)
	if err := c.registry().ValidateManifest(t); err != nil {
		return nil, err
	}
	tree := documentTree(c.ManifestMediaType, c.writeMediaType(enc), t.ArtifactType, &t.Config, "layers", t.Layers, t.Subject, t.Annotations, enc)
	return st.marshal(tree)
}

// EncodeIndex writes ix in encoding enc, translating kinds.
func (c *Codec) EncodeIndex(ix Index, enc Encoding) ([]byte, error) {
	if c.IndexMediaType == "" {
		return nil, fmt.Errorf("core: %s has no index: %w", c.ManifestMediaType, errUnsupported)
	}
	st, err := enc.style()
	if err != nil {
		return nil, err
	}
	if err := c.checkArtifactFields(c.IndexMediaType, ix.ArtifactType, ix.Subject, ix.Annotations); err != nil {
		return nil, err
	}
	t := ix.mapTypes(c.translate)
	if err := c.registry().ValidateIndex(t); err != nil {
		return nil, err
	}
	write := enc != EncodingConcil || c.IndexMediaType != MediaTypeOCIIndex
	tree := documentTree(c.IndexMediaType, write, t.ArtifactType, nil, "manifests", t.Manifests, t.Subject, t.Annotations, enc)
	return st.marshal(tree)
}

// DecodeManifest parses a manifest of this codec's media type. The
// document is validated; every problem is reported, each as a
// *FieldError, joined under [ErrInvalidDocument].
func (c *Codec) DecodeManifest(data []byte) (Manifest, error) {
	w, err := parseDocument(data)
	if err != nil {
		return Manifest{}, err
	}
	return c.manifestFromWire(w)
}

func (c *Codec) manifestFromWire(w *wireDocument) (Manifest, error) {
	if err := c.checkShape(w, false); err != nil {
		return Manifest{}, err
	}
	m := Manifest{ArtifactType: w.ArtifactType, Annotations: w.Annotations}
	var errs []error
	if w.Config != nil {
		d, err := w.Config.descriptor()
		m.Config = d
		errs = appendNested(errs, "config", err)
	}
	for i, wd := range w.Layers {
		d, err := wd.descriptor()
		m.Layers = append(m.Layers, d)
		errs = appendNested(errs, fmt.Sprintf("layers[%d]", i), err)
	}
	if m.Layers == nil {
		m.Layers = []Descriptor{}
	}
	if w.Subject != nil {
		d, err := w.Subject.descriptor()
		m.Subject = &d
		errs = appendNested(errs, "subject", err)
	}
	errs = appendNested(errs, "", c.registry().ValidateManifest(m))
	if len(errs) > 0 {
		return Manifest{}, invalidDocument(c.ManifestMediaType, errs)
	}
	return m, nil
}

// DecodeIndex parses an index of this codec's index media type.
func (c *Codec) DecodeIndex(data []byte) (Index, error) {
	if c.IndexMediaType == "" {
		return Index{}, fmt.Errorf("core: %s has no index: %w", c.ManifestMediaType, errUnsupported)
	}
	w, err := parseDocument(data)
	if err != nil {
		return Index{}, err
	}
	return c.indexFromWire(w)
}

func (c *Codec) indexFromWire(w *wireDocument) (Index, error) {
	if err := c.checkShape(w, true); err != nil {
		return Index{}, err
	}
	ix := Index{ArtifactType: w.ArtifactType, Annotations: w.Annotations, Manifests: []Descriptor{}}
	var errs []error
	for i, wd := range w.Manifests {
		d, err := wd.descriptor()
		ix.Manifests = append(ix.Manifests, d)
		errs = appendNested(errs, fmt.Sprintf("manifests[%d]", i), err)
	}
	if w.Subject != nil {
		d, err := w.Subject.descriptor()
		ix.Subject = &d
		errs = appendNested(errs, "subject", err)
	}
	errs = appendNested(errs, "", c.registry().ValidateIndex(ix))
	if len(errs) > 0 {
		return Index{}, invalidDocument(c.IndexMediaType, errs)
	}
	return ix, nil
}

func invalidDocument(mediaType string, errs []error) error {
	return fmt.Errorf("%w (%s): %w", ErrInvalidDocument, mediaType, errors.Join(errs...))
}

// checkShape checks schemaVersion, mediaType and that the document is of
// the wanted shape without fields of the other.
func (c *Codec) checkShape(w *wireDocument, index bool) error {
	want, what := c.ManifestMediaType, "manifest"
	if index {
		want, what = c.IndexMediaType, "index"
	}
	if err := w.checkMixed(); err != nil {
		return err
	}
	if index && w.isManifest() {
		return fmt.Errorf("%w: it has config or layers", ErrNotIndex)
	}
	if !index && w.isIndex() {
		return fmt.Errorf("%w: it has manifests (an index or manifest list)", ErrNotManifest)
	}
	var errs []error
	switch {
	case w.SchemaVersion == nil:
		errs = append(errs, &FieldError{"schemaVersion", errors.New("missing (want 2)")})
	case *w.SchemaVersion != 2:
		errs = append(errs, &FieldError{"schemaVersion", fmt.Errorf("unsupported value %d (want 2)", *w.SchemaVersion)})
	}
	switch {
	case w.MediaType == nil && !c.MediaTypeOptional:
		errs = append(errs, &FieldError{"mediaType", fmt.Errorf("missing (a %s must say %q)", what, want)})
	case w.MediaType != nil && NormalizeMediaType(*w.MediaType) != want:
		errs = append(errs, &FieldError{"mediaType", fmt.Errorf("%q is not %q", *w.MediaType, want)})
	}
	if !index && w.Config == nil {
		errs = append(errs, &FieldError{"config", errors.New("missing")})
	}
	if !index && w.Layers == nil {
		errs = append(errs, &FieldError{"layers", errors.New("missing")})
	}
	if index && w.Manifests == nil {
		errs = append(errs, &FieldError{"manifests", errors.New("missing")})
	}
	var sub *Descriptor
	if w.Subject != nil {
		sub = &Descriptor{}
	}
	if err := c.checkArtifactFields(want, w.ArtifactType, sub, w.Annotations); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return invalidDocument(want, errs)
	}
	return nil
}

func (w *wireDocument) isManifest() bool { return w.Config != nil || w.Layers != nil }
func (w *wireDocument) isIndex() bool    { return w.Manifests != nil }

func (w *wireDocument) checkMixed() error {
	if w.isIndex() && w.isManifest() {
		var which []string
		if w.Config != nil {
			which = append(which, "config")
		}
		if w.Layers != nil {
			which = append(which, "layers")
		}
		return fmt.Errorf("%w: it has \"manifests\" (index) and %s (manifest)", ErrMixedDocument, strings.Join(which, " and "))
	}
	return nil
}

// descriptor converts a wire descriptor, reporting a missing size and
// undecodable data; the values are validated by ValidateDescriptor
// afterwards (which reports a missing media type or digest).
func (w *wireDescriptor) descriptor() (Descriptor, error) {
	var d Descriptor
	var errs []error
	if w.MediaType != nil {
		d.MediaType = *w.MediaType
	}
	if w.Digest != nil {
		d.Digest = digest.Digest(*w.Digest)
	}
	if w.Size == nil {
		errs = append(errs, &FieldError{"size", errors.New("missing")})
	} else {
		d.Size = *w.Size
	}
	d.URLs, d.Annotations, d.ArtifactType = w.URLs, w.Annotations, w.ArtifactType
	if w.Data != nil {
		b, err := base64.StdEncoding.DecodeString(*w.Data)
		if err != nil {
			errs = append(errs, &FieldError{"data", fmt.Errorf("not base64: %v", err)})
		}
		d.Data = b
	}
	if p := w.Platform; p != nil {
		d.Platform = &Platform{Architecture: p.Architecture, OS: p.OS, OSVersion: p.OSVersion, OSFeatures: p.OSFeatures, Variant: p.Variant}
	}
	return d, errors.Join(errs...)
}
