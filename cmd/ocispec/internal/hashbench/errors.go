package hashbench

import "errors"

// Sentinel errors.
var (
	// ErrInvalidSize: a blob size that does not parse or is out of range.
	ErrInvalidSize = errors.New("hashbench: invalid size")
	// ErrUnknownAlgorithm: an algorithm no built-in backend serves.
	ErrUnknownAlgorithm = errors.New("hashbench: unknown algorithm")
	// ErrPlotFormat: a chart file name whose extension is not a format
	// the chart is written in.
	ErrPlotFormat = errors.New("hashbench: unsupported chart format")
	// ErrNoResults: a chart of no measurements.
	ErrNoResults = errors.New("hashbench: nothing to plot")
)
