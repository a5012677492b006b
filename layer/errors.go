package layer

import "errors"

// Sentinel errors. Errors returned by this package wrap one of these, an
// fs or syscall error, or the context's, with the entry or file
// concerned; test with errors.Is.
var (
	// ErrNotDir: the folder given to FromDir is not a folder.
	ErrNotDir = errors.New("layer: not a folder")
	// ErrUnsupportedFile: an entry the mode cannot write: a socket, or
	// a device or named pipe in a reproducible layer (or in a preserved
	// one when not running as root). Options.SkipUnsupported skips them
	// instead.
	ErrUnsupportedFile = errors.New("layer: unsupported file type")
	// ErrFileChanged: a file or folder changed between Scan and Write:
	// its type, its identity (replaced, or swapped for a symbolic link)
	// or its size.
	ErrFileChanged = errors.New("layer: file changed while it was packed")
	// ErrContentSize: the content of an entry (from FromEntries) is
	// shorter or longer than the entry's Size.
	ErrContentSize = errors.New("layer: content does not match the entry's size")
	// ErrInvalidName: an entry name that is empty, absolute, or holds
	// "." or ".." elements, empty elements or a NUL byte.
	ErrInvalidName = errors.New("layer: invalid entry name")
	// ErrReservedName: an entry whose base name starts with ".wh.",
	// which image-spec reserves for whiteouts.
	ErrReservedName = errors.New("layer: name reserved for whiteouts")
	// ErrDuplicate: two entries with the same name.
	ErrDuplicate = errors.New("layer: duplicate entry")
	// ErrConflict: a whiteout for a path that the layer also holds, or
	// holds something beneath; or an opaque whiteout in something that
	// is not a folder.
	ErrConflict = errors.New("layer: whiteout conflicts with an entry")
	// ErrHardLink: a hard link whose target is not a file written
	// earlier in the same layer.
	ErrHardLink = errors.New("layer: invalid hard link")
	// ErrCompression: a compression this package does not write.
	ErrCompression = errors.New("layer: unknown compression")
	// ErrInvalidOption: an option out of its range (a gzip level, a mode,
	// a nil or repeated digester).
	ErrInvalidOption = errors.New("layer: invalid option")
	// ErrInvalidEpoch: SOURCE_DATE_EPOCH is not a number of seconds.
	ErrInvalidEpoch = errors.New("layer: invalid SOURCE_DATE_EPOCH")
	// ErrReused: an entry made by [Reader] was written a second time.
	ErrReused = errors.New("layer: reader content already consumed")
)
