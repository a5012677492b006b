package orasbridge

import "errors"

// Sentinel errors. The registry transport's errors wrap one of these, or
// one of core's shared ones (core.ErrNotFound for a tag, manifest or
// blob the registry does not have, core.ErrSizeMismatch and
// core.ErrDigestMismatch for content that is not what its descriptor
// says, core.ErrTooLarge), with the reference and what was asked; test
// with errors.Is. oras-go's own error is kept in the chain.
var (
	// ErrUnauthorized: the registry refused the request (401 or 403):
	// no credentials, or wrong ones.
	ErrUnauthorized = errors.New("orasbridge: the registry refused access")
	// ErrCredentials: Docker's config.json could not be read.
	ErrCredentials = errors.New("orasbridge: cannot read the credentials")
)
