package hashbench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
)

// DefaultSizes is the blob size ladder of [Run] when none is given.
var DefaultSizes = []int64{4 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20}

// MaxSize is the largest blob size accepted: each size is one buffer
// in memory.
const MaxSize = 1 << 30

// DefaultMinTime is how long each measurement runs at least.
const DefaultMinTime = 200 * time.Millisecond

// Result is the throughput of one backend at one blob size.
type Result struct {
	Algorithm string `json:"algorithm"`
	Backend   string `json:"backend"`
	// Chosen is true for the backend the digesters package serves the
	// algorithm with on this machine.
	Chosen bool  `json:"chosen"`
	Size   int64 `json:"size"`
	// Engine is the bytes per second of the digesters engine reading the
	// blob from memory through its pipeline (digesters.DigestReader).
	Engine float64 `json:"engineBytesPerSecond"`
	// Limit is the bytes per second of the bare hash on one core over
	// the same bytes already in memory: what a single stream of this
	// backend cannot exceed.
	Limit float64 `json:"limitBytesPerSecond"`
	// Ratio is Engine / Limit.
	Ratio float64 `json:"ratio"`
}

// Config says what [Run] measures.
type Config struct {
	// Sizes are the blob sizes; nil means DefaultSizes.
	Sizes []int64
	// Backends are the digesters to measure; nil means every built-in
	// backend of package digesters.
	Backends []core.Digester
	// MinTime is how long each measurement runs at least; 0 means
	// DefaultMinTime.
	MinTime time.Duration
	// Rounds is how many times each measurement is taken, alternating
	// engine and limit; the best of each is kept. 0 means 3.
	Rounds int
	// Progress, when set, is called after each measurement with the
	// number done and the total.
	Progress func(done, total int)
}

// Backends returns the built-in backends of package digesters, one per
// implementation (the calibrated sha256 serves from one of the two
// sha256 backends and is not listed twice), keeping those whose
// algorithm is in algs (all when algs is empty).
func Backends(algs []string) ([]core.Digester, error) {
	all := []core.Digester{digesters.SHA256Stdlib, digesters.SHA256SIMD, digesters.SHA512, digesters.BLAKE3}
	if len(algs) == 0 {
		return all, nil
	}
	var out []core.Digester
	for _, a := range algs {
		found := false
		for _, d := range all {
			if string(d.Algorithm()) == a {
				found = true
				if !slices.Contains(out, d) {
					out = append(out, d)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("%w %q (known: sha256, sha512, blake3)", ErrUnknownAlgorithm, a)
		}
	}
	return out, nil
}

// chosen reports whether d is the backend that serves its algorithm.
func chosen(d core.Digester) bool {
	if d.Algorithm() == core.SHA256 {
		return digesters.SHA256Choice().Backend == d.Backend()
	}
	cur, ok := core.DefaultAlgorithms.Lookup(d.Algorithm())
	return ok && cur.Backend() == d.Backend()
}

// Run measures every backend at every size. It stops early, with the
// context's error, when ctx is cancelled.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	sizes := cfg.Sizes
	if sizes == nil {
		sizes = DefaultSizes
	}
	backends := cfg.Backends
	if backends == nil {
		backends, _ = Backends(nil)
	}
	minTime := cfg.MinTime
	if minTime <= 0 {
		minTime = DefaultMinTime
	}
	rounds := cfg.Rounds
	if rounds <= 0 {
		rounds = 3
	}
	for _, s := range sizes {
		if s <= 0 || s > MaxSize {
			return nil, fmt.Errorf("%w: %d bytes (want 1 byte to %s)", ErrInvalidSize, s, FormatSize(MaxSize))
		}
	}
	var out []Result
	total, done := len(sizes)*len(backends), 0
	for _, size := range sizes {
		buf := make([]byte, size)
		for i := range buf {
			buf[i] = byte(i*7 + i>>8)
		}
		for _, d := range backends {
			reg := core.NewAlgorithms()
			if err := reg.Register(d); err != nil {
				return nil, fmt.Errorf("hashbench: %w", err)
			}
			eng := &digesters.Engine{Algorithms: reg}
			engine := func() error {
				_, err := eng.DigestReader(ctx, bytes.NewReader(buf), d.Algorithm())
				return err
			}
			sum := make([]byte, 0, 64)
			limit := func() error {
				h := d.New()
				h.Write(buf)
				sum = h.Sum(sum[:0])
				return nil
			}
			r := Result{Algorithm: string(d.Algorithm()), Backend: d.Backend(), Chosen: chosen(d), Size: size}
			for range rounds {
				e, err := measure(ctx, engine, size, minTime)
				if err != nil {
					return nil, err
				}
				l, err := measure(ctx, limit, size, minTime)
				if err != nil {
					return nil, err
				}
				r.Engine, r.Limit = max(r.Engine, e), max(r.Limit, l)
			}
			if r.Limit > 0 {
				r.Ratio = r.Engine / r.Limit
			}
			out = append(out, r)
			done++
			if cfg.Progress != nil {
				cfg.Progress(done, total)
			}
		}
	}
	return out, nil
}

// measure runs fn until minTime has passed (at least twice, the first
// run uncounted) and returns bytes per second.
func measure(ctx context.Context, fn func() error, size int64, minTime time.Duration) (float64, error) {
	if err := fn(); err != nil {
		return 0, fmt.Errorf("hashbench: %w", err)
	}
	var n int64
	start := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("hashbench: %w", err)
		}
		if err := fn(); err != nil {
			return 0, fmt.Errorf("hashbench: %w", err)
		}
		n++
		if el := time.Since(start); el >= minTime {
			return float64(n*size) / el.Seconds(), nil
		}
	}
}

// Machine describes the machine the numbers were taken on.
func Machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}

var units = []struct {
	suffix string
	mult   int64
}{
	{"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10},
	{"gb", 1e9}, {"mb", 1e6}, {"kb", 1e3},
	{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10},
	{"b", 1},
}

// ParseSize reads a size such as "4096", "64KiB", "1MiB", "16M" (K, M
// and G are binary; KB, MB and GB decimal), from 1 byte to [MaxSize].
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(n) || n <= 0 {
		return 0, fmt.Errorf("%w: %q (want a number of bytes such as 4096, 64KiB or 16MiB)", ErrInvalidSize, s)
	}
	v := n * float64(mult)
	if v < 1 || v > MaxSize {
		return 0, fmt.Errorf("%w: %q (want 1 byte to %s)", ErrInvalidSize, s, FormatSize(MaxSize))
	}
	return int64(v), nil
}

// FormatSize writes a size the way ParseSize reads it, in the largest
// binary unit that divides it ("64KiB", "1MiB", "1000B").
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		mult int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.mult && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}
