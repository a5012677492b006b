package digesters

import (
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concil-go/ocispec/core"
)

// EnvSHA256 is the environment variable that chooses the sha256 backend
// instead of calibration: "stdlib" (crypto/sha256), "simd"
// (sha256-simd) or "auto" (calibrate, the default).
const EnvSHA256 = "OCISPEC_SHA256"

// Choice says which backend serves sha256 through [SHA256] and why.
type Choice struct {
	// Backend is the chosen backend's name: [BackendStdlibSHA256] or
	// [BackendSIMDSHA256].
	Backend string
	// Source is "calibrated", "environment" or "caller".
	Source string
	// Detail is a sentence for people (the CLI prints it).
	Detail string
	// Throughput holds, after a calibration, the bytes per second each
	// backend reached on the calibration buffer; nil otherwise.
	Throughput map[string]float64
	// Took is how long the calibration ran.
	Took time.Duration
}

// Calibration parameters: the best of calibRounds hashes of calibBytes,
// taken alternately on both backends, so about 1 MiB is hashed in all
// (well under a millisecond at the speeds sha256 runs).
const (
	calibBytes  = 64 << 10
	calibRounds = 8
	// simdMargin: sha256-simd is chosen only when it is this much faster
	// (in percent), so that equal backends, as on machines with SHA-NI,
	// always give the standard library and the choice does not flip
	// between runs on noise.
	simdMargin = 10
)

type sha256State struct {
	d core.Digester
	c Choice
}

var (
	sha256Cur  atomic.Pointer[sha256State]
	sha256Once sync.Once
)

func currentSHA256() core.Digester { return loadSHA256().d }

func loadSHA256() *sha256State {
	if s := sha256Cur.Load(); s != nil {
		return s
	}
	sha256Once.Do(func() {
		sha256Cur.CompareAndSwap(nil, fromEnvironment(os.Getenv(EnvSHA256)))
	})
	return sha256Cur.Load()
}

// SHA256Choice returns the backend that serves sha256 and why,
// calibrating first if nothing chose yet. It is safe for concurrent use.
func SHA256Choice() Choice {
	c := loadSHA256().c
	c.Throughput = maps.Clone(c.Throughput)
	return c
}

// SetSHA256Backend chooses the backend of [SHA256] for the whole
// process: "stdlib" (or "crypto/sha256"), "simd" (or "sha256-simd"), or
// "auto" to calibrate again now. It overrides [EnvSHA256]. Hashes
// already made keep their backend. An unknown name is an error wrapping
// [ErrUnknownBackend].
func SetSHA256Backend(name string) (Choice, error) {
	var s *sha256State
	switch d, ok := backendNamed(name); {
	case ok:
		s = &sha256State{d, Choice{Backend: d.Backend(), Source: "caller", Detail: fmt.Sprintf("%s set by the caller", d.Backend())}}
	case strings.EqualFold(name, "auto"):
		s = calibrate("")
	default:
		return Choice{}, fmt.Errorf("%w %q (want stdlib, simd or auto)", ErrUnknownBackend, name)
	}
	sha256Once.Do(func() {}) // the environment no longer decides
	sha256Cur.Store(s)
	return SHA256Choice(), nil
}

func backendNamed(name string) (core.Digester, bool) {
	switch strings.ToLower(name) {
	case "stdlib", BackendStdlibSHA256:
		return SHA256Stdlib, true
	case "simd", BackendSIMDSHA256:
		return SHA256SIMD, true
	}
	return nil, false
}

// fromEnvironment decides from the value of EnvSHA256.
func fromEnvironment(v string) *sha256State {
	if d, ok := backendNamed(v); ok {
		return &sha256State{d, Choice{Backend: d.Backend(), Source: "environment", Detail: fmt.Sprintf("%s set by %s=%s", d.Backend(), EnvSHA256, v)}}
	}
	note := ""
	if v != "" && !strings.EqualFold(v, "auto") {
		note = fmt.Sprintf("; %s=%q not understood (want stdlib, simd or auto)", EnvSHA256, v)
	}
	return calibrate(note)
}

// calibrate hashes the same buffer with both backends, alternately, and
// keeps the best time of each.
func calibrate(note string) *sha256State {
	start := time.Now()
	buf := make([]byte, calibBytes)
	for i := range buf {
		buf[i] = byte(i % 251)
	}
	backends := []core.Digester{SHA256Stdlib, SHA256SIMD}
	best := make([]time.Duration, len(backends))
	sum := make([]byte, 0, 32)
	for round := 0; round < calibRounds; round++ {
		for i, d := range backends {
			t0 := time.Now()
			h := d.New()
			h.Write(buf)
			sum = h.Sum(sum[:0])
			if el := time.Since(t0); round == 0 || el < best[i] {
				best[i] = el
			}
		}
	}
	chosen := pickSHA256(best[0], best[1])
	tp := map[string]float64{}
	for i, d := range backends {
		tp[d.Backend()] = float64(calibBytes) / max(best[i], time.Nanosecond).Seconds()
	}
	return &sha256State{chosen, Choice{
		Backend: chosen.Backend(),
		Source:  "calibrated",
		Detail: fmt.Sprintf("%s chosen by calibration (%s %.0f MB/s, %s %.0f MB/s; %s needs a %d%% lead)%s",
			chosen.Backend(), backends[0].Backend(), tp[backends[0].Backend()]/1e6, backends[1].Backend(), tp[backends[1].Backend()]/1e6, backends[1].Backend(), simdMargin, note),
		Throughput: tp,
		Took:       time.Since(start),
	}}
}

// pickSHA256 returns sha256-simd only when its time is more than
// simdMargin percent below the standard library's.
func pickSHA256(stdlib, simd time.Duration) core.Digester {
	if simd > 0 && simd*(100+simdMargin) < stdlib*100 {
		return SHA256SIMD
	}
	return SHA256Stdlib
}
