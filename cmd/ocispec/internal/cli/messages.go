package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// What people read: the command's messages name what is wrong and what
// to do, in the command's words. Errors from the library carry their
// package's prefix ("core: ", "layout: "), which says nothing to someone
// at a terminal; userMessage drops them.

// internalPrefix matches a prefix of one of the module's packages at
// the start of a message or of a wrapped part of it.
var internalPrefix = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(^|: |\()(?:core|cli|layout|digesters|archive|hashbench|plugins|sdk|wire|schema|transport|layer|unpack|image|formats|oci|docker|orasbridge): `)
})

// userMessage is err's text without the module's package prefixes.
func userMessage(err error) string {
	s := err.Error()
	for {
		t := internalPrefix().ReplaceAllString(s, "$1")
		if t == s {
			return s
		}
		s = t
	}
}

// suggest returns the choice closest to s when it is near enough to be
// a misspelling (an edit distance of at most 2, or a prefix), or "".
func suggest(s string, choices []string) string {
	best, bestDist := "", 3
	for _, c := range choices {
		if c == s {
			return ""
		}
		d := distance(strings.ToLower(s), strings.ToLower(c))
		if strings.HasPrefix(c, s) && len(s) >= 2 {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean is " (did you mean X?)" for the suggestion of s, or "".
func didYouMean(s string, choices []string) string {
	if c := suggest(s, choices); c != "" {
		return fmt.Sprintf("; did you mean %q?", c)
	}
	return ""
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// flagError turns pflag's errors about the command line into usage
// errors, suggesting the flag meant when one is misspelt.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	var name string
	switch {
	case strings.HasPrefix(msg, "unknown flag: --"):
		name = strings.TrimPrefix(msg, "unknown flag: --")
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		return &usageError{err}
	default:
		return &usageError{err}
	}
	var flags []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			flags = append(flags, f.Name)
		}
	})
	if c := suggest(name, flags); c != "" {
		return usagef("unknown flag --%s (did you mean --%s?)", name, c)
	}
	return usagef("unknown flag --%s (see %s --help for the flags)", name, cmd.CommandPath())
}

// algorithmFlag checks a digest algorithm given on the command line: an
// algorithm no digester serves is a usage error listing those there are.
func algorithmFlag(s string) (digest.Algorithm, error) {
	alg := digest.Algorithm(s)
	if core.DefaultAlgorithms.Available(alg) {
		return alg, nil
	}
	var known []string
	for _, a := range core.DefaultAlgorithms.Names() {
		known = append(known, string(a))
	}
	return "", usagef("--algorithm %q is not a digest algorithm this command computes (known: %s%s)", s, strings.Join(known, ", "), didYouMean(s, known))
}

// withPermissiveHint adds, to an error about what a target format cannot
// say, how to write it anyway.
func withPermissiveHint(err error) error {
	if err != nil && errors.Is(err, core.ErrNotConvertible) {
		return fmt.Errorf("%w\n(--permissive writes the target's names for such kinds and drops the fields it lacks)", err)
	}
	return err
}
