package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
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
		return fmt.Errorf("document of %d bytes: %w (limit %d bytes)", len(data), ErrTooLarge, o.maxSize)
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
		return nil, fmt.Errorf("document: %w: more than %d bytes", ErrTooLarge, max)
	}
	return data, nil
}

// Detection is what [Registry.Detect] found out about a document.
type Detection struct {
	Format Format
	// Index is true for an index or manifest list, false for a manifest.
	Index bool
	// MediaType is the document's media type: the mediaType field, or the
	// type its shape implies when the field is absent.
	MediaType string
}

// Detect says which registered format a document belongs to and whether
// it is a manifest or an index. The document's mediaType decides: a
// document without one is a manifest or index (by its shape) of the
// first registered format whose documents may omit it. Among the
// formats of that media type, those narrowed by ConfigMediaTypes claim
// the manifests whose config has one of their types, and only then are
// the formats that detect by content asked ([Detector]); a document none
// of them claims belongs to the first registered format that owns the
// type. So a document whose type no detecting format shares is never
// shown to one. A document that mixes manifest and index fields is an
// error wrapping [ErrInvalidDocument].
func (r *Registry) Detect(ctx context.Context, data []byte, opts ...DecodeOption) (Detection, error) {
	det, _, err := r.detect(ctx, data, opts)
	return det, err
}

// detect is Detect that also returns the parsed document, so that a
// format built by NewFormat does not parse it a second time.
func (r *Registry) detect(ctx context.Context, data []byte, opts []DecodeOption) (Detection, *wireDocument, error) {
	o := decodeOpts(opts)
	if err := o.checkSize(data); err != nil {
		return Detection{}, nil, err
	}
	w, err := readDocumentWire(data)
	if err != nil {
		return Detection{}, nil, err
	}
	if err := w.checkMixed(); err != nil {
		return Detection{}, nil, err
	}
	s := r.load()
	var mt string
	if w.MediaType != nil {
		mt = *w.MediaType
	} else {
		if !w.isIndex() && !w.isManifest() {
			return Detection{}, nil, fmt.Errorf("%w: no mediaType and neither layers nor manifests", ErrUnknownDocument)
		}
		for _, rf := range s.formats {
			if !rf.d.MediaTypeOptional {
				continue
			}
			if w.isIndex() {
				mt = rf.d.IndexMediaType
			} else {
				mt = rf.d.ManifestMediaType
			}
			if mt != "" {
				break
			}
		}
		if mt == "" {
			return Detection{}, nil, fmt.Errorf("%w: no mediaType, and no registered format reads documents without one (forgotten import?)", ErrUnknownDocument)
		}
	}
	norm := NormalizeMediaType(mt)
	cands := s.byMediaType[norm]
	if len(cands) == 0 {
		return Detection{}, nil, fmt.Errorf("%w: mediaType %q: %w (forgotten import?)", ErrUnknownDocument, mt, ErrUnknownFormat)
	}
	rf, err := claim(ctx, cands, w, data)
	if err != nil {
		return Detection{}, nil, err
	}
	index := norm == NormalizeMediaType(rf.d.IndexMediaType)
	if w.MediaType == nil {
		index = w.isIndex()
	}
	return Detection{Format: rf.f, Index: index, MediaType: mt}, w, nil
}

// claim picks the format of a document among the formats of its media
// type: narrowed formats by config type, then detectors, then the owner.
func claim(ctx context.Context, cands []registered, w *wireDocument, data []byte) (registered, error) {
	var configType string
	if !w.isIndex() && w.Config != nil && w.Config.MediaType != nil {
		configType = NormalizeMediaType(*w.Config.MediaType)
	}
	for _, rf := range cands {
		if configType != "" && slices.ContainsFunc(rf.d.ConfigMediaTypes, func(t string) bool { return NormalizeMediaType(t) == configType }) {
			return rf, nil
		}
	}
	for _, rf := range cands {
		if !rf.d.Detects {
			continue
		}
		if err := ctx.Err(); err != nil {
			return registered{}, err
		}
		if ok, err := rf.f.(Detector).Detect(ctx, data); err == nil && ok {
			return rf, nil
		}
	}
	for _, rf := range cands {
		if rf.generic() {
			return rf, nil
		}
	}
	return registered{}, fmt.Errorf("%w: %s: the formats of this type (%s) do not claim it", ErrUnknownDocument, cands[0].d.ManifestMediaType, names(cands))
}

func names(rs []registered) string {
	out := make([]string, len(rs))
	for i, rf := range rs {
		out[i] = rf.d.Name
	}
	return strings.Join(out, ", ")
}

// Decoded is a document [Registry.Decode] read: a manifest or an index,
// with its format and media type.
type Decoded struct {
	Format    Format
	MediaType string
	Manifest  *Manifest // the manifest, or nil for an index
	Index     *Index    // the index, or nil for a manifest
}

// Decode detects the format of a document and decodes it as the manifest
// or index it is, in one parse and one detection.
func (r *Registry) Decode(ctx context.Context, data []byte, opts ...DecodeOption) (Decoded, error) {
	det, w, err := r.detect(ctx, data, opts)
	if err != nil {
		return Decoded{}, err
	}
	out := Decoded{Format: det.Format, MediaType: det.MediaType}
	what := "manifest"
	if det.Index {
		what = "index"
		var ix Index
		ix, err = r.decodeIndex(ctx, det, w, data)
		out.Index = &ix
	} else {
		var m Manifest
		m, err = r.decodeManifest(ctx, det, w, data)
		out.Manifest = &m
	}
	if err != nil {
		return Decoded{}, fmt.Errorf("%s %s: %w", det.Format.Describe().Name, what, err)
	}
	return out, nil
}

func (r *Registry) decodeManifest(ctx context.Context, det Detection, w *wireDocument, data []byte) (Manifest, error) {
	if bf, ok := det.Format.(*BasicFormat); ok {
		return bf.manifestFromWire(w, r.algs)
	}
	return det.Format.DecodeManifest(ctx, data)
}

func (r *Registry) decodeIndex(ctx context.Context, det Detection, w *wireDocument, data []byte) (Index, error) {
	if bf, ok := det.Format.(*BasicFormat); ok {
		return bf.indexFromWire(w, r.algs)
	}
	return DecodeIndexAs(ctx, det.Format, data)
}

// DecodeManifest detects the format of a manifest document and decodes
// it. Media types are returned as written. An index gives an error
// wrapping [ErrNotManifest].
func (r *Registry) DecodeManifest(ctx context.Context, data []byte, opts ...DecodeOption) (Manifest, Format, error) {
	det, w, err := r.detect(ctx, data, opts)
	if err != nil {
		return Manifest{}, nil, err
	}
	name := det.Format.Describe().Name
	if det.Index {
		return Manifest{}, nil, fmt.Errorf("%w: it is a %s index (%s)", ErrNotManifest, name, det.MediaType)
	}
	m, err := r.decodeManifest(ctx, det, w, data)
	if err != nil {
		return Manifest{}, nil, fmt.Errorf("%s manifest: %w", name, err)
	}
	return m, det.Format, nil
}

// DecodeIndex detects the format of an index document and decodes it.
func (r *Registry) DecodeIndex(ctx context.Context, data []byte, opts ...DecodeOption) (Index, Format, error) {
	det, w, err := r.detect(ctx, data, opts)
	if err != nil {
		return Index{}, nil, err
	}
	name := det.Format.Describe().Name
	if !det.Index {
		return Index{}, nil, fmt.Errorf("%w: it is a %s manifest (%s)", ErrNotIndex, name, det.MediaType)
	}
	ix, err := r.decodeIndex(ctx, det, w, data)
	if err != nil {
		return Index{}, nil, fmt.Errorf("%s index: %w", name, err)
	}
	return ix, det.Format, nil
}

// DecodeManifest decodes a manifest with the formats of [Default].
func DecodeManifest(ctx context.Context, data []byte, opts ...DecodeOption) (Manifest, Format, error) {
	return Default.DecodeManifest(ctx, data, opts...)
}

// DecodeIndex decodes an index with the formats of [Default].
func DecodeIndex(ctx context.Context, data []byte, opts ...DecodeOption) (Index, Format, error) {
	return Default.DecodeIndex(ctx, data, opts...)
}

// DecodeDescriptor parses and validates a lone content descriptor
// (application/vnd.oci.descriptor.v1+json) with the same rules as the
// descriptors of a manifest: exact keys, no repeated key, every problem
// reported as a *FieldError. Digests are checked by the image-spec's
// rules; [Algorithms.DecodeDescriptor] also by registered algorithms.
func DecodeDescriptor(data []byte, opts ...DecodeOption) (Descriptor, error) {
	return (*Algorithms)(nil).DecodeDescriptor(data, opts...)
}

// DecodeDescriptor is [DecodeDescriptor] validating with a's algorithms.
func (a *Algorithms) DecodeDescriptor(data []byte, opts ...DecodeOption) (Descriptor, error) {
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
	errs = appendNested(errs, "", a.ValidateDescriptor(d))
	if len(errs) > 0 {
		return Descriptor{}, fmt.Errorf("%w (descriptor): %w", ErrInvalidDocument, errors.Join(errs...))
	}
	return d, nil
}
