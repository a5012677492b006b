package layout

import (
	"errors"
	"fmt"

	"strings"

	"github.com/concil-go/ocispec/core"

	digest "github.com/opencontainers/go-digest"
)

// Sentinel errors. Errors returned by this package wrap one of these, or
// one of core's shared ones, with context naming the folder, file or
// blob; test with errors.Is. From core: core.ErrNotFound for a blob or
// file the layout refers to that is not there and for an image or tag
// no entry matches; core.ErrNotRegular for a blob or file that is a
// folder, device, pipe or socket; core.ErrDigestMismatch,
// core.ErrSizeMismatch, core.ErrInvalidDigest, core.ErrTooLarge.
var (
	// ErrNotLayout: the folder is neither an OCI image layout nor a dir:
	// image (no oci-layout file, no version file, or both).
	ErrNotLayout = errors.New("layout: not an image layout")
	// ErrUnsupportedVersion: oci-layout or the dir: version file names a
	// version this package does not read.
	ErrUnsupportedVersion = errors.New("layout: unsupported layout version")
	// ErrNotEmpty: a folder that is neither empty nor an image layout of
	// the wanted kind was chosen to be written into.
	ErrNotEmpty = errors.New("layout: folder is not empty and not an image layout of that kind")
	// ErrUnsafePath: a path would leave the layout's folder (a symbolic
	// link pointing outside, for example).
	ErrUnsafePath = errors.New("layout: path leaves the layout")
	// ErrNoImage: the layout holds no image (an empty index.json, a dir:
	// folder without manifest.json). It matches core.ErrNotFound.
	ErrNoImage = core.NewError("layout: no image in the layout", core.ErrNotFound)
	// ErrAmbiguous: several manifests match the selector and nothing
	// decides between them.
	ErrAmbiguous = errors.New("layout: selector matches several images")
	// ErrPlatformMismatch: the image chosen is for another platform than
	// the one asked for. It matches core.ErrNoMatchingPlatform and
	// core.ErrNotFound.
	ErrPlatformMismatch = core.NewError("layout: image is for another platform", core.ErrNoMatchingPlatform, core.ErrNotFound)
	// ErrNoTags: tags were asked of a dir: layout, which holds one image
	// and has no tags.
	ErrNoTags = errors.New("layout: dir: layouts have no tags")
	// ErrInvalidTag: a tag that is not of the OCI image layout's ref
	// grammar.
	ErrInvalidTag = errors.New("layout: invalid tag")
	// ErrNoSource: a blob a manifest refers to has no source to be
	// written from and is not in the layout already.
	ErrNoSource = errors.New("layout: no source for blob")
	// ErrInvalidReference: a "dir:PATH" or "oci:PATH[:TAG]" string that
	// does not parse.
	ErrInvalidReference = errors.New("layout: invalid reference")
)

// BlobError names the blob or file of a layout a problem is about. Path
// is slash-separated and relative to the layout's folder
// ("blobs/sha256/3f…", "manifest.json"); Digest is empty for files that
// are not content-addressed (index.json, version). Ref says what refers
// to the blob ("layers[1] of manifest sha256:…"), when known. Err is the
// problem; it wraps core's typed errors where they fit, so errors.As
// finds a *core.DigestMismatchError or *core.SizeMismatchError.
type BlobError struct {
	Path   string
	Digest digest.Digest
	Ref    string
	Err    error
}

func (e *BlobError) Error() string {
	var b strings.Builder
	b.WriteString("layout: ")
	switch {
	case e.Path != "":
		b.WriteString(e.Path)
	case e.Digest != "":
		b.WriteString(string(e.Digest))
	default:
		b.WriteString("<layout>")
	}
	if e.Ref != "" {
		fmt.Fprintf(&b, " (%s)", e.Ref)
	}
	b.WriteString(": ")
	b.WriteString(trimPrefix(e.Err))
	return b.String()
}

func (e *BlobError) Unwrap() error { return e.Err }

// trimPrefix drops a leading "layout: " from a wrapped error's text so
// that messages do not stutter.
func trimPrefix(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.TrimPrefix(err.Error(), "layout: ")
}

func blobErr(path string, d digest.Digest, ref string, err error) error {
	var be *BlobError
	if errors.As(err, &be) && be.Path == path && be.Digest == d {
		if be.Ref == "" && ref != "" {
			return &BlobError{Path: path, Digest: d, Ref: ref, Err: be.Err}
		}
		return err
	}
	return &BlobError{Path: path, Digest: d, Ref: ref, Err: err}
}
