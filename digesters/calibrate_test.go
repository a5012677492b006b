package digesters

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
)

func TestPickSHA256(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		stdlib, simd time.Duration
		want         core.Digester
	}{
		{10 * ms, 10 * ms, SHA256Stdlib},                 // equal: the standard library
		{10 * ms, 9500 * time.Microsecond, SHA256Stdlib}, // 5% is noise
		{10 * ms, 8 * ms, SHA256SIMD},                    // 20% faster
		{8 * ms, 10 * ms, SHA256Stdlib},
		{10 * ms, 0, SHA256Stdlib}, // no measurement
	}
	for _, tt := range tests {
		if got := pickSHA256(tt.stdlib, tt.simd); got != tt.want {
			t.Errorf("pickSHA256(%v, %v) = %v, want %v", tt.stdlib, tt.simd, got, tt.want)
		}
	}
}

func TestFromEnvironment(t *testing.T) {
	tests := []struct {
		value, backend, source, detail string
	}{
		{"stdlib", BackendStdlibSHA256, "environment", EnvSHA256 + "=stdlib"},
		{"crypto/sha256", BackendStdlibSHA256, "environment", ""},
		{"simd", BackendSIMDSHA256, "environment", ""},
		{"SHA256-SIMD", BackendSIMDSHA256, "environment", ""},
		{"", "", "calibrated", "chosen by calibration"},
		{"auto", "", "calibrated", ""},
		{"fastest", "", "calibrated", `"fastest" not understood`},
	}
	for _, tt := range tests {
		s := fromEnvironment(tt.value)
		if tt.backend != "" && s.c.Backend != tt.backend || s.c.Source != tt.source || s.d.Backend() != s.c.Backend {
			t.Errorf("fromEnvironment(%q) = %s/%s (serving %s), want %s/%s", tt.value, s.c.Backend, s.c.Source, s.d.Backend(), tt.backend, tt.source)
		}
		if !strings.Contains(s.c.Detail, tt.detail) {
			t.Errorf("fromEnvironment(%q).Detail = %q, want it to contain %q", tt.value, s.c.Detail, tt.detail)
		}
		if tt.source == "calibrated" {
			if len(s.c.Throughput) != 2 || s.c.Throughput[BackendStdlibSHA256] <= 0 || s.c.Throughput[BackendSIMDSHA256] <= 0 || s.c.Took <= 0 {
				t.Errorf("fromEnvironment(%q) calibration = %v in %v, want both backends measured", tt.value, s.c.Throughput, s.c.Took)
			}
		}
	}
}

func TestSetSHA256Backend(t *testing.T) {
	saved := loadSHA256()
	t.Cleanup(func() { sha256Cur.Store(saved) })
	for _, tt := range []struct{ name, backend string }{
		{"simd", BackendSIMDSHA256},
		{"stdlib", BackendStdlibSHA256},
		{"sha256-simd", BackendSIMDSHA256},
	} {
		c, err := SetSHA256Backend(tt.name)
		if err != nil || c.Backend != tt.backend || c.Source != "caller" {
			t.Fatalf("SetSHA256Backend(%q) = %+v, %v; want %s from the caller", tt.name, c, err, tt.backend)
		}
		if got := SHA256.Backend(); got != tt.backend {
			t.Errorf("after SetSHA256Backend(%q), SHA256.Backend() = %q, want %q", tt.name, got, tt.backend)
		}
		if got := SHA256Choice().Backend; got != tt.backend {
			t.Errorf("after SetSHA256Backend(%q), SHA256Choice().Backend = %q", tt.name, got)
		}
		if got, want := mustSum(SHA256, "some data"), "1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"; got != want {
			t.Errorf("SHA256 over %s = %s, want %s", tt.backend, got, want)
		}
	}
	c, err := SetSHA256Backend("auto")
	if err != nil || c.Source != "calibrated" {
		t.Errorf("SetSHA256Backend(auto) = %+v, %v; want a calibration", c, err)
	}
	if _, err := SetSHA256Backend("fast"); !errors.Is(err, ErrUnknownBackend) {
		t.Errorf("SetSHA256Backend(%q) = %v, want ErrUnknownBackend", "fast", err)
	}
}

func TestSHA256ChoiceIsCopy(t *testing.T) {
	c := SHA256Choice()
	if c.Backend != SHA256.Backend() {
		t.Errorf("SHA256Choice().Backend = %q, SHA256.Backend() = %q", c.Backend, SHA256.Backend())
	}
	if c.Throughput != nil {
		c.Throughput["x"] = 1
		if _, ok := SHA256Choice().Throughput["x"]; ok {
			t.Errorf("SHA256Choice().Throughput is shared with the package")
		}
	}
}

func mustSum(d core.Digester, s string) string {
	h := d.New()
	h.Write([]byte(s))
	return encodeDigest("x", h.Sum(nil)).Encoded()
}
