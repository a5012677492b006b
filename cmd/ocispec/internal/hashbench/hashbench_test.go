package hashbench_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/hashbench"
	"github.com/concil-go/ocispec/core"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"4096", 4096, false},
		{"64KiB", 64 << 10, false},
		{"64kib", 64 << 10, false},
		{"1MiB", 1 << 20, false},
		{"16M", 16 << 20, false},
		{"1MB", 1e6, false},
		{"1.5KiB", 1536, false},
		{"2 GiB", 0, true},
		{"1GiB", 1 << 30, false},
		{"0", 0, true},
		{"-1", 0, true},
		{"big", 0, true},
		{"", 0, true},
		{"NaN", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := hashbench.ParseSize(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, hashbench.ErrInvalidSize) {
				t.Errorf("ParseSize(%q) error %v does not wrap ErrInvalidSize", tt.in, err)
			}
		})
	}
}

func TestFormatSize(t *testing.T) {
	for _, n := range []int64{1, 1000, 4096, 64 << 10, 1 << 20, 3 << 30} {
		s := hashbench.FormatSize(n)
		back, err := hashbench.ParseSize(s)
		if n <= hashbench.MaxSize && (err != nil || back != n) {
			t.Errorf("ParseSize(FormatSize(%d) = %q) = %d, %v", n, s, back, err)
		}
	}
	if got := hashbench.FormatSize(64 << 10); got != "64KiB" {
		t.Errorf("FormatSize(65536) = %q, want 64KiB", got)
	}
}

func TestBackends(t *testing.T) {
	all, err := hashbench.Backends(nil)
	if err != nil || len(all) != 4 {
		t.Fatalf("Backends(nil) = %d backends, %v; want 4", len(all), err)
	}
	sha, err := hashbench.Backends([]string{"sha256", "sha256"})
	if err != nil || len(sha) != 2 {
		t.Fatalf("Backends(sha256) = %v, %v; want the two sha256 backends", sha, err)
	}
	for _, d := range sha {
		if d.Algorithm() != core.SHA256 {
			t.Errorf("Backends(sha256) has %s", d.Algorithm())
		}
	}
	if _, err := hashbench.Backends([]string{"md5"}); !errors.Is(err, hashbench.ErrUnknownAlgorithm) {
		t.Errorf("Backends(md5) error = %v, want ErrUnknownAlgorithm", err)
	}
}

func quickRun(t *testing.T) []hashbench.Result {
	t.Helper()
	backends, err := hashbench.Backends([]string{"sha256", "blake3"})
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	results, err := hashbench.Run(context.Background(), hashbench.Config{
		Sizes: []int64{4 << 10, 512 << 10}, Backends: backends,
		MinTime: 5 * time.Millisecond, Rounds: 1,
		Progress: func(done, total int) { calls++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 6 || calls != 6 {
		t.Fatalf("Run gave %d results and %d progress calls, want 6 and 6", len(results), calls)
	}
	chosen := 0
	for _, r := range results {
		if r.Engine <= 0 || r.Limit <= 0 || r.Ratio <= 0 {
			t.Errorf("%s %s %d: engine %v, limit %v, ratio %v; want positive", r.Algorithm, r.Backend, r.Size, r.Engine, r.Limit, r.Ratio)
		}
		if r.Algorithm == "sha256" && r.Chosen {
			chosen++
		}
	}
	if chosen != 2 {
		t.Errorf("%d sha256 results marked chosen, want 2 (one backend at each size)", chosen)
	}
	return results
}

func TestRunTableAndPlot(t *testing.T) {
	results := quickRun(t)
	var table bytes.Buffer
	if err := hashbench.WriteTable(&table, results); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ALGORITHM", "crypto/sha256", "sha256-simd", "zeebo/blake3", "512KiB", "LIMIT"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if got := strings.Count(table.String(), "crypto/sha256 *") + strings.Count(table.String(), "sha256-simd *"); got != 2 {
		t.Errorf("table marks %d sha256 rows as used, want 2:\n%s", got, table.String())
	}

	b, err := hashbench.Plot(results, "test", "svg")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "blob size", "crypto/sha256", "limit"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if err := xml.Unmarshal(b, new(struct{})); err != nil {
		t.Errorf("chart is not well-formed XML: %v", err)
	}
}

// svgChart is the part of the chart TestPlotGeometry reads back.
type svgChart struct {
	XMLName   xml.Name `xml:"svg"`
	Polylines []struct {
		Class  string `xml:"class,attr"`
		Stroke string `xml:"stroke,attr"`
		Dashes string `xml:"stroke-dasharray,attr"`
		Points string `xml:"points,attr"`
	} `xml:"polyline"`
	Texts []string `xml:"text"`
}

func points(t *testing.T, s string) [][2]float64 {
	t.Helper()
	var pts [][2]float64
	for _, f := range strings.Fields(s) {
		var p [2]float64
		if _, err := fmt.Sscanf(f, "%g,%g", &p[0], &p[1]); err != nil {
			t.Fatalf("point %q: %v", f, err)
		}
		pts = append(pts, p)
	}
	return pts
}

// TestPlotGeometry reads the chart back with encoding/xml and checks
// where the lines are: one solid and one dashed line per backend, in
// size order left to right, higher throughput higher up (SVG's y grows
// downwards), each size labelled once, and text escaped.
func TestPlotGeometry(t *testing.T) {
	results := []hashbench.Result{
		{Algorithm: "sha256", Backend: "crypto/sha256", Chosen: true, Size: 1 << 20, Engine: 900e6, Limit: 1000e6},
		{Algorithm: "sha256", Backend: "crypto/sha256", Chosen: true, Size: 4 << 10, Engine: 300e6, Limit: 1000e6},
		{Algorithm: "blake3", Backend: "zeebo/blake3", Size: 4 << 10, Engine: 100e6, Limit: 200e6},
		{Algorithm: "blake3", Backend: "zeebo/blake3", Size: 1 << 20, Engine: 2000e6, Limit: 2500e6},
	}
	b, err := hashbench.Plot(results, "a <b> & c", "svg")
	if err != nil {
		t.Fatal(err)
	}
	var c svgChart
	if err := xml.Unmarshal(b, &c); err != nil {
		t.Fatalf("chart is not well-formed SVG: %v\n%s", err, b)
	}
	if len(c.Polylines) != 4 {
		t.Fatalf("chart has %d lines, want 4 (engine and limit of 2 backends)", len(c.Polylines))
	}
	engine, limit := c.Polylines[0], c.Polylines[1]
	if engine.Class != "engine" || engine.Dashes != "" || limit.Class != "limit" || limit.Dashes == "" || engine.Stroke != limit.Stroke {
		t.Errorf("first backend's lines = %+v, %+v; want a solid engine line and a dashed limit line of one colour", engine, limit)
	}
	if c.Polylines[2].Stroke == engine.Stroke {
		t.Errorf("both backends drawn in %s, want distinct colours", engine.Stroke)
	}
	e := points(t, engine.Points)
	if len(e) != 2 || !(e[0][0] < e[1][0]) || !(e[1][1] < e[0][1]) {
		t.Errorf("crypto/sha256 engine points %v: want 4KiB left of 1MiB and 900 MB/s above 300 MB/s", e)
	}
	l := points(t, limit.Points)
	if len(l) != 2 || l[0][1] != l[1][1] || !(l[0][1] < e[1][1]) {
		t.Errorf("crypto/sha256 limit points %v: want a level line above the engine's %v", l, e)
	}
	b3 := points(t, c.Polylines[2].Points)
	if len(b3) != 2 || !(b3[1][1] < e[1][1]) || b3[0][0] != e[0][0] || b3[1][0] != e[1][0] {
		t.Errorf("blake3 engine points %v: want the same x as sha256's %v and 2000 MB/s above 900 MB/s", b3, e)
	}
	texts := strings.Join(c.Texts, "|")
	for _, want := range []string{"a <b> & c", "4KiB", "1MiB", "sha256 crypto/sha256 (used)", "blake3 zeebo/blake3", "blob size", "throughput (MB/s)"} {
		if !strings.Contains(texts, want) {
			t.Errorf("chart texts %q lack %q", texts, want)
		}
	}
	if n := strings.Count(texts, "4KiB"); n != 1 {
		t.Errorf("size 4KiB labelled %d times, want once", n)
	}
}

func TestPlotErrors(t *testing.T) {
	if _, err := hashbench.Plot([]hashbench.Result{{Size: 1, Engine: 1, Limit: 1}}, "x", "gif"); !errors.Is(err, hashbench.ErrPlotFormat) {
		t.Errorf("Plot(gif) error = %v, want ErrPlotFormat", err)
	}
	if _, err := hashbench.Plot(nil, "x", "svg"); !errors.Is(err, hashbench.ErrNoResults) {
		t.Errorf("Plot(no results) error = %v, want ErrNoResults", err)
	}
}

func TestPlotFormat(t *testing.T) {
	tests := []struct{ path, want string }{
		{"docs/bench.svg", "svg"}, {"b.SVG", "svg"}, {"b.png", ""}, {"b.pdf", ""}, {"b.gif", ""}, {"bench", ""},
	}
	for _, tt := range tests {
		got, err := hashbench.PlotFormat(tt.path)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("PlotFormat(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
		if err != nil && !errors.Is(err, hashbench.ErrPlotFormat) {
			t.Errorf("PlotFormat(%q) error %v does not wrap ErrPlotFormat", tt.path, err)
		}
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := hashbench.Run(context.Background(), hashbench.Config{Sizes: []int64{0}}); !errors.Is(err, hashbench.ErrInvalidSize) {
		t.Errorf("Run(size 0) error = %v, want ErrInvalidSize", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := hashbench.Run(ctx, hashbench.Config{Sizes: []int64{1 << 20}, MinTime: time.Second}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run(cancelled) error = %v, want context.Canceled", err)
	}
}

func ExampleParseSize() {
	for _, s := range []string{"4096", "64KiB", "16M"} {
		n, _ := hashbench.ParseSize(s)
		fmt.Println(n, hashbench.FormatSize(n))
	}
	// Output:
	// 4096 4KiB
	// 65536 64KiB
	// 16777216 16MiB
}
