package plugins_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/concil-go/ocispec/internal/leaktest"

	"github.com/concil-go/ocispec/plugins"
)

// Binaries built by TestMain: the Helm example and the faulty plugin
// under its mode names (faulty-garbage and so on, see
// internal/testplugins/faulty).
var (
	binDir       string
	helmPlugin   string
	faultyPlugin string
)

func faulty(mode string) string { return filepath.Join(binDir, "faulty-"+mode) }

var faultyModes = []string{"garbage", "version", "exit", "hang", "badname", "badtype", "claim", "claimdoc", "nodetect", "crash", "shifty", "infohang", "infofail", "noinfo"}

func TestMain(m *testing.M) {
	// The tests choose their plugin folders; the caller's must not leak in.
	os.Unsetenv(plugins.EnvPluginDir)
	if os.Getenv(hostEnv) != "" {
		runHost()
		return
	}
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if code == 0 {
		if err := findLeaks(nil); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// findLeaks waits up to 10 s for goroutines other than those of skip
// (nil: none) to end: gRPC's and go-plugin's goroutines can take long to
// finish under -race on a busy machine.
func findLeaks(skip leaktest.Snapshot) error { return leaktest.Find(skip, 10*time.Second) }

func buildAndRun(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "ocispec-plugins-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	binDir = dir
	helmPlugin = filepath.Join(dir, "helm")
	faultyPlugin = filepath.Join(dir, "faulty")
	for out, pkg := range map[string]string{helmPlugin: "./examples/helm", faultyPlugin: "./internal/testplugins/faulty"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		if b, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("go build -o %s %s: %v\n%s", out, pkg, err, b)
		}
	}
	for _, mode := range faultyModes {
		if err := os.Symlink(faultyPlugin, faulty(mode)); err != nil {
			return 0, err
		}
	}
	return m.Run(), nil
}

// The helper host: the test binary started with hostEnv set loads the
// plugin named by it, prints the plugin's pid, and then exits after
// Close ("close"), exits without it ("exit") or waits to be killed
// ("wait").
const hostEnv = "OCISPEC_PLUGINS_TEST_HOST"

func runHost() {
	mode, path, _ := strings.Cut(os.Getenv(hostEnv), ":")
	p, err := plugins.Load(context.Background(), path, plugins.WithoutRegistration())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(p.PID())
	switch mode {
	case "close":
		p.Close()
		os.Exit(0)
	case "exit":
		os.Exit(0)
	}
	time.Sleep(time.Minute)
	os.Exit(1)
}

// startHost runs the helper host and returns it with the plugin's pid.
func startHost(t *testing.T, mode, plugin string) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), hostEnv+"="+mode+":"+plugin)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper host: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper host printed %q", line)
	}
	return cmd, pid
}

// proc describes a process from /proc/<pid>/stat.
type proc struct {
	pid, ppid int
	state     byte
}

// readProc returns the process, ok false when it does not exist.
func readProc(pid int) (proc, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, false
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+4 > len(s) {
		return proc{}, false
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 2 {
		return proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	return proc{pid: pid, ppid: ppid, state: f[0][0]}, true
}

// children lists this process's children (any state) from /proc.
func children(t *testing.T) []proc {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	self := os.Getpid()
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok && p.ppid == self {
			out = append(out, p)
		}
	}
	return out
}

// alive reports whether pid is a process that has not exited (a zombie
// has exited).
func alive(pid int) bool {
	p, ok := readProc(pid)
	return ok && p.state != 'Z' && p.state != 'X'
}

// waitGone waits up to 10 s for pid to exit.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	t.Errorf("process %d still running", pid)
	syscall.Kill(pid, syscall.SIGKILL) // not left behind by a failing test
}

// checkNoChildren fails when this process keeps children (zombies
// included) other than keep: it waits up to 10 s for processes being
// stopped or reaped in the background.
func checkNoChildren(t *testing.T, keep ...int) {
	t.Helper()
	var bad []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		bad = bad[:0]
		for _, c := range children(t) {
			if c.state == 'Z' {
				bad = append(bad, fmt.Sprintf("zombie %d", c.pid))
			} else if !slices.Contains(keep, c.pid) {
				bad = append(bad, fmt.Sprintf("running %d (state %c)", c.pid, c.state))
			}
		}
		if len(bad) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(bad) > 0 {
		t.Errorf("child processes left: %s", strings.Join(bad, ", "))
	}
}
