package leaktest

import (
	"strings"
	"testing"
	"time"
)

func TestFindsALeak(t *testing.T) {
	before := Current()
	stop := make(chan struct{})
	go func() { <-stop }()
	err := Find(before, 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "leaktest.TestFindsALeak") {
		t.Errorf("Find with a blocked goroutine = %v, want it named", err)
	}
	close(stop)
	if err := Find(before, 5*time.Second); err != nil {
		t.Errorf("Find after the goroutine ended = %v", err)
	}
}

func TestWaitsForFinishing(t *testing.T) {
	before := Current()
	release := make(chan struct{})
	go func() { <-release; time.Sleep(10 * time.Millisecond) }()
	close(release)
	if err := Find(before, 5*time.Second); err != nil {
		t.Errorf("Find = %v, want it to wait for a finishing goroutine", err)
	}
}
