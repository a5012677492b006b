package wire

import (
	"errors"
	"strings"
	"unicode"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
)

const (
	// MaxErrorMessage is the most of a plugin's error message a host
	// keeps, in bytes.
	MaxErrorMessage = 1 << 10
	// MaxProblems is the most field problems a host keeps.
	MaxProblems = 100
)

// errorCodes maps protocol error codes to core's sentinels. ErrorToProto
// picks the first that matches, so document-level codes come before the
// descriptor-level ones they usually wrap.
var errorCodes = []struct {
	code formatpb.ErrorCode
	err  error
}{
	{formatpb.ErrorCode_ERROR_CODE_NOT_MANIFEST, core.ErrNotManifest},
	{formatpb.ErrorCode_ERROR_CODE_NOT_INDEX, core.ErrNotIndex},
	{formatpb.ErrorCode_ERROR_CODE_UNKNOWN_DOCUMENT, core.ErrUnknownDocument},
	{formatpb.ErrorCode_ERROR_CODE_DOCUMENT_TOO_LARGE, core.ErrTooLarge},
	{formatpb.ErrorCode_ERROR_CODE_INVALID_DOCUMENT, core.ErrInvalidDocument},
	{formatpb.ErrorCode_ERROR_CODE_NOT_CONVERTIBLE, core.ErrNotConvertible},
	{formatpb.ErrorCode_ERROR_CODE_UNKNOWN_ENCODING, core.ErrUnknownEncoding},
	{formatpb.ErrorCode_ERROR_CODE_UNSUPPORTED, errors.ErrUnsupported},
	{formatpb.ErrorCode_ERROR_CODE_SIZE_MISMATCH, core.ErrSizeMismatch},
	{formatpb.ErrorCode_ERROR_CODE_DIGEST_MISMATCH, core.ErrDigestMismatch},
	{formatpb.ErrorCode_ERROR_CODE_INVALID_DIGEST, core.ErrInvalidDigest},
	{formatpb.ErrorCode_ERROR_CODE_UNSUPPORTED_DIGEST, core.ErrUnknownAlgorithm},
	{formatpb.ErrorCode_ERROR_CODE_INVALID_MEDIA_TYPE, core.ErrInvalidMediaType},
}

// legacyCodes are codes hosts still read but no longer write.
var legacyCodes = map[formatpb.ErrorCode]error{
	formatpb.ErrorCode_ERROR_CODE_MIXED_DOCUMENT:     core.ErrInvalidDocument,
	formatpb.ErrorCode_ERROR_CODE_INVALID_DESCRIPTOR: core.ErrInvalidDocument,
}

// codeOf returns the protocol code of err.
func codeOf(err error) formatpb.ErrorCode {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return formatpb.ErrorCode_ERROR_CODE_UNSPECIFIED
}

// sentinelOf returns core's sentinel for a code, nil for
// ERROR_CODE_UNSPECIFIED and codes this version does not know.
func sentinelOf(code formatpb.ErrorCode) error {
	for _, c := range errorCodes {
		if c.code == code {
			return c.err
		}
	}
	return legacyCodes[code]
}

// ErrorToProto describes err for the host: its code, its message, and
// one problem per *core.FieldError it holds.
func ErrorToProto(err error) *formatpb.Error {
	pe := &formatpb.Error{Code: codeOf(err), Message: err.Error()}
	for _, p := range core.Problems(err) {
		var fe *core.FieldError
		if errors.As(p, &fe) && fe.Field != "" {
			pe.Problems = append(pe.Problems, &formatpb.FieldProblem{
				Field: fe.Field, Message: fe.Err.Error(), Code: codeOf(fe.Err),
			})
		}
		if len(pe.Problems) == MaxProblems {
			break
		}
	}
	return pe
}

// ErrorFromProto rebuilds a plugin's error for the host's callers: it
// matches core's sentinel for its code with errors.Is, and each problem
// is a *core.FieldError (whose error matches its own code's sentinel),
// so core.Problems lists them. The message is cleaned and cut to
// MaxErrorMessage bytes, the problems to MaxProblems.
func ErrorFromProto(pe *formatpb.Error) error {
	e := &RemoteError{Message: Clean(pe.GetMessage(), MaxErrorMessage)}
	if e.Message == "" {
		e.Message = "the plugin gave no message"
	}
	if s := sentinelOf(pe.GetCode()); s != nil {
		e.errs = append(e.errs, s)
	}
	for i, p := range pe.GetProblems() {
		if i == MaxProblems {
			break
		}
		pe := &RemoteError{Message: Clean(p.GetMessage(), MaxErrorMessage)}
		if s := sentinelOf(p.GetCode()); s != nil {
			pe.errs = []error{s}
		}
		e.errs = append(e.errs, &core.FieldError{Field: Clean(p.GetField(), 256), Err: pe})
	}
	return e
}

// RemoteError is an error a plugin reported. It matches the sentinels
// and wraps the field errors that ErrorFromProto found.
type RemoteError struct {
	Message string
	errs    []error
}

func (e *RemoteError) Error() string   { return e.Message }
func (e *RemoteError) Unwrap() []error { return e.errs }

// Clean makes text from a plugin safe to show: valid UTF-8, no control
// characters but newlines and tabs, at most max bytes (cut at a rune
// boundary, marked with "...").
func Clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return '\uFFFD'
	}, s)
	if len(s) <= max {
		return s
	}
	cut := max - len("...")
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
