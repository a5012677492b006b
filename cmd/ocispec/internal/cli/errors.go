package cli

import (
	"errors"
	"fmt"
)

// Sentinel errors of the command.
var (
	// ErrProblems: verify or validate found problems, already listed.
	ErrProblems = errors.New("cli: problems found")
	// ErrNothingToPack: pack was given neither a folder nor a layer.
	ErrNothingToPack = errors.New("cli: nothing to pack")
	// ErrNoDiffID: a config cannot be made for a layer whose diffID
	// cannot be computed (an encrypted layer, a media type that is not a
	// tar layer).
	ErrNoDiffID = errors.New("cli: cannot compute the layer's diffID")
	// ErrKind: a layer kind the format does not know, or that does not
	// fit the layer's source.
	ErrKind = errors.New("cli: unusable layer kind")
	// ErrOutput: the output path cannot receive the result.
	ErrOutput = errors.New("cli: unusable output path")
	// ErrUnknownDocument: validate cannot tell what a file is.
	ErrUnknownDocument = errors.New("cli: unknown document type")
	// ErrPlugins: a plugin failed to load.
	ErrPlugins = errors.New("cli: plugins failed to load")
)

// usageError is an error about the command line (exit status 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

func unwrapUsage(err error) error {
	var ue *usageError
	if errors.As(err, &ue) {
		return ue.err
	}
	var ce *commandError
	if errors.As(err, &ce) {
		return ce.err
	}
	return err
}

// commandError marks an error returned by a command's own work (exit
// status 1), as opposed to cobra's errors about the command line.
type commandError struct{ err error }

func (e *commandError) Error() string { return e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

// reportedError is an error whose details the command has printed
// already (the problems of verify and validate): Main prints nothing
// more and exits with status 1.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }
