package main

// End-to-end tests: TestMain builds the command (with the race detector
// when the tests run with it) and the example Helm plugin, and the tests
// run the binary as a user would.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/concil-go/ocispec/internal/tooltest"
	digest "github.com/opencontainers/go-digest"
)

var (
	// binary is the command built by TestMain.
	binary string
	// helmPlugin is the example Helm plugin built by TestMain, "" when
	// it could not be built.
	helmPlugin string
	// helmBuildErr says why it could not.
	helmBuildErr error
	// repoRoot is the repository's top folder.
	repoRoot string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if _, err := exec.LookPath("go"); err != nil {
		fmt.Fprintln(os.Stderr, "SKIPPING the end-to-end tests of cmd/ocispec: the go command is not on PATH, so the command cannot be built")
		return 0
	}
	dir, err := os.MkdirTemp("", "ocispec-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repoRoot = filepath.Clean(filepath.Join(wd, "..", ".."))
	binary = filepath.Join(dir, "ocispec")
	if out, err := goBuild(binary, "."); err != nil {
		fmt.Fprintf(os.Stderr, "building the command: %v\n%s", err, out)
		return 1
	}
	helm := filepath.Join(dir, "plugins", "helm")
	if out, err := goBuild(helm, filepath.Join(repoRoot, "plugins", "examples", "helm")); err != nil {
		helmBuildErr = fmt.Errorf("%v\n%s", err, out)
	} else {
		helmPlugin = helm
	}
	return m.Run()
}

// envCoverDir, when set to a folder, makes the tests build the command
// with -cover and write the coverage of every run there, for
// go tool covdata: the end-to-end runs are where most of the command's
// code is reached, which go test -cover of this package cannot see.
const envCoverDir = "OCISPEC_COVERDIR"

func goBuild(out, pkg string) ([]byte, error) {
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	if os.Getenv(envCoverDir) != "" && pkg == "." {
		args = append(args, "-cover", "-coverpkg=github.com/concil-go/ocispec/...")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = repoRoot
	if pkg == "." {
		cmd.Dir = filepath.Join(repoRoot, "cmd", "ocispec")
	}
	return cmd.CombinedOutput()
}

// result is what one run of the command gave.
type result struct {
	stdout, stderr string
	code           int
}

// runIn runs the command in dir with args and the environment env
// (added to the test's, with OCISPEC_PLUGIN_DIR cleared). It fails the
// test if the command panicked or printed a stack trace.
func runIn(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "OCISPEC_PLUGIN_DIR="), env...)
	if d := os.Getenv(envCoverDir); d != "" {
		cmd.Env = append(cmd.Env, "GOCOVERDIR="+d)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("ocispec %s: %v", strings.Join(args, " "), err)
	}
	noCrash(t, args, r.stderr)
	return r
}

func noCrash(t *testing.T, args []string, stderr string) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine ", ".go:", "internal error"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("ocispec %s printed %q on stderr:\n%s", strings.Join(args, " "), bad, stderr)
		}
	}
}

// run runs the command in the repository's top folder.
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runIn(t, repoRoot, nil, args...)
}

// ok runs the command and fails the test unless it exits 0.
func ok(t *testing.T, args ...string) result {
	t.Helper()
	r := run(t, args...)
	if r.code != 0 {
		t.Fatalf("ocispec %s: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// fails runs the command and checks its exit status and that stderr
// mentions each of want.
func fails(t *testing.T, code int, want []string, args ...string) result {
	t.Helper()
	r := run(t, args...)
	if r.code != code {
		t.Errorf("ocispec %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("ocispec %s: stderr lacks %q:\n%s", strings.Join(args, " "), w, r.stderr)
		}
	}
	if !strings.HasPrefix(r.stderr, "ocispec: ") {
		t.Errorf("ocispec %s: stderr does not start with \"ocispec: \":\n%s", strings.Join(args, " "), r.stderr)
	}
	return r
}

// jsonLine decodes the one line of JSON r printed on stdout into v.
func jsonLine(t *testing.T, r result, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("stdout has %d lines, want 1 line of JSON:\n%s", len(lines), r.stdout)
	}
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not the JSON expected: %v\n%s", err, r.stdout)
	}
}

// imageLine is what pack and convert print.
type imageLine struct {
	Path      string `json:"path"`
	Layout    string `json:"layout"`
	Format    string `json:"format"`
	Tag       string `json:"tag"`
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

// pack runs pack with args and returns its result line.
func pack(t *testing.T, args ...string) imageLine {
	t.Helper()
	r := ok(t, append([]string{"pack"}, args...)...)
	var line imageLine
	jsonLine(t, r, &line)
	return line
}

// copyTree copies the folder src to dst with the given file mode bits
// and times, so tests can check what a layer does not depend on.
func copyTree(t *testing.T, src, dst string, perm fs.FileMode, mtime time.Time) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mode := perm
		if fi.Mode()&0o100 != 0 {
			mode |= 0o100
		}
		if err := os.WriteFile(target, b, mode); err != nil {
			return err
		}
		if err := os.Chmod(target, mode); err != nil {
			return err
		}
		return os.Chtimes(target, mtime, mtime)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// need skips the test, loudly, when tool is not installed.
func need(t *testing.T, tool string) string { t.Helper(); return tooltest.Need(t, tool) }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exampleDir() string { return filepath.Join(repoRoot, "examples", "hello") }

func digestOf(s string) digest.Digest { return digest.Digest(s) }

// bigInput writes n bytes that do not compress into a file of a new
// folder, so that packing it takes seconds.
func bigInput(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "big")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "noise.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rand.NewChaCha8([32]byte{1})
	buf := make([]byte, 1<<20)
	for written := 0; written < n; written += len(buf) {
		r.Read(buf)
		if _, err := f.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
