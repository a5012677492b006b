package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
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
	hwm, err := peakRSSSelf()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(res.Size, res.Digests)
	fmt.Println(hwm)
	return 0
}

// peakRSSSelf returns this process's peak resident set size in bytes:
// VmHWM of /proc/self/status, the high-water mark of the memory of this
// process image. (The ru_maxrss a parent gets from wait4 is no good
// here: a child started with CLONE_VM, as os/exec does, is charged the
// parent's peak too.)
func peakRSSSelf() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// peakRSS runs the test binary as a child digesting path and returns
// its output and its peak resident set size in bytes.
func peakRSS(tb testing.TB, algs, path string) (string, int64) {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skip("peak RSS is read from /proc/self/status")
	}
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
	result, hwm, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	rss, err := strconv.ParseInt(hwm, 10, 64)
	if err != nil {
		tb.Fatalf("child digesting %s: peak RSS %q: %v", path, hwm, err)
	}
	return result, rss
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
