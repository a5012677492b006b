package helmformat

import "errors"

// Errors of the Helm rules. They are returned wrapped together with
// core.ErrInvalidDocument, so callers that only know core can test for
// that.
var (
	ErrNotHelmConfig   = errors.New("helmformat: config is not a Helm chart config")
	ErrNoChart         = errors.New("helmformat: no chart layer")
	ErrTooManyCharts   = errors.New("helmformat: more than one chart layer")
	ErrTooManyProvs    = errors.New("helmformat: more than one provenance layer")
	ErrUnexpectedLayer = errors.New("helmformat: layer of a type Helm does not write")
)
