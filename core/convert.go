package core

import (
	"errors"
	"fmt"
	"slices"
)

// ConvertOptions control a conversion between formats.
type ConvertOptions struct {
	// Permissive writes kinds the target cannot express faithfully with
	// the names its table has for them (concil's Docker names for zstd,
	// encrypted and squashfs layers) and drops fields the target lacks
	// (artifactType, subject, document annotations in Docker), instead of
	// failing.
	Permissive bool
}

// ConvertMediaType maps a media type of format from to the media type of
// the same kind in format to: a concrete type of from's table, or a kind.
// Anything else (a type from's table does not have) passes through
// unchanged. A kind that to cannot express is an error wrapping
// [ErrNotConvertible] unless permissive and to's table names it. Only
// the two formats' own tables are consulted.
func ConvertMediaType(mediaType string, from, to Format, permissive bool) (string, error) {
	if from == nil || to == nil {
		return "", fmt.Errorf("%w: nil", ErrInvalidFormat)
	}
	return convertMediaType(mediaType, from.Describe(), to.Describe(), permissive)
}

func convertMediaType(mediaType string, from, to Description, permissive bool) (string, error) {
	kind, ok := from.Table.LookupKind(mediaType)
	if !ok {
		if !IsKind(mediaType) {
			return mediaType, nil // not a type of from's table: pass through
		}
		kind = mediaType
	}
	target, ok := to.Table.LookupMediaType(kind)
	if !ok {
		return "", fmt.Errorf("%w: %s has no media type for kind %q (%s)", ErrNotConvertible, to.Name, kind, mediaType)
	}
	if !to.Table.Supports(kind) && !permissive {
		return "", fmt.Errorf("%w: %s cannot express kind %q (%s) faithfully; a permissive conversion writes %s", ErrNotConvertible, to.Name, kind, mediaType, target)
	}
	return target, nil
}

func convertDescriptor(d Descriptor, field string, from, to Description, opts ConvertOptions) (Descriptor, error) {
	d = d.Clone()
	mt, err := convertMediaType(d.MediaType, from, to, opts.Permissive)
	if err != nil {
		return d, fmt.Errorf("%s (%s): %w", field, d.Digest, err)
	}
	d.MediaType = mt
	return d, nil
}

// liftArtifactFields moves artifactType, subject and annotations kept
// as unknown members (read in a format without them) into the model's
// fields, for a target format that has them.
func liftArtifactFields(extra *Extra, artifactType *string, subject **Descriptor, annotations *map[string]string, from, to Description) error {
	if from.ArtifactFields || !to.ArtifactFields || len(*extra) == 0 {
		return nil
	}
	var rest Extra
	var errs []error
	for _, m := range *extra {
		var err error
		switch {
		case m.Key == "artifactType" && *artifactType == "":
			err = parseValue(m.Value, func(p *parser) { *artifactType = p.optionalType() })
		case m.Key == "annotations" && *annotations == nil:
			err = parseValue(m.Value, func(p *parser) { *annotations = p.stringMap() })
		case m.Key == "subject" && *subject == nil:
			var w *wireDescriptor
			if err = parseValue(m.Value, func(p *parser) { w = p.descriptor("") }); err == nil && w != nil {
				d, derr := w.descriptor()
				*subject, err = &d, derr
			}
		default:
			rest = append(rest, m)
			continue
		}
		if err != nil {
			errs = append(errs, fieldErr(m.Key, err))
		}
	}
	*extra = rest
	return errors.Join(errs...)
}

func convertArtifactFields(what string, artifactType *string, subject **Descriptor, annotations *map[string]string, to Description, opts ConvertOptions) error {
	if to.ArtifactFields {
		return nil
	}
	if opts.Permissive {
		*artifactType, *subject, *annotations = "", nil, nil
		return nil
	}
	switch {
	case *artifactType != "":
		return fmt.Errorf("%s: artifactType %q: %w: %s has no artifactType", what, *artifactType, ErrNotConvertible, to.Name)
	case *subject != nil:
		return fmt.Errorf("%s: subject: %w: %s has no subject", what, ErrNotConvertible, to.Name)
	case len(*annotations) > 0:
		return fmt.Errorf("%s: annotations: %w: %s has no document annotations", what, ErrNotConvertible, to.Name)
	}
	return nil
}

// ConvertManifest converts m from format from to format to: every media
// type (config, layers, subject) through the kind tables. A layer the
// target cannot express is an error naming it (field and digest), unless
// opts.Permissive.
func ConvertManifest(m Manifest, from, to Format, opts ConvertOptions) (Manifest, error) {
	if from == nil || to == nil {
		return Manifest{}, fmt.Errorf("%w: nil", ErrInvalidFormat)
	}
	return convertManifest(m, from.Describe(), to.Describe(), opts)
}

func convertManifest(m Manifest, from, to Description, opts ConvertOptions) (Manifest, error) {
	out := m.Clone()
	if err := liftArtifactFields(&out.Extra, &out.ArtifactType, &out.Subject, &out.Annotations, from, to); err != nil {
		return Manifest{}, fmt.Errorf("manifest: %w", err)
	}
	if err := convertArtifactFields("manifest", &out.ArtifactType, &out.Subject, &out.Annotations, to, opts); err != nil {
		return Manifest{}, err
	}
	var err error
	if out.Config, err = convertDescriptor(out.Config, "config", from, to, opts); err != nil {
		return Manifest{}, err
	}
	for i := range out.Layers {
		if out.Layers[i], err = convertDescriptor(out.Layers[i], fmt.Sprintf("layers[%d]", i), from, to, opts); err != nil {
			return Manifest{}, err
		}
	}
	if out.Subject != nil {
		s, err := convertDescriptor(*out.Subject, "subject", from, to, opts)
		if err != nil {
			return Manifest{}, err
		}
		out.Subject = &s
	}
	return out, nil
}

// ConvertIndex converts an index (OCI image index ↔ Docker manifest
// list): the media types of its entries through the kind tables. The
// manifests the entries point to are not converted here: their digests
// change when they are, so a caller that converts them (package layout
// does) replaces the entries.
func ConvertIndex(ix Index, from, to Format, opts ConvertOptions) (Index, error) {
	if from == nil || to == nil {
		return Index{}, fmt.Errorf("%w: nil", ErrInvalidFormat)
	}
	return convertIndex(ix, from.Describe(), to.Describe(), opts)
}

func convertIndex(ix Index, from, to Description, opts ConvertOptions) (Index, error) {
	if to.IndexMediaType == "" {
		return Index{}, fmt.Errorf("%w: %s has no index", ErrNotConvertible, to.Name)
	}
	out := ix.Clone()
	if err := liftArtifactFields(&out.Extra, &out.ArtifactType, &out.Subject, &out.Annotations, from, to); err != nil {
		return Index{}, fmt.Errorf("index: %w", err)
	}
	if err := convertArtifactFields("index", &out.ArtifactType, &out.Subject, &out.Annotations, to, opts); err != nil {
		return Index{}, err
	}
	var err error
	for i := range out.Manifests {
		if out.Manifests[i], err = convertDescriptor(out.Manifests[i], fmt.Sprintf("manifests[%d]", i), from, to, opts); err != nil {
			return Index{}, err
		}
	}
	if out.Subject != nil {
		s, err := convertDescriptor(*out.Subject, "subject", from, to, opts)
		if err != nil {
			return Index{}, err
		}
		out.Subject = &s
	}
	return out, nil
}

// For returns a copy of m with every media type that is a kind of f's
// table translated to f's media type.
func (m Manifest) For(f Format) Manifest { return m.mapTypes(f.Describe().Table.MediaType) }

// For returns a copy of ix with every media type that is a kind of f's
// table translated to f's media type.
func (ix Index) For(f Format) Index { return ix.mapTypes(f.Describe().Table.MediaType) }

// mapTypes returns a copy of m with fn applied to the media type of the
// config, every layer and the subject.
func (m Manifest) mapTypes(fn func(string) string) Manifest {
	m = m.Clone()
	m.Config.MediaType = fn(m.Config.MediaType)
	for i := range m.Layers {
		m.Layers[i].MediaType = fn(m.Layers[i].MediaType)
	}
	if m.Subject != nil {
		m.Subject.MediaType = fn(m.Subject.MediaType)
	}
	return m
}

// translated returns m with fn applied to the media type of the config,
// every layer and the subject, sharing all else with m: what an encoder
// validates and writes, without a copy of the document.
func (m Manifest) translated(fn func(string) string) Manifest {
	m.Config.MediaType = fn(m.Config.MediaType)
	m.Layers = translatedList(m.Layers, fn)
	m.Subject = translatedPtr(m.Subject, fn)
	return m
}

// translated is [Manifest.translated] for an index.
func (ix Index) translated(fn func(string) string) Index {
	ix.Manifests = translatedList(ix.Manifests, fn)
	ix.Subject = translatedPtr(ix.Subject, fn)
	return ix
}

// translatedList returns ds, or a shallow copy when fn changes a media
// type.
func translatedList(ds []Descriptor, fn func(string) string) []Descriptor {
	for i := range ds {
		if fn(ds[i].MediaType) != ds[i].MediaType {
			out := slices.Clone(ds)
			for j := i; j < len(out); j++ {
				out[j].MediaType = fn(out[j].MediaType)
			}
			return out
		}
	}
	return ds
}

func translatedPtr(d *Descriptor, fn func(string) string) *Descriptor {
	if d == nil || fn(d.MediaType) == d.MediaType {
		return d
	}
	c := *d
	c.MediaType = fn(c.MediaType)
	return &c
}

// mapTypes returns a copy of ix with fn applied to the media type of
// every entry and the subject.
func (ix Index) mapTypes(fn func(string) string) Index {
	ix = ix.Clone()
	for i := range ix.Manifests {
		ix.Manifests[i].MediaType = fn(ix.Manifests[i].MediaType)
	}
	if ix.Subject != nil {
		ix.Subject.MediaType = fn(ix.Subject.MediaType)
	}
	return ix
}
