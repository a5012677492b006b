package unpack

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of these,
// a transport, core or fs error, or the context's, with the layer and
// the entry concerned; test with errors.Is. A [*LayerError] carries
// which layer and which entry.
var (
	// ErrUnsafePath: an entry whose name is absolute or holds "..", or
	// whose path or link would leave the folder (through a symbolic
	// link that points outside, say).
	ErrUnsafePath = errors.New("unpack: path outside the folder")
	// ErrHardLink: a hard link whose target is not there, is a folder,
	// or lies outside the folder.
	ErrHardLink = errors.New("unpack: invalid hard link")
	// ErrDevice: a character or block device in a layer, and
	// [Options.Devices] does not allow creating it (or the process is
	// not root).
	ErrDevice = errors.New("unpack: device node not allowed")
	// ErrUnsupportedEntry: a tar entry type that is no file system
	// object (a GNU multi-volume or unknown type).
	ErrUnsupportedEntry = errors.New("unpack: unsupported tar entry")
	// ErrNotLayer: a layer whose media type is no tar layer (an
	// encrypted one, an artifact blob), or whose bytes do not
	// decompress as its media type says.
	ErrNotLayer = errors.New("unpack: not a tar layer")
	// ErrDiffID: the uncompressed layer's digest is not the diffID the
	// image config gives for it.
	ErrDiffID = errors.New("unpack: layer does not match its diffID")
	// ErrNotEmpty: the folder to unpack into exists and is not empty.
	ErrNotEmpty = errors.New("unpack: folder not empty")
)

// LayerError says which layer, and which entry of it, a problem is
// about.
type LayerError struct {
	// Layer is the layer's position in the manifest, from 0.
	Layer int
	// Digest is the layer's digest.
	Digest string
	// Entry is the tar entry's name as the layer spells it; "" when the
	// problem is the layer's as a whole.
	Entry string
	Err   error
}

func (e *LayerError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("unpack: layer %d (%s): %v", e.Layer, e.Digest, e.Err)
	}
	return fmt.Sprintf("unpack: layer %d (%s): entry %q: %v", e.Layer, e.Digest, e.Entry, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }
