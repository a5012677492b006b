package archive

import (
	"regexp"
	"strings"
	"testing"
)

// The distribution project's expressions for a tag and a hex ID, which
// validTag and validHex64 implement without compiling a regexp at start.
var (
	distributionTag   = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	distributionHex64 = regexp.MustCompile(`^[a-f0-9]{64}$`)
)

func FuzzTagAndHexGrammar(f *testing.F) {
	for _, s := range []string{
		"", "latest", "v1.2.3", "_x", ".x", "-x", "a-b.c_d", "a b", "a\n", "é",
		strings.Repeat("a", 128), strings.Repeat("a", 129),
		strings.Repeat("ab", 32), strings.Repeat("AB", 32), strings.Repeat("a", 63), strings.Repeat("0", 65),
		strings.Repeat("0", 63) + "g", strings.Repeat("0", 63) + "\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validTag(s), distributionTag.MatchString(s); got != want {
			t.Errorf("validTag(%q) = %v, want %v", s, got, want)
		}
		if got, want := validHex64(s), distributionHex64.MatchString(s); got != want {
			t.Errorf("validHex64(%q) = %v, want %v", s, got, want)
		}
	})
}
