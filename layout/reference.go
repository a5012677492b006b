package layout

import (
	"fmt"
	"strings"
)

// Reference names an image in a layout the way skopeo's transports do:
// "dir:PATH" or "oci:PATH[:TAG]", and also "oci:PATH:TAG@DIGEST" or
// "oci:PATH:@DIGEST". An OCI path may not contain ':' (as in skopeo).
type Reference struct {
	Kind     Kind
	Path     string
	Selector Selector
}

// ParseReference reads a reference such as "oci:/images/app:v1".
func ParseReference(s string) (Reference, error) {
	transport, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Reference{}, fmt.Errorf("%w: %q: want dir:PATH or oci:PATH[:TAG]", ErrInvalidReference, s)
	}
	kind, err := ParseKind(transport)
	if err != nil {
		return Reference{}, fmt.Errorf("%w: %q: transport %q (want dir or oci)", ErrInvalidReference, s, transport)
	}
	r := Reference{Kind: kind, Path: rest}
	if kind == OCI {
		path, sel, hasSel := strings.Cut(rest, ":")
		r.Path = path
		if hasSel {
			if sel == "" {
				return Reference{}, fmt.Errorf("%w: %q: empty tag after ':'", ErrInvalidReference, s)
			}
			if r.Selector, err = ParseSelector(sel); err != nil {
				return Reference{}, err
			}
		}
	}
	if r.Path == "" {
		return Reference{}, fmt.Errorf("%w: %q: empty path", ErrInvalidReference, s)
	}
	return r, nil
}

// String returns the reference as ParseReference reads it.
func (r Reference) String() string {
	s := r.Kind.String() + ":" + r.Path
	if sel := (Selector{Tag: r.Selector.Tag, Digest: r.Selector.Digest}).String(); sel != "" && r.Kind == OCI {
		s += ":" + sel
	}
	return s
}
