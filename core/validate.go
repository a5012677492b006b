package core

import (
	"errors"
	"fmt"
	"net/url"
)

// Validation follows image-spec 1.1. Each function reports every problem
// it finds, each as a *FieldError naming the field, joined with
// errors.Join (so errors.Is and errors.As see through, and a caller can
// list them by unwrapping []error); nil means valid.

// ValidateDescriptor checks d by the image-spec's rules alone (see
// [Algorithms.ValidateDescriptor]; here with no registered algorithms).
func ValidateDescriptor(d Descriptor) error { return (*Algorithms)(nil).ValidateDescriptor(d) }

// ValidateManifest checks m by the image-spec's rules alone.
func ValidateManifest(m Manifest) error { return (*Algorithms)(nil).ValidateManifest(m) }

// ValidateIndex checks ix by the image-spec's rules alone.
func ValidateIndex(ix Index) error { return (*Algorithms)(nil).ValidateIndex(ix) }

// ValidateDescriptor checks one descriptor: an RFC 6838 media type, a
// digest of the spec's grammar (and of a's algorithms), a size that is
// not negative, URLs that parse, a data field matching size and digest
// (when a can compute the algorithm: sha256 and sha512 always), a
// well-formed platform and artifactType.
func (a *Algorithms) ValidateDescriptor(d Descriptor) error {
	var errs []error
	if d.MediaType == "" {
		errs = append(errs, &FieldError{"mediaType", errors.New("missing")})
	} else if err := ValidateMediaType(d.MediaType); err != nil {
		errs = append(errs, &FieldError{"mediaType", err})
	}
	digestOK := true
	if d.Digest == "" {
		errs = append(errs, &FieldError{"digest", errors.New("missing")})
		digestOK = false
	} else if err := a.ValidateDigest(d.Digest); err != nil {
		errs = append(errs, &FieldError{"digest", err})
		digestOK = false
	}
	if d.Size < 0 {
		errs = append(errs, &FieldError{"size", fmt.Errorf("negative size %d", d.Size)})
	}
	for i, u := range d.URLs {
		if pu, err := url.Parse(u); err != nil || pu.Scheme == "" {
			errs = append(errs, &FieldError{fmt.Sprintf("urls[%d]", i), fmt.Errorf("%q is not an absolute URL", u)})
		}
	}
	for k := range d.Annotations {
		if k == "" {
			errs = append(errs, &FieldError{"annotations", errors.New("empty key")})
			break
		}
	}
	if d.Data != nil && digestOK && d.Size >= 0 {
		if a.Available(AlgorithmOf(d.Digest)) {
			if err := a.VerifyBytes(d.Data, d.Size, d.Digest); err != nil {
				errs = append(errs, &FieldError{"data", err})
			}
		}
	}
	if d.Platform != nil {
		if err := ValidatePlatform(*d.Platform); err != nil {
			errs = append(errs, fieldErr("platform", err))
		}
	}
	if d.ArtifactType != "" {
		if err := ValidateMediaType(d.ArtifactType); err != nil {
			errs = append(errs, &FieldError{"artifactType", err})
		}
	}
	return errors.Join(errs...)
}

// ValidatePlatform checks that architecture and os are present.
func ValidatePlatform(p Platform) error {
	var errs []error
	if p.Architecture == "" {
		errs = append(errs, &FieldError{"architecture", errors.New("missing")})
	}
	if p.OS == "" {
		errs = append(errs, &FieldError{"os", errors.New("missing")})
	}
	return errors.Join(errs...)
}

// ValidateManifest checks every descriptor of m and its artifactType.
// Rules of one format (image-spec's artifactType required with the empty
// config, say) are that format's, applied by its decoder and encoder.
func (a *Algorithms) ValidateManifest(m Manifest) error {
	var errs []error
	errs = appendNested(errs, "config", a.ValidateDescriptor(m.Config))
	for i, l := range m.Layers {
		if err := a.ValidateDescriptor(l); err != nil {
			errs = appendNested(errs, fmt.Sprintf("layers[%d]", i), err)
		}
	}
	if m.Subject != nil {
		errs = appendNested(errs, "subject", a.ValidateDescriptor(*m.Subject))
	}
	if m.ArtifactType != "" {
		if err := ValidateMediaType(m.ArtifactType); err != nil {
			errs = append(errs, &FieldError{"artifactType", err})
		}
	}
	errs = appendAnnotationErr(errs, m.Annotations)
	return errors.Join(errs...)
}

// ValidateIndex checks every descriptor of ix.
func (a *Algorithms) ValidateIndex(ix Index) error {
	var errs []error
	for i, d := range ix.Manifests {
		if err := a.ValidateDescriptor(d); err != nil {
			errs = appendNested(errs, fmt.Sprintf("manifests[%d]", i), err)
		}
	}
	if ix.Subject != nil {
		errs = appendNested(errs, "subject", a.ValidateDescriptor(*ix.Subject))
	}
	if ix.ArtifactType != "" {
		if err := ValidateMediaType(ix.ArtifactType); err != nil {
			errs = append(errs, &FieldError{"artifactType", err})
		}
	}
	errs = appendAnnotationErr(errs, ix.Annotations)
	return errors.Join(errs...)
}

func appendAnnotationErr(errs []error, a map[string]string) []error {
	if _, ok := a[""]; ok {
		errs = append(errs, &FieldError{"annotations", errors.New("empty key")})
	}
	return errs
}

// appendNested prefixes each joined problem of err with field.
func appendNested(errs []error, field string, err error) []error {
	if err == nil {
		return errs
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			errs = append(errs, fieldErr(field, e))
		}
		return errs
	}
	return append(errs, fieldErr(field, err))
}

// Problems flattens an error returned by validation or decoding into its
// individual problems (one *FieldError per field where the error has
// them), for listing one per line.
func Problems(err error) []error {
	if err == nil {
		return nil
	}
	var out []error
	var walk func(error) bool
	walk = func(e error) bool {
		switch u := e.(type) {
		case *FieldError:
			out = append(out, e)
			return true
		case interface{ Unwrap() []error }:
			found := false
			for _, x := range u.Unwrap() {
				found = walk(x) || found
			}
			return found
		case interface{ Unwrap() error }:
			return walk(u.Unwrap())
		}
		return false
	}
	if !walk(err) {
		out = append(out, err)
	}
	return out
}
