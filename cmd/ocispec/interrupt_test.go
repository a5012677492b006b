//go:build unix

package main

import (
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
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
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
