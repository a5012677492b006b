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
type Bar struct {
	w           io.Writer
	total       int64
	description string
	delay       time.Duration
	start       time.Time
	now         func() time.Time
	items       bool

	mu   sync.Mutex
	done int64
	bar  *progressbar.ProgressBar
	over bool
}

// Options control [New].
type Options struct {
	// Delay before the bar appears; 0 means DefaultDelay, a negative
	// value shows it at once.
	Delay time.Duration
	// Now is the clock (time.Now when nil), for tests.
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
	return &Bar{w: w, total: total, description: description, delay: delay, start: now(), now: now, items: opts.Items}
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
	if b.bar == nil {
		if b.now().Sub(b.start) < b.delay {
			return
		}
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(b.description),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(20),
			progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionClearOnFinish(),
		}
		if !b.items {
			opts = append(opts,
				progressbar.OptionShowBytes(true),
				progressbar.OptionShowTotalBytes(true),
				progressbar.OptionUseIECUnits(true))
		}
		b.bar = progressbar.NewOptions64(b.total, opts...)
		b.bar.Add64(b.done)
		return
	}
	b.bar.Add64(n)
}

// Shown reports whether the bar has appeared.
func (b *Bar) Shown() bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bar != nil
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
	if b.bar != nil {
		b.bar.Finish()
		b.bar.Clear()
	}
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
