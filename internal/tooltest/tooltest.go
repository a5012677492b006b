// Package tooltest is how the module's tests use the real tools they
// check against (skopeo, umoci, oci-image-tool, python3, GNU tar...).
// A test that needs a tool calls [Need]: when the tool is missing the
// test is skipped with a message that names it, or fails when
// OCISPEC_REQUIRE_TOOLS is set (as CI sets it, having installed every
// tool). Every skip is also appended to the file that
// OCISPEC_SKIP_LOG names, so that the repository's test command can
// print what was skipped and why after the run, whatever go test's
// flags (go test shows a passing package's output only with -v).
//
//	func TestWithSkopeo(t *testing.T) {
//		skopeo := tooltest.Need(t, "skopeo")
//		...
//	}
package tooltest

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// EnvRequire, when set, turns a missing tool into a failure.
const EnvRequire = "OCISPEC_REQUIRE_TOOLS"

// EnvSkipLog names a file each skip is appended to, one line each.
const EnvSkipLog = "OCISPEC_SKIP_LOG"

// Need returns the path of tool, or skips (or, with EnvRequire, fails)
// t when it is not installed.
func Need(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	if os.Getenv(EnvRequire) != "" {
		t.Fatalf("%s is not installed and %s is set", tool, EnvRequire)
	}
	Skipf(t, "%s is not installed (.ci/run installs it with apt-get)", tool)
	return ""
}

// Skipf skips t with the reason given, recorded in the skip log. Use it
// for skips that are not a missing tool (a tool too old for a case,
// found by probing it), which EnvRequire does not turn into failures.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	record(t.Name(), reason)
	t.Skip("SKIPPING: " + reason)
}

var mu sync.Mutex

func record(name, reason string) {
	path := os.Getenv(EnvSkipLog)
	if path == "" {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s: %s\n", name, reason)
}
