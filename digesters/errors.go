package digesters

import "errors"

// Sentinel errors. Errors returned by this package wrap one of these, or
// one of core's shared ones (core.ErrSizeMismatch, core.ErrDigestMismatch,
// core.ErrUnknownAlgorithm, core.ErrInvalidDocument, core.ErrNotRegular
// for a path that names a folder, core.ErrFileChanged for a file whose
// size or modification time changed while it was read,
// core.ErrUnknownCompression), or the context's error, with the name of
// the blob or file; test with errors.Is.
var (
	// ErrCorruptLayer: a compressed layer does not decompress.
	ErrCorruptLayer = errors.New("digesters: corrupt compressed layer")
	// ErrNotTar: a layer of a tar media type whose (decompressed)
	// stream is not a tar archive (Engine.CheckTar).
	ErrNotTar = errors.New("digesters: not a tar archive")
	// ErrBadReader: a reader broke the io.Reader contract (a negative
	// count, or more bytes than asked for).
	ErrBadReader = errors.New("digesters: reader returned an invalid count")
	// ErrUnknownBackend: a sha256 backend name that is not known.
	ErrUnknownBackend = errors.New("digesters: unknown sha256 backend")
)
