//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterrupt sends SIGINT to pack in the middle of a large input and
// wants it to stop with status 130, leaving nothing under the output's
// name and no temporary folder.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	size := 384 << 20
	if raceEnabled {
		size = 256 << 20 // the race detector slows packing enough
	}
	input := bigInput(t, size)
	parent := t.TempDir()
	out := filepath.Join(parent, "image")
	cmd := exec.Command(binary, "pack", input, out)
	cmd.Env = append(os.Environ(), "OCISPEC_PLUGIN_DIR=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // a no-op once it has exited
	// The temporary folder appears once pack has planned the layer and
	// started writing it.
	deadline := time.Now().Add(30 * time.Second)
	started := false
	for !started && time.Now().Before(deadline) {
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			started = started || strings.Contains(e.Name(), "ocispec-tmp")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !started {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("pack never started writing:\n%s", stderr.String())
	}
	// Freeze pack where it is, check it is mid-work (its output not yet
	// committed), then interrupt it: the signal is handled when it runs
	// again, whatever the machine's speed.
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out); err == nil {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Wait()
		t.Fatalf("pack committed its output within one poll of starting to write; the input is too small to interrupt it")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("pack finished (%v) before the interrupt reached it; the input is too small for this machine", err)
	}
	if ee.ExitCode() != 130 {
		t.Errorf("interrupted pack: exit %d, want 130\n%s", ee.ExitCode(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("interrupted pack said:\n%s", stderr.String())
	}
	noCrash(t, []string{"pack (interrupted)"}, stderr.String())
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("interrupted pack left %s in the output's folder", e.Name())
	}
}

// TestInterruptWhileWaiting: an open or read that waits for input (a
// FIFO given as --config or to validate, a FIFO or a stalled standard
// input for digest) ends on the first SIGINT, with status 130. The test
// signals once the command says (with --verbose) that it reads the
// input, or once the FIFO's other end opened, which is when the command
// has opened its own.
func TestInterruptWhileWaiting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		name   string
		args   func(fifo string) []string
		marker string // the --verbose line to wait for; "" to write to the FIFO instead
	}{
		{"config FIFO, no writer", func(f string) []string { return []string{"pack", "--config", f, exampleDir(), filepath.Join(dir, "a")} }, "reading the config"},
		{"config FIFO, stalled", func(f string) []string { return []string{"pack", "--config", f, exampleDir(), filepath.Join(dir, "b")} }, ""},
		{"digest of a stalled FIFO", func(f string) []string { return []string{"digest", f} }, ""},
		{"digest of stalled standard input", func(string) []string { return []string{"digest", "-"} }, "reading standard input"},
		{"validate of a FIFO, no writer", func(f string) []string { return []string{"validate", f} }, "reading "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(binary, append([]string{"--verbose"}, tt.args(fifo)...)...)
			cmd.Env = append(os.Environ(), "OCISPEC_PLUGIN_DIR=")
			stdin, err := cmd.StdinPipe() // held open and never written
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stderrPipe, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			var stderr bytes.Buffer
			lines := bufio.NewScanner(stderrPipe)
			if tt.marker != "" {
				found := false
				for !found && lines.Scan() {
					stderr.WriteString(lines.Text() + "\n")
					found = strings.Contains(lines.Text(), tt.marker)
				}
				if !found {
					t.Fatalf("the command never said %q:\n%s", tt.marker, stderr.String())
				}
			} else {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				if _, err := w.Write([]byte("{")); err != nil {
					t.Fatal(err)
				}
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			rest := make(chan struct{})
			go func() {
				for lines.Scan() {
					stderr.WriteString(lines.Text() + "\n")
				}
				close(rest)
			}()
			done := make(chan error, 1)
			go func() { <-rest; done <- cmd.Wait() }()
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 130 {
					t.Errorf("%s: %v, want exit status 130\n%s", tt.name, err, stderr.String())
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("%s: the command ignored SIGINT while waiting for input\n%s", tt.name, stderr.String())
			}
		})
	}
}

// TestProgressOnTerminal runs pack on a terminal (through script(1)) and
// wants a progress bar with bytes and throughput on it, where a pipe
// gets none (TestQuietAndPipes).
func TestProgressOnTerminal(t *testing.T) {
	t.Parallel()
	script := need(t, "script")
	input := bigInput(t, 128<<20)
	out := filepath.Join(t.TempDir(), "image")
	cmd := exec.Command(script, "-qec", binary+" pack --layer tar+zstd="+input+" "+out, "/dev/null")
	// The bar is shown at once, so the test does not depend on how long
	// packing takes on this machine.
	cmd.Env = append(os.Environ(), "OCISPEC_PLUGIN_DIR=", "TERM=xterm", "OCISPEC_PROGRESS_DELAY=0s")
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pack on a terminal: %v\n%q", err, b)
	}
	screen := string(b)
	if !strings.Contains(screen, "packing") || !regexp.MustCompile(`[KMG]iB/s`).MatchString(screen) || !strings.Contains(screen, "/128 MiB") {
		t.Errorf("pack on a terminal drew no progress bar with bytes and throughput:\n%q", screen)
	}
	noCrash(t, []string{"pack (on a terminal)"}, screen)

	// verify hashes every blob again, with a bar of its own.
	cmd = exec.Command(script, "-qec", binary+" verify "+out, "/dev/null")
	cmd.Env = append(os.Environ(), "OCISPEC_PLUGIN_DIR=", "TERM=xterm", "OCISPEC_PROGRESS_DELAY=0s")
	if b, err = cmd.CombinedOutput(); err != nil {
		t.Fatalf("verify on a terminal: %v\n%q", err, b)
	}
	screen = string(b)
	if !strings.Contains(screen, "verifying") || !regexp.MustCompile(`[KMG]iB/s`).MatchString(screen) || !strings.Contains(screen, ": ok") {
		t.Errorf("verify on a terminal drew no progress bar with bytes and throughput:\n%q", screen)
	}
}
