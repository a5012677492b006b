package core

import (
	"errors"
	"fmt"

	digest "github.com/opencontainers/go-digest"
)

// Sentinel errors. Errors returned by this package wrap one of these with
// context (which field, which format, which digest); test with errors.Is.
var (
	ErrNilFormat          = errors.New("core: nil format")
	ErrDuplicateFormat    = errors.New("core: format already registered")
	ErrUnknownFormat      = errors.New("core: unknown format")
	ErrInvalidFormat      = errors.New("core: invalid format")
	ErrNilDigester        = errors.New("core: nil digester")
	ErrDuplicateAlgorithm = errors.New("core: digest algorithm already registered")
	ErrUnknownAlgorithm   = errors.New("core: unknown digest algorithm")
	ErrInvalidDigest      = errors.New("core: invalid digest")
	ErrUnsupportedDigest  = errors.New("core: unsupported digest algorithm")
	ErrInvalidMediaType   = errors.New("core: invalid media type")
	ErrInvalidDescriptor  = errors.New("core: invalid descriptor")
	ErrInvalidDocument    = errors.New("core: invalid document")
	ErrMixedDocument      = errors.New("core: document mixes manifest and index fields")
	ErrUnknownDocument    = errors.New("core: unknown document type")
	ErrNotManifest        = errors.New("core: document is not a manifest")
	ErrNotIndex           = errors.New("core: document is not an index")
	ErrDocumentTooLarge   = errors.New("core: document too large")
	ErrUnknownEncoding    = errors.New("core: unknown encoding")
	ErrNotConvertible     = errors.New("core: not expressible in the target format")
	ErrNoMatchingPlatform = errors.New("core: no manifest for the platform")
	ErrSizeMismatch       = errors.New("core: size mismatch")
	ErrDigestMismatch     = errors.New("core: digest mismatch")
)

// FieldError says which field of a document is wrong. Field is a path
// such as "layers[2].digest".
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %s: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, err error) error {
	if field == "" {
		return err
	}
	var fe *FieldError
	if errors.As(err, &fe) && fe.Field != "" && field != "" {
		return &FieldError{Field: field + "." + fe.Field, Err: fe.Err}
	}
	return &FieldError{Field: field, Err: err}
}

// DigestMismatchError is returned when content does not hash to the digest
// its descriptor claims. It matches [ErrDigestMismatch] with errors.Is.
type DigestMismatchError struct {
	Want, Got digest.Digest
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("core: digest mismatch: want %s, got %s", e.Want, e.Got)
}
func (e *DigestMismatchError) Is(target error) bool { return target == ErrDigestMismatch }

// SizeMismatchError is returned when content is not as long as its
// descriptor claims. Got is a lower bound when the content was longer
// (reading stops one byte past Want). It matches [ErrSizeMismatch].
type SizeMismatchError struct {
	Want, Got int64
}

func (e *SizeMismatchError) Error() string {
	if e.Got > e.Want {
		return fmt.Sprintf("core: size mismatch: want %d bytes, got more", e.Want)
	}
	return fmt.Sprintf("core: size mismatch: want %d bytes, got %d", e.Want, e.Got)
}
func (e *SizeMismatchError) Is(target error) bool { return target == ErrSizeMismatch }
