// Package archtest keeps the architecture true: which of the
// repository's packages may import which (an ordered graph, in the
// style of the standard library's go/build deps_test.go), which
// third-party modules the lower layers may link, and which modules an
// embedder's module graph gets.
package archtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/concil-go/ocispec"

// rules is the dependency graph of the repository's packages. "a, b < c"
// means c may import a and b and everything they may import; a package
// may import nothing of the repository that the rules do not allow,
// directly or through another. The layers read top to bottom: core is
// the contract and imports nothing of ours; the formats and digesters
// implement it; layout and plugins build on them; the command and the
// peer benchmarks sit on top, and nothing imports them. The rules bind
// what packages build into programs; their tests may also use any other
// package but cmd and benchmarks (conformance suites, other formats).
const rules = `
core, examples/hello-go, internal/leaktest, internal/archtest, internal/atomicfile, internal/tooltest, benchmarks/internal/benchdata, internal/registrytest;

core < core/coretest, formats/oci, formats/docker, digesters;
formats/oci, formats/docker < formats;
formats/oci, formats/docker, digesters, internal/atomicfile < layout;
digesters < archive;
digesters < layer;
layout, archive, internal/atomicfile < transport;
transport < orasbridge;
orasbridge < orasbridge/target;
transport < unpack;
layer, transport < image;
formats/oci, formats/docker < schema;

formats/oci, formats/docker, digesters < plugins/internal/formatpb;
plugins/internal/formatpb < plugins/internal/wire;
plugins/internal/wire < plugins;
plugins/internal/wire, core/coretest < plugins/sdk;
plugins, plugins/sdk < plugins/sdk/sdktest;
plugins/sdk, formats < plugins/examples/helm/helmformat;
plugins/examples/helm/helmformat < plugins/examples/helm;
plugins/sdk < plugins/internal/testplugins/faulty;

formats, transport, unpack, layer, image, schema, plugins, internal/atomicfile < cmd/ocispec/internal/progress, cmd/ocispec/internal/hashbench;
cmd/ocispec/internal/progress, cmd/ocispec/internal/hashbench, orasbridge < cmd/ocispec/internal/cli;
cmd/ocispec/internal/cli < cmd/ocispec;
cmd/ocispec/internal/linkonly, cmd/ocispec/internal/linkonly/goplugin;
cmd/ocispec/internal/progress, cmd/ocispec/internal/hashbench < cmd/ocispec/internal/linkonly/lib;
cmd/ocispec/internal/progress, cmd/ocispec/internal/hashbench, orasbridge < cmd/ocispec/internal/linkonly/oras, cmd/ocispec/internal/linkonly/plugins;

formats, transport, layer, schema, plugins, benchmarks/internal/benchdata < benchmarks;
layer, benchmarks/internal/benchdata < benchmarks/cmd/mklayer;
benchmarks/cmd/zstdfloor;
`

// graph parses rules into, for each package, the set it may import.
func graph(t *testing.T) map[string]map[string]bool {
	t.Helper()
	allowed := map[string]map[string]bool{}
	for _, stmt := range strings.Split(rules, ";") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		var below []string
		for i, group := range strings.Split(stmt, "<") {
			var names []string
			for _, n := range strings.Split(group, ",") {
				if n = strings.TrimSpace(n); n != "" {
					names = append(names, n)
				}
			}
			for _, n := range names {
				if allowed[n] != nil && i > 0 {
					t.Fatalf("rules: %s appears on the right of two rules", n)
				}
				if allowed[n] == nil {
					allowed[n] = map[string]bool{}
				}
				for _, b := range below {
					allowed[n][b] = true
					for d := range allowed[b] {
						allowed[n][d] = true
					}
				}
			}
			below = names
		}
	}
	return allowed
}

// modules returns the folders of the repository's Go modules.
func modules(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" {
			out = append(out, filepath.Dir(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// goList runs go list in dir, each module on its own (GOWORK=off), so
// that a module that builds only inside the workspace fails here.
func goList(t *testing.T, dir string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v in %s: %v\n%s", args, dir, err, stderr.Bytes())
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func needGo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("SKIPPING: the go command is not on PATH")
	}
}

// TestImports checks every import of every package of every module
// (tests included) against the rules.
func TestImports(t *testing.T) {
	needGo(t)
	allowed := graph(t)
	for _, dir := range modules(t) {
		lines := goList(t, dir, "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .TestImports " "}} {{join .XTestImports " "}}`, "./...")
		for _, line := range lines {
			parts := strings.SplitN(line, "|", 3)
			pkg := strings.TrimPrefix(strings.TrimPrefix(parts[0], module), "/")
			rule, ok := allowed[pkg]
			if !ok {
				t.Errorf("package %q has no dependency rule; add it to rules", pkg)
				continue
			}
			check := func(imps string, test bool) {
				for _, imp := range strings.Fields(imps) {
					if !strings.HasPrefix(imp, module+"/") {
						continue
					}
					dep := strings.TrimPrefix(imp, module+"/")
					switch {
					case dep == pkg || strings.HasPrefix(dep, pkg+"_test"):
					case dep == "benchmarks" || strings.HasPrefix(dep, "cmd/") && !strings.HasPrefix(pkg, "cmd/"):
						t.Errorf("%s imports %s: nothing may import benchmarks or cmd", pkg, dep)
					case test:
						// Tests may use any package below cmd and
						// benchmarks: conformance suites, other formats.
					case !rule[dep]:
						t.Errorf("%s imports %s, which the rules do not allow", pkg, dep)
					}
				}
			}
			check(parts[1], false)
			check(parts[2], true)
		}
	}
}

// thirdParty lists, for the lower layers, the only non-standard modules
// their whole dependency graph may contain: an embedder that imports core
// and the formats links go-digest and image-spec's types and nothing
// else; go-plugin and gRPC stay inside plugins/.
var thirdParty = map[string][]string{
	"./core":        {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go"},
	"./formats/...": {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go"},
	"./digesters":   {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
	"./layer":       {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
	"./archive":     {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
	"./transport":   {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
	"./unpack":      {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
	"./layout":      {"github.com/opencontainers/go-digest", "github.com/opencontainers/image-spec/specs-go", "github.com/minio/sha256-simd", "github.com/klauspost/cpuid", "github.com/zeebo/blake3", "github.com/klauspost/compress", "golang.org/x/sys", "golang.org/x/sync"},
}

func TestThirdPartyDependencies(t *testing.T) {
	needGo(t)
	for pattern, permitted := range thirdParty {
		for _, dep := range goList(t, "../..", "-deps", "-f", `{{if not .Standard}}{{.ImportPath}}{{end}}`, pattern) {
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

// embedderModules is the whole module graph of an embedder that imports
// core, formats, digesters and layout: those packages' real
// requirements, and nothing of the command, the plugin host, the schema
// validator or the peer benchmarks. Four of them are not ours to choose:
// the module graph also holds what our requirements' own go.mod files
// require (image-spec's for its schema package and docs, blake3's for
// its tests); none of them is built into the embedder's program.
var embedderModules = []string{
	"github.com/concil-go/ocispec",
	"github.com/klauspost/compress",
	"github.com/klauspost/cpuid/v2",
	"github.com/minio/sha256-simd",
	"github.com/opencontainers/go-digest",
	"github.com/opencontainers/image-spec",
	"github.com/russross/blackfriday",          // image-spec's go.mod
	"github.com/santhosh-tekuri/jsonschema/v5", // image-spec's go.mod
	"github.com/zeebo/assert",                  // blake3's go.mod
	"github.com/zeebo/blake3",
	"github.com/zeebo/pcg", // blake3's go.mod
	"golang.org/x/sync",
	"golang.org/x/sys",
}

// TestEmbedderModuleGraph builds a fresh consumer module that imports
// the library's packages and checks `go list -m all` against
// embedderModules. It needs the modules in the module cache or the
// module proxy.
func TestEmbedderModuleGraph(t *testing.T) {
	needGo(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": fmt.Sprintf("module example.com/embedder\n\ngo 1.26.0\n\nrequire %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n", module, module, root),
		"main.go": `package main

import (
	"github.com/concil-go/ocispec/core"
	_ "github.com/concil-go/ocispec/digesters"
	_ "github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/layout"
)

func main() { _, _ = core.Default, layout.OCI }
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("mod", "tidy")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(run("list", "-m", "-f", "{{.Path}}", "all")), "\n") {
		if line != "example.com/embedder" {
			got = append(got, line)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, embedderModules) {
		t.Errorf("go list -m all of an embedder of core, formats, digesters and layout = %d modules\n%s\nwant %d:\n%s",
			len(got), strings.Join(got, "\n"), len(embedderModules), strings.Join(embedderModules, "\n"))
	}
}
