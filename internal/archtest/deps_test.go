package archtest

import (
	"bytes"
	"os/exec"
	"path"
	"strings"
	"testing"
)

const module = "github.com/concil-go/ocispec"

// allowed lists, for each of the module's packages (a trailing "/..."
// covers the subtree), the module packages it may import directly. The
// design: core imports nothing of ours; formats, digesters, layout,
// archive and plugins import core; layout, archive and plugins may use
// digesters; nothing
// imports benchmarks or cmd.
var allowed = map[string][]string{
	"core":              {},
	"core/coretest":     {"core"},
	"formats/oci":       {"core"},
	"formats/docker":    {"core"},
	"formats":           {"core", "formats/oci", "formats/docker"},
	"schema":            {"core"},
	"digesters":         {"core"},
	"layout":            {"core", "digesters"},
	"archive":           {"core", "digesters"},
	"plugins/...":       {"core", "core/coretest", "digesters", "plugins/..."},
	"internal/archtest": {},
	"cmd/...":           {"core", "formats/...", "formats", "schema", "digesters", "layout", "plugins/...", "cmd/...", "internal/..."},
	"benchmarks":        {"*"},
	"internal/...":      {"core", "digesters", "internal/..."},
}

// thirdParty lists, for the lower layers, the only non-standard modules
// their whole dependency graph may contain: an embedder that imports core
// and the formats links go-digest and image-spec's types and nothing
// else; go-plugin and gRPC stay inside plugins/.
var thirdParty = map[string][]string{
	"./core":        {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go"},
	"./formats/...": {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go"},
	"./digesters":   {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
	"./archive":     {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
	"./layout":      {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.Bytes())
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func match(pattern, pkg string) bool {
	if pattern == "*" {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pattern == pkg
}

func rulesFor(pkg string) ([]string, bool) {
	if r, ok := allowed[pkg]; ok {
		return r, true
	}
	best := ""
	for p := range allowed {
		if match(p, pkg) && len(p) > len(best) {
			best = p
		}
	}
	if best == "" {
		return nil, false
	}
	return allowed[best], true
}

func TestModuleImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("SKIPPING: the go command is not on PATH")
	}
	for _, line := range goList(t, "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		rules, ok := rulesFor(pkg)
		if !ok {
			t.Errorf("package %q has no dependency rule; add it to allowed", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			if match("benchmarks", dep) || match("cmd/...", dep) && !match("cmd/...", pkg) {
				t.Errorf("%s imports %s: nothing may import benchmarks or cmd", pkg, dep)
				continue
			}
			permitted := false
			for _, r := range rules {
				permitted = permitted || match(r, dep)
			}
			if !permitted {
				t.Errorf("%s imports %s, which its rule %v does not allow", pkg, dep, rules)
			}
		}
	}
}

func TestThirdPartyDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("SKIPPING: the go command is not on PATH")
	}
	for pattern, permitted := range thirdParty {
		for _, dep := range goList(t, "-deps", "-f", `{{if not .Standard}}{{.ImportPath}}{{end}}`, pattern) {
			if dep == "" || strings.HasPrefix(dep, module) {
				continue
			}
			ok := false
			for _, p := range permitted {
				ok = ok || dep == p || strings.HasPrefix(dep, p+"/") || strings.HasPrefix(path.Dir(dep), p)
			}
			if !ok {
				t.Errorf("%s links %s; its layer may link only %v", pattern, dep, permitted)
			}
		}
	}
}
