package layer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/internal/leaktest"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layer"
	digest "github.com/opencontainers/go-digest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := findLeaks(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left running after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// findLeaks looks for goroutines other than the test's own, waiting up
// to ten seconds for ones that have signalled their end but not yet
// returned on a loaded machine.
func findLeaks() error { return leaktest.Find(nil, 10*time.Second) }

// verifyNone fails t when goroutines are left running; defer it.
func verifyNone(t *testing.T) {
	t.Helper()
	if err := findLeaks(); err != nil {
		t.Error(err)
	}
}

// withProcs runs f with GOMAXPROCS set to n.
func withProcs[T any](n int, f func() T) T {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	return f()
}

// run runs a command with stdin and returns its standard output.
func run(t testing.TB, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tooltest.Need(t, name), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

// sha256sum returns the digest of b as coreutils' sha256sum computes it.
func sha256sum(t testing.TB, b []byte) digest.Digest {
	t.Helper()
	f := strings.Fields(string(run(t, b, "sha256sum")))
	return digest.Digest("sha256:" + f[0])
}

// build writes the layer of the sources to memory.
func build(t testing.TB, opts layer.Options, sources ...layer.Source) (layer.Layer, []byte) {
	t.Helper()
	var buf bytes.Buffer
	l, err := layer.Build(context.Background(), &buf, opts, sources...)
	if err != nil {
		t.Fatalf("Build(%+v): %v", opts, err)
	}
	return l, buf.Bytes()
}

// decompress uncompresses a layer with the reference tool.
func decompress(t testing.TB, c core.Compression, b []byte) []byte {
	t.Helper()
	switch c {
	case core.Gzip:
		return run(t, b, "gzip", "-d", "-c")
	case core.Zstd:
		return run(t, b, "zstd", "-d", "-c", "-q")
	}
	return b
}

// tarList returns GNU tar's verbose listing of a tar stream, one line
// per entry.
func tarList(t testing.TB, tarball []byte, args ...string) []string {
	t.Helper()
	out := run(t, tarball, "tar", append([]string{"--numeric-owner", "--full-time", "-tv"}, args...)...)
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

var compressions = []core.Compression{core.Uncompressed, core.Gzip, core.Zstd}

var time2020 = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }
