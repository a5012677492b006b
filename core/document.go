package core

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeOption changes how documents are decoded.
type DecodeOption func(*decodeOptions)

type decodeOptions struct {
	maxSize int64
}

// WithMaxSize sets the largest document accepted (default
// [DefaultMaxDocumentSize]); n <= 0 keeps the default.
func WithMaxSize(n int64) DecodeOption {
	return func(o *decodeOptions) {
		if n > 0 {
			o.maxSize = n
		}
	}
}

func decodeOpts(opts []DecodeOption) decodeOptions {
	o := decodeOptions{maxSize: DefaultMaxDocumentSize}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// checkSize refuses a document over the limit before it is parsed.
func (o decodeOptions) checkSize(data []byte) error {
	if int64(len(data)) > o.maxSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrDocumentTooLarge, len(data), o.maxSize)
	}
	return nil
}

// ReadDocument reads a document from r, refusing one longer than max
// bytes (<= 0: [DefaultMaxDocumentSize]) without reading more than
// max+1 bytes or allocating more than that.
func ReadDocument(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxDocumentSize
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrDocumentTooLarge, max)
	}
	return data, nil
}

// Detection is what [Registry.Detect] found out about a document.
type Detection struct {
	Format Format
	// Index is true for an index or manifest list, false for a manifest.
	Index bool
	// MediaType is the document's media type: the mediaType field, or the
	// OCI type its shape implies when the field is absent.
	MediaType string
}

// Detect says which registered format a document belongs to and whether
// it is a manifest or an index. Formats that implement [Detector] are
// asked first, in registration order; then the mediaType field is looked
// up; a document without one is an OCI manifest or index by its shape.
// A document that mixes manifest and index fields is an error wrapping
// [ErrMixedDocument].
func (r *Registry) Detect(data []byte, opts ...DecodeOption) (Detection, error) {
	det, _, err := r.detect(data, opts)
	return det, err
}

// detect is Detect that also returns the parsed document, so that a
// built-in format does not parse it a second time.
func (r *Registry) detect(data []byte, opts []DecodeOption) (Detection, *wireDocument, error) {
	o := decodeOpts(opts)
	if err := o.checkSize(data); err != nil {
		return Detection{}, nil, err
	}
	w, err := parseDocument(data)
	if err != nil {
		return Detection{}, nil, err
	}
	if err := w.checkMixed(); err != nil {
		return Detection{}, nil, err
	}
	for _, f := range r.state.Load().formats {
		if d, ok := f.(Detector); ok && d.Detect(data) {
			idx := w.isIndex()
			mt := f.ManifestMediaType()
			if idx {
				mt = f.IndexMediaType()
			}
			return Detection{Format: f, Index: idx, MediaType: mt}, w, nil
		}
	}
	if w.MediaType != nil {
		mt := *w.MediaType
		f, err := r.FormatByMediaType(mt)
		if err != nil {
			return Detection{}, nil, fmt.Errorf("%w: mediaType %q: %w", ErrUnknownDocument, mt, err)
		}
		return Detection{Format: f, Index: NormalizeMediaType(mt) == NormalizeMediaType(f.IndexMediaType()), MediaType: mt}, w, nil
	}
	var mt string
	switch {
	case w.isIndex():
		mt = MediaTypeOCIIndex
	case w.isManifest():
		mt = MediaTypeOCIManifest
	default:
		return Detection{}, nil, fmt.Errorf("%w: no mediaType and neither layers nor manifests", ErrUnknownDocument)
	}
	f, err := r.FormatByMediaType(mt)
	if err != nil {
		return Detection{}, nil, fmt.Errorf("%w: %w", ErrUnknownDocument, err)
	}
	return Detection{Format: f, Index: w.isIndex(), MediaType: mt}, w, nil
}

// DecodeManifest detects the format of a manifest document and decodes
// it. Media types are returned as written. An index gives an error
// wrapping [ErrNotManifest].
func (r *Registry) DecodeManifest(data []byte, opts ...DecodeOption) (Manifest, Format, error) {
	det, w, err := r.detect(data, opts)
	if err != nil {
		return Manifest{}, nil, err
	}
	if det.Index {
		return Manifest{}, nil, fmt.Errorf("%w: it is a %s index (%s)", ErrNotManifest, det.Format.Name(), det.MediaType)
	}
	var m Manifest
	if bf, ok := det.Format.(*BasicFormat); ok {
		m, err = bf.codec.manifestFromWire(w)
	} else {
		m, err = det.Format.DecodeManifest(data)
	}
	if err != nil {
		return Manifest{}, nil, fmt.Errorf("%s manifest: %w", det.Format.Name(), err)
	}
	return m, det.Format, nil
}

// DecodeIndex detects the format of an index document and decodes it.
func (r *Registry) DecodeIndex(data []byte, opts ...DecodeOption) (Index, Format, error) {
	det, w, err := r.detect(data, opts)
	if err != nil {
		return Index{}, nil, err
	}
	if !det.Index {
		return Index{}, nil, fmt.Errorf("%w: it is a %s manifest (%s)", ErrNotIndex, det.Format.Name(), det.MediaType)
	}
	inf, ok := det.Format.(IndexFormat)
	if !ok {
		return Index{}, nil, fmt.Errorf("core: format %q cannot decode indexes: %w", det.Format.Name(), errUnsupported)
	}
	var ix Index
	if bf, ok := det.Format.(*BasicFormat); ok {
		ix, err = bf.codec.indexFromWire(w)
	} else {
		ix, err = inf.DecodeIndex(data)
	}
	if err != nil {
		return Index{}, nil, fmt.Errorf("%s index: %w", det.Format.Name(), err)
	}
	return ix, det.Format, nil
}

// DecodeManifest decodes a manifest with the formats of [Default] and the
// default size limit.
func DecodeManifest(data []byte) (Manifest, Format, error) { return Default.DecodeManifest(data) }

// DecodeIndex decodes an index with the formats of [Default].
func DecodeIndex(data []byte) (Index, Format, error) { return Default.DecodeIndex(data) }

// DescriptorKinds gives the kind of every descriptor of m, config first,
// then each layer, over the formats of r (concil's reverse table).
func (r *Registry) DescriptorKinds(m Manifest) []string {
	out := make([]string, 0, 1+len(m.Layers))
	out = append(out, r.Kind(m.Config.MediaType))
	for _, l := range m.Layers {
		out = append(out, r.Kind(l.MediaType))
	}
	return out
}

// IsKind reports whether s names a kind rather than a concrete media type
// (kinds have no '/').
func IsKind(s string) bool { return s != "" && !strings.Contains(s, "/") }

// DecodeDescriptor parses and validates a lone content descriptor
// (application/vnd.oci.descriptor.v1+json) with the same rules as the
// descriptors of a manifest: exact keys, no repeated key, every problem
// reported as a *FieldError.
func (r *Registry) DecodeDescriptor(data []byte, opts ...DecodeOption) (Descriptor, error) {
	o := decodeOpts(opts)
	if err := o.checkSize(data); err != nil {
		return Descriptor{}, err
	}
	var w *wireDescriptor
	err := parseValue(data, func(p *parser) {
		w = p.descriptor("")
		if w == nil && len(p.errs) == 0 {
			p.errs = append(p.errs, errors.New("want a descriptor object, got null"))
		}
	})
	if err != nil {
		return Descriptor{}, err
	}
	d, err := w.descriptor()
	errs := appendNested(nil, "", err)
	errs = appendNested(errs, "", r.ValidateDescriptor(d))
	if len(errs) > 0 {
		return Descriptor{}, fmt.Errorf("%w (descriptor): %w", ErrInvalidDocument, errors.Join(errs...))
	}
	return d, nil
}

// DecodeDescriptor decodes a lone descriptor with the algorithms of
// [Default].
func DecodeDescriptor(data []byte) (Descriptor, error) { return Default.DecodeDescriptor(data) }
