// Package leaktest finds goroutines that tests leave running: those of
// the program that are not the runtime's, the testing package's or
// another known long-lived one, and were not there when a snapshot was
// taken. It waits for goroutines that are only finishing, since on a
// loaded machine a goroutine that has signalled its end may not have
// returned yet. It is the module's own, so that no test-only dependency
// reaches an embedder's module graph.
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		if code == 0 {
//			if err := leaktest.Find(nil, 10*time.Second); err != nil {
//				fmt.Fprintln(os.Stderr, err)
//				code = 1
//			}
//		}
//		os.Exit(code)
//	}
package leaktest

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Snapshot is the set of goroutines running when it was taken.
type Snapshot map[string]bool

// Current returns the goroutines running now, to be ignored by Find.
func Current() Snapshot {
	s := Snapshot{}
	for _, g := range goroutines() {
		s[g.id] = true
	}
	return s
}

// ignored are the functions of goroutines that belong to the runtime,
// the testing package and libraries that keep one goroutine for the
// life of the process.
var ignored = []string{
	"runtime.goexit",
	"testing.(*T).Run",
	"testing.(*M).",
	"testing.tRunner",
	"testing.runTests",
	"testing.(*F).",
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.ensureSigM",
	"runtime/trace.",
}

type goroutine struct {
	id    string
	top   string // the function the goroutine runs
	stack string
}

func goroutines() []goroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []goroutine
	self := true // the first stack is the caller's
	for _, block := range bytes.Split(buf, []byte("\n\n")) {
		if self {
			self = false
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(block)), "\n")
		if len(lines) < 2 {
			continue
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(lines[0], "goroutine "), " ")
		g := goroutine{id: id, stack: string(block)}
		// The last "created by" line names where it started; the
		// goroutine's own function is the last frame before it.
		frames := lines[1:]
		for i := len(frames) - 1; i >= 0; i-- {
			if !strings.HasPrefix(frames[i], "\t") && !strings.HasPrefix(frames[i], "created by") {
				g.top = frames[i]
				break
			}
		}
		out = append(out, g)
	}
	return out
}

func (g goroutine) ignored() bool {
	for _, f := range ignored {
		if strings.HasPrefix(g.top, f) {
			return true
		}
	}
	return strings.Contains(g.stack, "testing.(*M).startAlarm") || strings.Contains(g.stack, "testing.(*M).Run")
}

// Find returns an error listing the goroutines running now that are
// neither in skip (nil: none) nor ignored, after waiting up to patience
// for them to finish.
func Find(skip Snapshot, patience time.Duration) error {
	deadline := time.Now().Add(patience)
	for {
		var left []goroutine
		for _, g := range goroutines() {
			if !skip[g.id] && !g.ignored() {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			fmt.Fprintf(&b, "leaktest: %d goroutines left running:", len(left))
			for _, g := range left {
				fmt.Fprintf(&b, "\n\n%s", g.stack)
			}
			return fmt.Errorf("%s", b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
