package core

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	digest "github.com/opencontainers/go-digest"
)

// The codec of formats built by NewFormat: image-spec shaped JSON
// documents, written in any [Encoding], read by the strict parser of
// wire.go and validated.

// DefaultMaxDocumentSize is the largest manifest or index the decoding
// functions accept unless told otherwise (4 MiB, the limit registries
// apply to manifests).
const DefaultMaxDocumentSize = 4 << 20

func (f *BasicFormat) translate(s string) string { return f.spec.Table.MediaType(s) }

// writeMediaType applies concil's rule: its encoding omits mediaType
// where the format does not require it (concil omits it on OCI
// documents); the other encodings always write it (image-spec's SHOULD).
func (f *BasicFormat) writeMediaType(enc Encoding) bool {
	return enc != EncodingConcil || !f.spec.MediaTypeOptional
}

func (f *BasicFormat) checkArtifactFields(what, artifactType string, subject *Descriptor, annotations map[string]string) error {
	if f.spec.ArtifactFields {
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

func (f *BasicFormat) noIndex() error {
	return fmt.Errorf("core: format %q has no index: %w", f.spec.Name, errors.ErrUnsupported)
}

// EncodeManifest writes m in encoding enc. Kinds are translated; the
// result is validated before it is returned, so an invalid manifest is an
// error naming the field, never bytes.
func (f *BasicFormat) EncodeManifest(ctx context.Context, m Manifest, enc Encoding) ([]byte, error) {
	if _, err := enc.style(); err != nil {
		return nil, err
	}
	if err := f.checkArtifactFields(f.spec.ManifestMediaType, m.ArtifactType, m.Subject, m.Annotations); err != nil {
		return nil, err
	}
	t := m.translated(f.translate)
	if err := f.spec.Algorithms.ValidateManifest(t); err != nil {
		return nil, err
	}
	if f.spec.CheckManifest != nil {
		if err := f.spec.CheckManifest(t); err != nil {
			return nil, invalidDocument(f.spec.ManifestMediaType, appendNested(nil, "", err))
		}
	}
	return encodeDocument(&document{
		mediaType: f.spec.ManifestMediaType, writeMediaType: f.writeMediaType(enc), artifactType: t.ArtifactType,
		config: &t.Config, listKey: xLayers, list: t.Layers, subject: t.Subject, annotations: t.Annotations, extra: t.Extra,
	}, enc)
}

// EncodeIndex writes ix in encoding enc, translating kinds.
func (f *BasicFormat) EncodeIndex(ctx context.Context, ix Index, enc Encoding) ([]byte, error) {
	if f.spec.IndexMediaType == "" {
		return nil, f.noIndex()
	}
	if _, err := enc.style(); err != nil {
		return nil, err
	}
	if err := f.checkArtifactFields(f.spec.IndexMediaType, ix.ArtifactType, ix.Subject, ix.Annotations); err != nil {
		return nil, err
	}
	t := ix.translated(f.translate)
	if err := f.spec.Algorithms.ValidateIndex(t); err != nil {
		return nil, err
	}
	if f.spec.CheckIndex != nil {
		if err := f.spec.CheckIndex(t); err != nil {
			return nil, invalidDocument(f.spec.IndexMediaType, appendNested(nil, "", err))
		}
	}
	return encodeDocument(&document{
		mediaType: f.spec.IndexMediaType, writeMediaType: f.writeMediaType(enc), artifactType: t.ArtifactType,
		listKey: xManifests, list: t.Manifests, subject: t.Subject, annotations: t.Annotations, extra: t.Extra,
	}, enc)
}

// DecodeManifest parses a manifest of the format's media type. The
// document is validated; every problem is reported, each as a
// *FieldError, joined under [ErrInvalidDocument]. Documents larger than
// [DefaultMaxDocumentSize] are refused.
func (f *BasicFormat) DecodeManifest(ctx context.Context, data []byte) (Manifest, error) {
	if err := decodeOpts(nil).checkSize(data); err != nil {
		return Manifest{}, err
	}
	w, err := readDocumentWire(data)
	if err != nil {
		return Manifest{}, err
	}
	return f.manifestFromWire(w, f.spec.Algorithms)
}

func (f *BasicFormat) manifestFromWire(w *wireDocument, algs *Algorithms) (Manifest, error) {
	if err := f.checkShape(w, false); err != nil {
		return Manifest{}, err
	}
	m := Manifest{Extra: w.extra(f.knownMember(false))}
	var errs []error
	if f.spec.ArtifactFields {
		m.ArtifactType, m.Annotations = w.ArtifactType, w.Annotations
		if len(w.artifactErrs) > 0 {
			return Manifest{}, invalidDocument(f.spec.ManifestMediaType, w.artifactErrs)
		}
	}
	if w.Config != nil {
		d, err := w.Config.descriptor()
		m.Config = d
		errs = appendNested(errs, "config", err)
	}
	m.Layers = make([]Descriptor, 0, len(w.Layers))
	for i, wd := range w.Layers {
		d, err := wd.descriptor()
		m.Layers = append(m.Layers, d)
		if err != nil {
			errs = appendNested(errs, fmt.Sprintf("layers[%d]", i), err)
		}
	}
	if m.Layers == nil {
		m.Layers = []Descriptor{}
	}
	if w.Subject != nil && f.spec.ArtifactFields {
		d, err := w.Subject.descriptor()
		m.Subject = &d
		errs = appendNested(errs, "subject", err)
	}
	errs = appendNested(errs, "", algs.ValidateManifest(m))
	if len(errs) == 0 && f.spec.CheckManifest != nil {
		errs = appendNested(errs, "", f.spec.CheckManifest(m))
	}
	if len(errs) > 0 {
		return Manifest{}, invalidDocument(f.spec.ManifestMediaType, errs)
	}
	return m, nil
}

// DecodeIndex parses an index of the format's index media type.
func (f *BasicFormat) DecodeIndex(ctx context.Context, data []byte) (Index, error) {
	if f.spec.IndexMediaType == "" {
		return Index{}, f.noIndex()
	}
	if err := decodeOpts(nil).checkSize(data); err != nil {
		return Index{}, err
	}
	w, err := readDocumentWire(data)
	if err != nil {
		return Index{}, err
	}
	return f.indexFromWire(w, f.spec.Algorithms)
}

func (f *BasicFormat) indexFromWire(w *wireDocument, algs *Algorithms) (Index, error) {
	if f.spec.IndexMediaType == "" {
		return Index{}, f.noIndex()
	}
	if err := f.checkShape(w, true); err != nil {
		return Index{}, err
	}
	ix := Index{Manifests: make([]Descriptor, 0, len(w.Manifests)), Extra: w.extra(f.knownMember(true))}
	var errs []error
	if f.spec.ArtifactFields {
		ix.ArtifactType, ix.Annotations = w.ArtifactType, w.Annotations
		if len(w.artifactErrs) > 0 {
			return Index{}, invalidDocument(f.spec.IndexMediaType, w.artifactErrs)
		}
	}
	for i, wd := range w.Manifests {
		d, err := wd.descriptor()
		ix.Manifests = append(ix.Manifests, d)
		if err != nil {
			errs = appendNested(errs, fmt.Sprintf("manifests[%d]", i), err)
		}
	}
	if w.Subject != nil && f.spec.ArtifactFields {
		d, err := w.Subject.descriptor()
		ix.Subject = &d
		errs = appendNested(errs, "subject", err)
	}
	errs = appendNested(errs, "", algs.ValidateIndex(ix))
	if len(errs) == 0 && f.spec.CheckIndex != nil {
		errs = appendNested(errs, "", f.spec.CheckIndex(ix))
	}
	if len(errs) > 0 {
		return Index{}, invalidDocument(f.spec.IndexMediaType, errs)
	}
	return ix, nil
}

func invalidDocument(mediaType string, errs []error) error {
	return fmt.Errorf("%w (%s): %w", ErrInvalidDocument, mediaType, errors.Join(errs...))
}

// checkShape checks schemaVersion, mediaType and that the document is of
// the wanted shape without fields of the other.
func (f *BasicFormat) checkShape(w *wireDocument, index bool) error {
	want, what := f.spec.ManifestMediaType, "manifest"
	if index {
		want, what = f.spec.IndexMediaType, "index"
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
	case w.MediaType == nil && !f.spec.MediaTypeOptional:
		errs = append(errs, &FieldError{"mediaType", fmt.Errorf("missing (a %s must say %q)", what, want)})
	case w.MediaType != nil && NormalizeMediaType(*w.MediaType) != NormalizeMediaType(want):
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
	if len(errs) > 0 {
		return invalidDocument(want, errs)
	}
	return nil
}

// knownMember returns the test of the top-level keys the model holds
// for a manifest or an index of f. artifactType, subject and
// annotations are unknown members of a format without artifact fields:
// kept, never refused, when read.
func (f *BasicFormat) knownMember(index bool) func(string) bool {
	artifact := f.spec.ArtifactFields
	return func(key string) bool {
		switch key {
		case "schemaVersion", "mediaType":
			return true
		case "config", "layers":
			return !index
		case "manifests":
			return index
		case "artifactType", "subject", "annotations":
			return artifact
		}
		return false
	}
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
		return fmt.Errorf("%w: it has \"manifests\" (index) and %s (manifest)", ErrInvalidDocument, strings.Join(which, " and "))
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
	d.URLs, d.Annotations, d.ArtifactType, d.Extra = w.URLs, w.Annotations, w.ArtifactType, w.Extra
	if w.Data != nil {
		b, err := base64.StdEncoding.DecodeString(*w.Data)
		if err != nil {
			errs = append(errs, &FieldError{"data", fmt.Errorf("not base64: %v", err)})
		}
		d.Data = b
	}
	d.Platform = w.Platform // the parser's, used by nothing else
	return d, errors.Join(errs...)
}
