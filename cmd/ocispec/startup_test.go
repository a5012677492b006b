package main

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// initCost is one package's initialisation, as GODEBUG=inittrace=1
// reports it: "init PKG @T ms, C ms clock, B bytes, A allocs".
type initCost struct {
	pkg           string
	bytes, allocs int64
}

// initTrace runs the command with GODEBUG=inittrace=1 and returns the
// packages the runtime initialised, in order.
func initTrace(t *testing.T, args ...string) []initCost {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "OCISPEC_PLUGIN_DIR=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ocispec %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var costs []initCost
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// init PKG @T ms, C ms clock, B bytes, A allocs
		if len(f) != 11 || f[0] != "init" || f[8] != "bytes," || f[10] != "allocs" {
			continue
		}
		b, err1 := strconv.ParseInt(f[7], 10, 64)
		a, err2 := strconv.ParseInt(f[9], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("inittrace line %q does not parse", sc.Text())
		}
		costs = append(costs, initCost{f[1], b, a})
	}
	if len(costs) == 0 {
		t.Fatalf("ocispec %s with GODEBUG=inittrace=1 printed no init lines:\n%s", strings.Join(args, " "), out)
	}
	return costs
}

// TestStartupInit keeps heavy dependencies off start-up. Every command
// pays for the initialisation of every package linked into the binary,
// so the test reads the runtime's own trace of it (allocations are
// exact, unlike time): packages that must not be linked at all, and
// bounds on what the command's own packages and all packages allocate
// before main.
func TestStartupInit(t *testing.T) {
	t.Parallel()
	// Plotting and font libraries: the bench chart is written by hand.
	// jsonschema: package schema compiles image-spec's schema on first
	// use with its own validator.
	banned := []string{"gonum.org/", "codeberg.org/go-fonts/", "codeberg.org/go-latex/", "golang.org/x/image/", "git.sr.ht/~sbinet/", "github.com/golang/freetype", "github.com/santhosh-tekuri/jsonschema"}
	// oras-go's root package (oras.Copy and its 3,700 allocations): the
	// registry transport needs registry/remote only.
	bannedExactly := []string{"oras.land/oras-go/v2"}
	for _, args := range [][]string{{"--help"}, {"digest", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var ours, total initCost
			for _, c := range initTrace(t, args...) {
				for _, b := range banned {
					if strings.HasPrefix(c.pkg, b) {
						t.Errorf("package %s is initialised at start-up (%d allocations)", c.pkg, c.allocs)
					}
				}
				for _, b := range bannedExactly {
					if c.pkg == b {
						t.Errorf("package %s is initialised at start-up (%d allocations)", c.pkg, c.allocs)
					}
				}
				if strings.HasPrefix(c.pkg, "github.com/concil-go/ocispec") {
					ours.allocs += c.allocs
					ours.bytes += c.bytes
				}
				total.allocs += c.allocs
				total.bytes += c.bytes
			}
			t.Logf("init: ours %d allocs, %d bytes; all packages %d allocs, %d bytes", ours.allocs, ours.bytes, total.allocs, total.bytes)
			// The command's packages allocate about 350 times in init
			// (format registrations, flag sets, the plugin protocol's
			// descriptors); regular expressions are built on first use.
			if limit := int64(500); ours.allocs > limit {
				t.Errorf("the command's own packages allocate %d times in init, want at most %d: build values on first use (sync.OnceValue)", ours.allocs, limit)
			}
			// All packages: about 6,600 today, of which about 2,700 are
			// gRPC, protobuf and go-plugin's net/rpc with encoding/gob
			// (plugin hosting), 1,800 oras-go's registry package (its
			// reference expressions, for docker://) and 840 go-digest's
			// expressions; the bound stops new heavy initialisers.
			if limit := int64(8000); total.allocs > limit {
				t.Errorf("start-up allocates %d times in package init, want at most %d", total.allocs, limit)
			}
		})
	}
}
