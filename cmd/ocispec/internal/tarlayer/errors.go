package tarlayer

import "errors"

// Sentinel errors. Errors returned by this package wrap one of these, an
// fs error or the context's, with the path concerned.
var (
	// ErrNotDir: the root given to Scan is not a folder.
	ErrNotDir = errors.New("tarlayer: not a folder")
	// ErrUnsupportedFile: a device, named pipe or socket, which a layer
	// built here does not hold.
	ErrUnsupportedFile = errors.New("tarlayer: unsupported file type")
	// ErrFileChanged: a file's size changed between Scan and Write.
	ErrFileChanged = errors.New("tarlayer: file changed while it was packed")
	// ErrCompression: a compression this package does not write.
	ErrCompression = errors.New("tarlayer: unknown compression")
	// ErrInvalidEpoch: SOURCE_DATE_EPOCH is not a number of seconds.
	ErrInvalidEpoch = errors.New("tarlayer: invalid SOURCE_DATE_EPOCH")
)
