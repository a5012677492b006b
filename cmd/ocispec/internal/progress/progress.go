package progress

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// DefaultDelay is how long work runs before its bar appears: work that
// ends sooner shows nothing.
const DefaultDelay = time.Second

// Bar reports the progress of one piece of work in bytes. Its methods
// are safe for concurrent use, and a nil *Bar does nothing, so callers
// need not check whether progress is shown.
//
// The underlying bar counts from the start, so its throughput is right
// from the moment it appears; until the delay has passed, what it draws
// goes nowhere.
type Bar struct {
	gate  *gate
	delay time.Duration
	start time.Time
	now   func() time.Time

	mu   sync.Mutex
	done int64
	bar  *progressbar.ProgressBar
	over bool
}

// gate passes writes to w once open, and drops them before.
type gate struct {
	mu   sync.Mutex
	w    io.Writer
	open bool
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.open {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) isOpen() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

func (g *gate) openNow() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = true
}

// Options control [New].
type Options struct {
	// Delay before the bar appears; 0 means DefaultDelay, a negative
	// value shows it at once.
	Delay time.Duration
	// Now is the clock that decides when the delay has passed (time.Now
	// when nil), for tests.
	Now func() time.Time
	// Items counts things (measurements, files) instead of bytes.
	Items bool
}

// New returns a bar for total bytes (-1 when unknown) that draws on w
// once the work has run longer than the delay. It returns nil, a bar
// that does nothing, when enabled is false.
func New(w io.Writer, enabled bool, total int64, description string, opts Options) *Bar {
	if !enabled || w == nil {
		return nil
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	delay := opts.Delay
	if delay == 0 {
		delay = DefaultDelay
	}
	g := &gate{w: w, open: delay < 0}
	options := []progressbar.Option{
		progressbar.OptionSetWriter(g),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionClearOnFinish(),
	}
	if !opts.Items {
		options = append(options,
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowTotalBytes(true),
			progressbar.OptionUseIECUnits(true))
	}
	bar := progressbar.NewOptions64(total, options...)
	bar.StartWithoutRender()
	return &Bar{gate: g, delay: delay, start: now(), now: now, bar: bar}
}

// Add records n more bytes done.
func (b *Bar) Add(n int64) {
	if b == nil || n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over {
		return
	}
	b.done += n
	if !b.gate.isOpen() && b.now().Sub(b.start) >= b.delay {
		b.gate.openNow()
	}
	b.bar.Add64(n)
}

// Shown reports whether the bar has appeared.
func (b *Bar) Shown() bool {
	if b == nil {
		return false
	}
	return b.gate.isOpen()
}

// Done reports the bytes recorded so far.
func (b *Bar) Done() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.done
}

// Finish ends the bar and clears its line; later calls of Add do
// nothing.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over {
		return
	}
	b.over = true
	b.bar.Finish()
	b.bar.Clear()
}

// Terminal reports whether w is a terminal that can show a bar: an
// *os.File on a terminal, with TERM not "dumb".
func Terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	if os.Getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
