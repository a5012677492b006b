package unpack

import (
	"fmt"
	"path"
	"strings"
)

// Whiteout names, as image-spec's layer.md spells them.
const (
	whiteoutPrefix = ".wh."
	opaqueWhiteout = ".wh..wh..opq"
)

// cleanName returns a tar entry's name as a path relative to the
// folder ("." for the folder itself): "./" prefixes, a trailing slash,
// "." and empty elements dropped. An absolute name, a ".." element or a
// NUL byte is an error wrapping ErrUnsafePath.
func cleanName(name string) (string, error) {
	switch {
	case strings.HasPrefix(name, "/"):
		return "", fmt.Errorf("%w: the name is absolute", ErrUnsafePath)
	case strings.IndexByte(name, 0) >= 0:
		return "", fmt.Errorf("%w: the name holds a NUL byte", ErrUnsafePath)
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "", fmt.Errorf("%w: the name holds \"..\"", ErrUnsafePath)
		}
	}
	return path.Clean("./" + name), nil
}
