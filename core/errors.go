package core

import (
	"errors"
	"fmt"

	digest "github.com/opencontainers/go-digest"
)

// Sentinel errors. Errors returned by this module wrap one of these with
// context (which field, which format, which digest, which file); test
// with errors.Is. The first group is shared by every package of the
// module, so that one condition has one name wherever it arises (the
// shape of oras-go's errdef): a missing blob in a layout, an unknown tag
// and an unknown format are all [ErrNotFound]. Capabilities a value does
// not have wrap [errors.ErrUnsupported].
var (
	// ErrNotFound: what was asked for is not there (a format, a digest
	// algorithm, a blob, an image, a tag).
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a name is already taken (a registered format or
	// digest algorithm).
	ErrAlreadyExists = errors.New("already exists")
	// ErrTooLarge: input is larger than the limit that applies to it;
	// the message names the limit.
	ErrTooLarge = errors.New("too large")
	// ErrSizeMismatch: content is not as long as its descriptor says.
	ErrSizeMismatch = errors.New("size mismatch")
	// ErrDigestMismatch: content does not hash to its descriptor's digest.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrNotRegular: a path that should be a regular file is a folder, a
	// device, a FIFO or a link.
	ErrNotRegular = errors.New("not a regular file")
	// ErrFileChanged: a file changed (size, time or type) while it was read.
	ErrFileChanged = errors.New("file changed while it was read")
)

// Sentinel errors of this package's own values.
var (
	ErrInvalidFormat    = errors.New("core: invalid format")
	ErrInvalidDigester  = errors.New("core: invalid digester")
	ErrInvalidDigest    = errors.New("core: invalid digest")
	ErrInvalidMediaType = errors.New("core: invalid media type")
	// ErrInvalidDocument: a document breaks the JSON or image-spec rules;
	// the *FieldError values it wraps name each field.
	ErrInvalidDocument = errors.New("core: invalid document")
	// ErrUnknownDocument: a well-formed document no registered format
	// claims (or a Docker schema 1 manifest).
	ErrUnknownDocument = errors.New("core: unknown document type")
	ErrNotManifest     = errors.New("core: document is not a manifest")
	ErrNotIndex        = errors.New("core: document is not an index")
	ErrUnknownEncoding = errors.New("core: unknown encoding")
	// ErrUnknownCompression: a compression or layer media type this
	// module does not know.
	ErrUnknownCompression = errors.New("core: unknown compression")
	ErrNotConvertible     = errors.New("core: not expressible in the target format")
	ErrNoMatchingPlatform = errors.New("core: no manifest for the platform")
	// ErrDiffIDMismatch: an image config's rootfs.diff_ids do not list
	// its layers' diffIDs.
	ErrDiffIDMismatch = errors.New("core: config rootfs.diff_ids do not match the layers")
	// ErrUnknownPlatform: an OS or architecture neither Go nor the
	// image-spec knows (a misspelling, usually).
	ErrUnknownPlatform = errors.New("core: unknown platform")
	// ErrOutOfRange: an integer RFC 8785 cannot represent exactly.
	ErrOutOfRange = errors.New("core: integer out of the range RFC 8785 represents exactly")

	// ErrUnknownFormat: no format of that name or media type is
	// registered. It matches [ErrNotFound].
	ErrUnknownFormat = NewError("core: unknown format", ErrNotFound)
	// ErrUnknownAlgorithm: no digester of that algorithm is registered
	// (and core cannot compute it with the standard library). It matches
	// [ErrNotFound] and [errors.ErrUnsupported].
	ErrUnknownAlgorithm = NewError("core: unknown digest algorithm", ErrNotFound, errors.ErrUnsupported)
	// ErrDuplicate: a format or digest algorithm of that name is already
	// registered. It matches [ErrAlreadyExists].
	ErrDuplicate = NewError("core: already registered", ErrAlreadyExists)
)

// NewError returns a sentinel error with message msg that also matches
// each of kinds with errors.Is: a sentinel of one package that refines a
// shared one (an unknown format is a [ErrNotFound]) without the shared
// one's message in its own.
func NewError(msg string, kinds ...error) error {
	return &refinedError{msg: msg, kinds: kinds}
}

type refinedError struct {
	msg   string
	kinds []error
}

func (e *refinedError) Error() string { return e.msg }
func (e *refinedError) Is(target error) bool {
	for _, k := range e.kinds {
		if errors.Is(k, target) {
			return true
		}
	}
	return false
}

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
	if errors.As(err, &fe) && fe.Field != "" {
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
	return fmt.Sprintf("digest mismatch: want %s, got %s", e.Want, e.Got)
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
		return fmt.Sprintf("size mismatch: want %d bytes, got more", e.Want)
	}
	return fmt.Sprintf("size mismatch: want %d bytes, got %d", e.Want, e.Got)
}
func (e *SizeMismatchError) Is(target error) bool { return target == ErrSizeMismatch }
