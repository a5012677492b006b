package sdk

import "errors"

// ErrInvalidFormat is reported (on standard error, before exiting) when
// Serve is given a nil or malformed format.
var ErrInvalidFormat = errors.New("sdk: invalid format")
