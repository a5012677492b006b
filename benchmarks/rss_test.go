package benchmarks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// childEnv makes the test binary a child that digests one file and
// exits: "ALGS:PATH", ALGS a +-separated list of algorithms.
const childEnv = "OCISPEC_BENCH_CHILD"

func runChild(spec string) int {
	algList, path, ok := strings.Cut(spec, ":")
	if !ok {
		fmt.Fprintln(os.Stderr, "bad", childEnv, spec)
		return 2
	}
	var algs []digest.Algorithm
	for _, a := range strings.Split(algList, "+") {
		algs = append(algs, digest.Algorithm(a))
	}
	res, err := digesters.DigestFile(context.Background(), path, algs...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(res.Size, res.Digests)
	return 0
}

// peakRSS runs the test binary as a child digesting path and returns
// its output and its peak resident set size in bytes, as the kernel
// accounts it (getrusage's ru_maxrss).
func peakRSS(tb testing.TB, algs, path string) (string, int64) {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+algs+":"+path)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("child digesting %s: %v", path, err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		tb.Skip("no rusage on this system")
	}
	return strings.TrimSpace(string(out)), ru.Maxrss * 1024
}

// TestChildDigest checks the child protocol BenchmarkPeakRSS relies on,
// on a small file.
func TestChildDigest(t *testing.T) {
	path := randomFile(t, 3*MiB, 5)
	out, rss := peakRSS(t, "sha256+sha512", path)
	res, err := digesters.DigestFile(context.Background(), path, core.SHA256, core.SHA512)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint(res.Size, res.Digests); out != want || rss <= 0 {
		t.Errorf("child = %q with peak RSS %d, want %q and a positive RSS", out, rss, want)
	}
}

// BenchmarkPeakRSS digests a 1 GiB file in a child process and reports
// the child's peak resident set size (target: under 32 MiB).
func BenchmarkPeakRSS(b *testing.B) {
	path := randomFile(b, 1*GiB, 9)
	for _, algs := range []string{"sha256", "sha256+sha512"} {
		b.Run("alg="+algs+"/size=1GiB", func(b *testing.B) {
			var peak int64
			b.SetBytes(GiB)
			for b.Loop() {
				_, rss := peakRSS(b, algs, path)
				peak = max(peak, rss)
			}
			b.ReportMetric(float64(peak)/MiB, "peak-MiB")
		})
	}
}
