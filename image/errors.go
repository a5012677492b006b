package image

import "errors"

// Sentinel errors; errors of this package wrap one of these, or an
// error of core, layout or transport.
var (
	// ErrInvalidConfig: a config that is not a JSON object, or whose
	// members this package edits are not of config.md's types.
	ErrInvalidConfig = errors.New("image: invalid config")
	// ErrNotImage: a base that is not an image (an index with no
	// manifest for the platform, an artifact without an image config).
	ErrNotImage = errors.New("image: not an image")
)
