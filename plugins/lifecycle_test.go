package plugins_test

import (
	"testing"
)

// A host that closes its plugins and exits leaves no plugin process.
func TestHostExitsNormally(t *testing.T) {
	host, pid := startHost(t, "close", helmPlugin)
	if err := host.Wait(); err != nil {
		t.Fatalf("helper host: %v", err)
	}
	waitGone(t, pid)
}

// A host that exits without closing its plugins takes them with it
// (Linux's parent-death signal).
func TestHostExitsWithoutClose(t *testing.T) {
	host, pid := startHost(t, "exit", helmPlugin)
	if err := host.Wait(); err != nil {
		t.Fatalf("helper host: %v", err)
	}
	waitGone(t, pid)
}

// A host that is killed takes its plugins with it (Linux's
// parent-death signal).
func TestHostKilled(t *testing.T) {
	host, pid := startHost(t, "wait", helmPlugin)
	if !alive(pid) {
		t.Fatalf("plugin %d of the helper host is not running", pid)
	}
	host.Process.Kill()
	host.Wait()
	waitGone(t, pid)
}
