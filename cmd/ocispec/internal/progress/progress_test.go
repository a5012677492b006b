package progress_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/progress"
)

// clock is a settable clock for the bar's delay.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestDisabled(t *testing.T) {
	var w bytes.Buffer
	b := progress.New(&w, false, 100, "x", progress.Options{Delay: -1})
	if b != nil {
		t.Fatalf("New(enabled=false) = %v, want nil", b)
	}
	b.Add(10) // a nil bar does nothing
	b.Finish()
	if b.Shown() || b.Done() != 0 || w.Len() != 0 {
		t.Errorf("nil bar: shown %v, done %d, wrote %q", b.Shown(), b.Done(), w.String())
	}
}

func TestDelay(t *testing.T) {
	var w bytes.Buffer
	c := &clock{now: time.Unix(1000, 0)}
	b := progress.New(&w, true, 10<<20, "hashing", progress.Options{Now: c.Now})
	b.Add(1 << 20)
	c.advance(500 * time.Millisecond)
	b.Add(1 << 20)
	if b.Shown() || w.Len() != 0 {
		t.Fatalf("bar shown before the delay: %q", w.String())
	}
	c.advance(600 * time.Millisecond)
	time.Sleep(150 * time.Millisecond) // past the bar's own redraw throttle
	b.Add(1 << 20)
	if !b.Shown() {
		t.Fatal("bar not shown after the delay")
	}
	if got := b.Done(); got != 3<<20 {
		t.Errorf("Done() = %d, want %d", got, 3<<20)
	}
	out := w.String()
	for _, want := range []string{"hashing", "3.0/10 MiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "TiB/s") || strings.Contains(out, "GiB/s") {
		t.Errorf("bar output %q shows a throughput of bytes counted before it appeared", out)
	}
	b.Finish()
	b.Add(1 << 20)
	if got := b.Done(); got != 3<<20 {
		t.Errorf("Add after Finish counted: Done() = %d", got)
	}
}

func TestQuickWorkShowsNothing(t *testing.T) {
	var w bytes.Buffer
	// A clock that never moves: however slow the machine, the work is
	// shorter than the delay.
	start := time.Now()
	b := progress.New(&w, true, 100, "quick", progress.Options{Now: func() time.Time { return start }})
	for range 10 {
		b.Add(10)
	}
	b.Finish()
	if w.Len() != 0 {
		t.Errorf("work shorter than the delay drew %q", w.String())
	}
}

func TestConcurrentAdd(t *testing.T) {
	var w safeBuffer
	b := progress.New(&w, true, 8*1000, "many", progress.Options{Delay: -1})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				b.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := b.Done(); got != 8000 {
		t.Errorf("Done() = %d, want 8000", got)
	}
	b.Finish()
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func TestTerminal(t *testing.T) {
	var w bytes.Buffer
	if progress.Terminal(&w) {
		t.Error("Terminal(bytes.Buffer) = true, want false")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if progress.Terminal(f) {
		t.Error("Terminal(regular file) = true, want false")
	}
}

func ExampleNew() {
	// Standard error of a test is not a terminal, so the bar is nil and
	// draws nothing; the calls are still safe.
	bar := progress.New(os.Stderr, progress.Terminal(os.Stderr), 1<<20, "hashing", progress.Options{})
	bar.Add(1 << 20)
	bar.Finish()
	fmt.Println(bar.Shown())
	// Output: false
}

func TestItems(t *testing.T) {
	var w bytes.Buffer
	b := progress.New(&w, true, 20, "measuring", progress.Options{Delay: -1, Items: true})
	b.Add(3)
	b.Finish()
	if out := w.String(); !strings.Contains(out, "3/20") || strings.Contains(out, "iB") {
		t.Errorf("item bar drew %q, want a count 3/20 without byte units", out)
	}
}
