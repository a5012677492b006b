package digesters

import "errors"

// Sentinel errors. Errors returned by this package wrap one of these, or
// one of core's (core.ErrSizeMismatch, core.ErrDigestMismatch,
// core.ErrUnsupportedDigest, core.ErrInvalidDescriptor), or the
// context's error, with the name of the blob; test with errors.Is.
var (
	// ErrFileChanged: a file's size or modification time changed while
	// it was read, so its digest describes no version of it.
	ErrFileChanged = errors.New("digesters: file changed while it was read")
	// ErrNotRegular: a path names a directory.
	ErrNotRegular = errors.New("digesters: not a regular file")
	// ErrCorruptLayer: a compressed layer does not decompress.
	ErrCorruptLayer = errors.New("digesters: corrupt compressed layer")
	// ErrUnknownCompression: a compression name this package does not
	// decompress.
	ErrUnknownCompression = errors.New("digesters: unknown compression")
	// ErrBadReader: a reader broke the io.Reader contract (a negative
	// count, or more bytes than asked for).
	ErrBadReader = errors.New("digesters: reader returned an invalid count")
	// ErrUnknownBackend: a sha256 backend name that is not known.
	ErrUnknownBackend = errors.New("digesters: unknown sha256 backend")
)
