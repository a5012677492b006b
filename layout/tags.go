package layout

import (
	"fmt"
	"strings"

	digest "github.com/opencontainers/go-digest"
)

// MaxRegistryTag is the longest tag of the distribution-spec's grammar.
const MaxRegistryTag = 128

// ValidateRegistryTag checks a tag against the distribution-spec's
// grammar, [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}: the tags a registry
// accepts, and so the ones that survive a copy to one. It is stricter
// than [ValidateTag] (index.json's ref.name, which admits '/' and 255
// characters). Errors wrap ErrInvalidTag.
func ValidateRegistryTag(tag string) error {
	switch {
	case tag == "":
		return fmt.Errorf("%w: empty", ErrInvalidTag)
	case len(tag) > MaxRegistryTag:
		return fmt.Errorf("%w: %q is %d characters, longer than the %d a registry takes", ErrInvalidTag, truncate(tag, 32), len(tag), MaxRegistryTag)
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		ok := isAlnum(c) || c == '_' || (i > 0 && (c == '.' || c == '-'))
		if !ok {
			if i == 0 {
				return fmt.Errorf("%w: %q starts with %q; a tag starts with a letter, a digit or '_'", ErrInvalidTag, truncate(tag, 64), c)
			}
			return fmt.Errorf("%w: %q has %q at %d; a tag holds letters, digits, '_', '.' and '-' only", ErrInvalidTag, truncate(tag, 64), c, i)
		}
	}
	return nil
}

// ReferrersTag is the tag of the distribution-spec's referrers tag
// schema for a subject: its algorithm truncated to 32 characters, '-',
// and its encoded part truncated to 64 ("sha256-<hex>"; a sha512 or
// blake3 subject's hex is cut to 64). Registries without the referrers
// API, and layouts, keep the index of a subject's referrers under it.
func ReferrersTag(subject digest.Digest) string {
	alg, enc, _ := strings.Cut(string(subject), ":")
	return truncateTo(alg, 32) + "-" + truncateTo(enc, 64)
}

func truncateTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
