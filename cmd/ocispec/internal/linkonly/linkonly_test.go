package linkonly

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const (
	orasbridge = "github.com/concil-go/ocispec/orasbridge"
	plugins    = "github.com/concil-go/ocispec/plugins"
)

// golist runs go list -f format on the packages and returns the
// fields of its output.
func golist(t *testing.T, format string, pkgs ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-f", format}, pkgs...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", strings.Join(pkgs, " "), err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", strings.Join(pkgs, " "), err)
	}
	return strings.Fields(string(out))
}

// TestLinkOnly checks that each program imports what the command's code
// imports (the cli package and the main package), less what its doc
// leaves out, and that what it leaves out is not linked through another
// package.
func TestLinkOnly(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("TestLinkOnly needs the go command on PATH")
	}
	const imports = `{{join .Imports " "}}`
	want := golist(t, imports, "../cli", "../..")
	slices.Sort(want)
	want = slices.Compact(want)
	want = slices.DeleteFunc(want, func(p string) bool {
		return strings.HasPrefix(p, "github.com/concil-go/ocispec/cmd/ocispec/internal/cli")
	})
	for _, c := range []struct {
		prog     string
		without  []string // imports of the command left out
		unlinked []string // module paths no dependency may come from
	}{
		{"lib", []string{orasbridge, plugins}, []string{"oras.land/", "github.com/hashicorp/go-plugin", "google.golang.org/grpc"}},
		{"oras", []string{plugins}, []string{"github.com/hashicorp/go-plugin", "google.golang.org/grpc"}},
		{"plugins", nil, nil},
	} {
		t.Run(c.prog, func(t *testing.T) {
			exp := slices.DeleteFunc(slices.Clone(want), func(p string) bool { return slices.Contains(c.without, p) })
			got := golist(t, imports, "./"+c.prog)
			slices.Sort(got)
			if !slices.Equal(got, exp) {
				t.Errorf("%s imports what the command does not: %v; misses what it does: %v (update the program's import list)",
					c.prog, minus(got, exp), minus(exp, got))
			}
			for _, dep := range golist(t, `{{join .Deps " "}}`, "./"+c.prog) {
				for _, u := range c.unlinked {
					if strings.HasPrefix(dep, u) {
						t.Errorf("%s links %s, which its doc says it leaves out", c.prog, dep)
					}
				}
			}
		})
	}
}

// TestGoPluginAlone checks that program goplugin imports go-plugin
// only and links no package of this repository.
func TestGoPluginAlone(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("TestGoPluginAlone needs the go command on PATH")
	}
	if got := golist(t, `{{join .Imports " "}}`, "./goplugin"); !slices.Equal(got, []string{"github.com/hashicorp/go-plugin"}) {
		t.Errorf("goplugin imports %v, want github.com/hashicorp/go-plugin alone", got)
	}
	for _, dep := range golist(t, `{{join .Deps " "}}`, "./goplugin") {
		if strings.HasPrefix(dep, "github.com/concil-go/ocispec") || strings.HasPrefix(dep, "github.com/spf13/") {
			t.Errorf("goplugin links %s; it should link go-plugin and its dependencies only", dep)
		}
	}
}

// minus returns the elements of a not in b.
func minus(a, b []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(p string) bool { return slices.Contains(b, p) })
}
