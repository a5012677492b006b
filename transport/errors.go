package transport

import (
	"errors"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// Sentinel errors. Errors of this package wrap one of these, or one of
// core's shared ones (core.ErrNotFound for an image or blob that is not
// there, core.ErrDigestMismatch, core.ErrTooLarge, ...), or one of the
// layout and archive packages' errors, with context naming the
// reference, image or blob; test with errors.Is.
var (
	// ErrUnknownTransport: a reference starts with a word that is no
	// transport ("ocidir:", "docker-daemon:"); the message names the
	// supported ones.
	ErrUnknownTransport = errors.New("transport: unknown transport")
	// ErrInvalidReference: a reference of a known transport that does
	// not parse.
	ErrInvalidReference = errors.New("transport: invalid reference")
	// ErrAmbiguous: the reference names no image, and the source holds
	// several; the message lists them. It matches layout.ErrAmbiguous.
	ErrAmbiguous = core.NewError("transport: several images and none named", layout.ErrAmbiguous)
	// ErrPartial: Copy left out manifests of an index whose content the
	// source lacks (an export of some platforms only).
	ErrPartial = errors.New("transport: source holds part of the image")
	// ErrUnsupported: the destination cannot store what is asked (several
	// images in a dir: layout, say). It matches errors.ErrUnsupported.
	// ErrReferrers: a copy in another digest algorithm was asked for an
	// image that has referrers (signatures, attestations) in the source,
	// which name its old digests.
	ErrReferrers   = errors.New("transport: the image has referrers that name its digests")
	ErrUnsupported = core.NewError("transport: not supported by the destination", errors.ErrUnsupported)
)
