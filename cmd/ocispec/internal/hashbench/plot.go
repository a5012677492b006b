package hashbench

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// PlotFormats are the chart formats [Plot] writes, by file extension.
// The chart is drawn as SVG by this package itself, so that no plotting
// or font library is linked into the command.
var PlotFormats = []string{".svg"}

// PlotFormat returns the chart format a file name asks for ("svg"), or
// an error wrapping [ErrPlotFormat] when its extension is not one of
// PlotFormats.
func PlotFormat(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if !slices.Contains(PlotFormats, ext) {
		return "", fmt.Errorf("%w: %q (want a file name ending in %s)", ErrPlotFormat, path, strings.Join(PlotFormats, ", "))
	}
	return ext[1:], nil
}

// The chart's geometry, in SVG user units (pixels).
const (
	chartW, chartH = 720, 440
	marginL        = 70
	marginR        = 20
	marginT        = 40
	marginB        = 50
)

// palette holds the series colours, in order (the Okabe–Ito set,
// readable by colour-blind readers).
var palette = []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"}

type series struct {
	label         string
	colour        string
	engine, limit [][2]float64 // (size, MB/s)
}

// Plot draws results as a chart, throughput against blob size on a
// logarithmic axis, one solid line per backend (the engine) and a dashed
// line of the same colour for its single-core limit, headed by title,
// and returns it in format (only "svg").
func Plot(results []Result, title, format string) ([]byte, error) {
	if !slices.Contains(PlotFormats, "."+format) {
		return nil, fmt.Errorf("%w: %q (want one of %s)", ErrPlotFormat, format, strings.Join(PlotFormats, ", "))
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("hashbench: %w", ErrNoResults)
	}
	var order []*series
	byKey := map[string]*series{}
	var sizes []int64
	var top float64
	for _, r := range results {
		if r.Size <= 0 || !finite(r.Engine) || !finite(r.Limit) {
			return nil, fmt.Errorf("hashbench: cannot plot %s %s at size %d: engine %v, limit %v", r.Algorithm, r.Backend, r.Size, r.Engine, r.Limit)
		}
		key := r.Algorithm + " " + r.Backend
		s, ok := byKey[key]
		if !ok {
			s = &series{label: key, colour: palette[len(order)%len(palette)]}
			if r.Chosen {
				s.label += " (used)"
			}
			byKey[key] = s
			order = append(order, s)
		}
		s.engine = append(s.engine, [2]float64{float64(r.Size), r.Engine / 1e6})
		s.limit = append(s.limit, [2]float64{float64(r.Size), r.Limit / 1e6})
		if !slices.Contains(sizes, r.Size) {
			sizes = append(sizes, r.Size)
		}
		top = max(top, r.Engine/1e6, r.Limit/1e6)
	}
	slices.Sort(sizes)
	for _, s := range order {
		slices.SortFunc(s.engine, func(a, b [2]float64) int { return cmpX(a, b) })
		slices.SortFunc(s.limit, func(a, b [2]float64) int { return cmpX(a, b) })
	}

	// Axes: x is log10 of the size with half a step of room either side;
	// y runs from 0 with head room above the data for the legend.
	lo, hi := math.Log10(float64(sizes[0])), math.Log10(float64(sizes[len(sizes)-1]))
	pad := (hi - lo) / 20
	if hi == lo {
		pad = math.Log10(2)
	}
	lo, hi = lo-pad, hi+pad
	if top <= 0 {
		top = 1
	}
	yMax := top * (1.15 + 0.09*float64(len(order)+1))
	step := niceStep(yMax / 5)
	x := func(v float64) float64 {
		return marginL + (math.Log10(v)-lo)/(hi-lo)*(chartW-marginL-marginR)
	}
	y := func(v float64) float64 {
		return chartH - marginB - v/yMax*(chartH-marginT-marginB)
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartW, chartH)
	fmt.Fprintf(&b, `<text x="%d" y="24" text-anchor="middle" font-size="15">%s</text>`+"\n", chartW/2, escape(title))
	// Grid and ticks.
	for v := 0.0; v <= yMax; v += step {
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#dddddd"/>`+"\n", marginL, num(y(v)), chartW-marginR, num(y(v)))
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", marginL-6, num(y(v)), strconv.FormatFloat(v, 'f', -1, 64))
	}
	for _, s := range sizes {
		fmt.Fprintf(&b, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#dddddd"/>`+"\n", num(x(float64(s))), marginT, num(x(float64(s))), chartH-marginB)
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle">%s</text>`+"\n", num(x(float64(s))), chartH-marginB+16, escape(FormatSize(s)))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#000000"/>`+"\n", marginL, marginT, chartW-marginL-marginR, chartH-marginT-marginB)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">blob size</text>`+"\n", (marginL+chartW-marginR)/2, chartH-12)
	fmt.Fprintf(&b, `<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">throughput (MB/s)</text>`+"\n", (marginT+chartH-marginB)/2, (marginT+chartH-marginB)/2)
	// Series: the engine solid with a dot per measurement, the limit dashed.
	polyline := func(pts [][2]float64, colour, extra string) {
		b.WriteString(`<polyline fill="none" stroke="` + colour + `"` + extra + ` points="`)
		for i, p := range pts {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(num(x(p[0])) + "," + num(y(p[1])))
		}
		b.WriteString(`"/>` + "\n")
	}
	for _, s := range order {
		polyline(s.engine, s.colour, ` stroke-width="1.5" class="engine"`)
		for _, p := range s.engine {
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`+"\n", num(x(p[0])), num(y(p[1])), s.colour)
		}
		polyline(s.limit, s.colour, ` stroke-width="1" stroke-dasharray="4 3" class="limit"`)
	}
	// Legend, top left inside the plot area.
	ly := marginT + 16
	for _, s := range order {
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.5"/>`+"\n", marginL+10, ly, marginL+34, ly, s.colour)
		fmt.Fprintf(&b, `<text x="%d" y="%d" dominant-baseline="middle" fill="#666666">%s</text>`+"\n", marginL+40, ly, escape(s.label))
		ly += 16
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#e5e5e5" stroke-dasharray="4 3"/>`+"\n", marginL+10, ly, marginL+34, ly)
	fmt.Fprintf(&b, `<text x="%d" y="%d" dominant-baseline="middle" fill="#666666">dashed: each backend's single-core limit</text>`+"\n", marginL+40, ly)
	b.WriteString("</svg>\n")
	return b.Bytes(), nil
}

func cmpX(a, b [2]float64) int {
	switch {
	case a[0] < b[0]:
		return -1
	case a[0] > b[0]:
		return 1
	}
	return 0
}

func finite(v float64) bool { return v >= 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }

// niceStep rounds v up to 1, 2 or 5 times a power of ten.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// num formats a coordinate with at most one decimal.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// escape makes s safe as SVG text content.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			if r < 0x20 && r != '\t' && r != '\n' {
				continue // not allowed in XML 1.0
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
