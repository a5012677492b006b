package plugins

import "time"

// backoff is a plugin's restart schedule: after n consecutive failures
// (crashes, missed deadlines, failed starts) the next start waits
// initial·2^(n-1), at most max.
type backoff struct {
	initial, max time.Duration
}

func (b backoff) delay(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := b.initial
	for i := 1; i < failures && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}
