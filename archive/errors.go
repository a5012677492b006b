package archive

import (
	"errors"
	"fmt"
	"strings"

	"github.com/concil-go/ocispec/core"
)

// Sentinel errors. Errors returned by this package wrap one of these (or
// one of core's, such as core.ErrTooLarge and
// core.ErrDigestMismatch) with context naming the entry, usually as an
// [*EntryError]; test with errors.Is.
var (
	// ErrNotTar: the bytes are not a tar archive (no valid header where
	// the first one should be).
	ErrNotTar = errors.New("archive: not a tar archive")
	// ErrInvalidHeader: a tar header is malformed (its checksum does not
	// match its bytes, a number field does not parse, ...).
	ErrInvalidHeader = errors.New("archive: invalid tar header")
	// ErrTruncated: the archive ends inside an entry's data or header.
	ErrTruncated = errors.New("archive: truncated archive")
	// ErrUnsafePath: an entry's name, or a link's target, leaves the
	// archive's root (an absolute name, a ".." element).
	ErrUnsafePath = errors.New("archive: path leaves the archive")
	// ErrInvalidName: an entry's name is empty or holds a NUL byte.
	ErrInvalidName = errors.New("archive: invalid entry name")
	// ErrDuplicate: two entries have the same name once cleaned.
	ErrDuplicate = core.NewError("archive: duplicate entry", core.ErrAlreadyExists)
	// ErrNotFound: no entry has the name asked for, or a link's target is
	// not in the archive.
	ErrNotFound = core.NewError("archive: no such entry", core.ErrNotFound)
	// ErrNotRegular: a regular file was expected and the entry is a
	// directory, a device, a named pipe, a sparse file or of a type this
	// package does not read.
	ErrNotRegular = core.NewError("archive: not a regular file", core.ErrNotRegular)
	// ErrLinkLoop: following links from a name never reaches a file.
	ErrLinkLoop = errors.New("archive: too many links")
	// ErrLimit: the archive has more entries, or longer names in total,
	// than the Options allow.
	ErrLimit = errors.New("archive: limit exceeded")
	// ErrCompressed: a compressed archive was given to be read in place;
	// it can only be read as a [Stream].
	ErrCompressed = errors.New("archive: compressed archive cannot be read in place (read it as a stream)")
	// ErrUnsupportedCompression: the archive is compressed with something
	// other than gzip or zstd (xz, bzip2). It wraps errors.ErrUnsupported.
	ErrUnsupportedCompression = fmt.Errorf("archive: unsupported compression (%w)", errors.ErrUnsupported)
	// ErrInvalidDocument: manifest.json or repositories does not follow
	// its grammar.
	ErrInvalidDocument = errors.New("archive: invalid document")
	// ErrUnknownLayout: the archive is neither an OCI image layout nor a
	// docker save archive of any generation.
	ErrUnknownLayout = errors.New("archive: unknown archive layout")
	// ErrSourceChanged: a file given to the writer changed size while it
	// was written.
	ErrSourceChanged = errors.New("archive: source changed while it was written")
)

// EntryError names the entry of an archive a problem is about. Offset is
// where the entry's header starts in the (uncompressed) tar stream, or
// -1 when it is not known. Err is the problem; it wraps one of the
// sentinels above or one of core's typed errors.
type EntryError struct {
	Name   string
	Offset int64
	Err    error
}

func (e *EntryError) Error() string {
	var b strings.Builder
	b.WriteString("archive: entry ")
	fmt.Fprintf(&b, "%q", e.Name)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (header at offset %d)", e.Offset)
	}
	b.WriteString(": ")
	if e.Err == nil {
		b.WriteString("<nil>")
	} else {
		// Wrapped sentinels each start with the package's prefix: say it
		// once.
		b.WriteString(strings.ReplaceAll(strings.TrimPrefix(e.Err.Error(), "archive: "), ": archive: ", ": "))
	}
	return b.String()
}

func (e *EntryError) Unwrap() error { return e.Err }

func entryErr(name string, off int64, err error) error {
	var ee *EntryError
	if errors.As(err, &ee) && ee.Name == name {
		return err
	}
	return &EntryError{Name: name, Offset: off, Err: err}
}

// pathError names the file on disk an error is about.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string {
	return "archive: " + e.path + ": " + strings.TrimPrefix(e.err.Error(), "archive: ")
}

func (e *pathError) Unwrap() error { return e.err }
