package hashbench

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// WriteTable writes results as an aligned table, one row per backend
// and size, throughputs in MB/s (10^6 bytes per second).
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "ALGORITHM\tBACKEND\tSIZE\tENGINE MB/s\tLIMIT MB/s\tOF LIMIT\t\n")
	for _, r := range results {
		backend := r.Backend
		if r.Chosen {
			backend += " *"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f\t%.0f%%\t\n", r.Algorithm, backend, FormatSize(r.Size), r.Engine/1e6, r.Limit/1e6, 100*r.Ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "ENGINE: digesters reading the blob through its pipeline; LIMIT: the bare hash on one core over memory; * the backend this machine uses.\n")
	return err
}

// PlotFormats are the chart formats [Plot] writes, by file extension.
var PlotFormats = []string{".svg", ".png", ".pdf"}

// PlotFormat returns the chart format a file name asks for ("svg",
// "png" or "pdf"), or an error wrapping [ErrPlotFormat] when its
// extension is not one of PlotFormats.
func PlotFormat(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if !slices.Contains(PlotFormats, ext) {
		return "", fmt.Errorf("%w: %q (want a file name ending in %s)", ErrPlotFormat, path, strings.Join(PlotFormats, ", "))
	}
	return ext[1:], nil
}

type series struct {
	label string
	xys   plotter.XYs
}

// Plot draws results as a chart, throughput against blob size on a
// logarithmic axis, one solid line per backend (the engine) and a dashed
// line of the same colour for its single-core limit, headed by title,
// and returns it in format ("svg", "png" or "pdf").
func Plot(results []Result, title, format string) ([]byte, error) {
	if !slices.Contains(PlotFormats, "."+format) {
		return nil, fmt.Errorf("%w: %q (want one of %s)", ErrPlotFormat, format, strings.Join(PlotFormats, ", "))
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("hashbench: %w", ErrNoResults)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "blob size"
	p.Y.Label.Text = "throughput (MB/s)"
	p.X.Scale = plot.LogScale{}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())

	var order []string
	bySeries := map[string]*series{}
	var sizes []int64
	for _, r := range results {
		key := r.Algorithm + " " + r.Backend
		s, ok := bySeries[key]
		if !ok {
			label := key
			if r.Chosen {
				label += " (used)"
			}
			s = &series{label: label}
			bySeries[key] = s
			order = append(order, key)
		}
		s.xys = append(s.xys, plotter.XY{X: float64(r.Size), Y: r.Engine / 1e6})
		if !slices.Contains(sizes, r.Size) {
			sizes = append(sizes, r.Size)
		}
	}
	slices.Sort(sizes)
	ticks := make([]plot.Tick, len(sizes))
	for i, s := range sizes {
		ticks[i] = plot.Tick{Value: float64(s), Label: FormatSize(s)}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if len(sizes) == 1 {
		p.X.Min, p.X.Max = float64(sizes[0])/2, float64(sizes[0])*2
	}
	p.Y.Min = 0
	p.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
		ticks := plot.DefaultTicks{}.Ticks(min, max)
		for i := range ticks {
			if ticks[i].Label != "" {
				ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
			}
		}
		return ticks
	})

	for i, key := range order {
		s := bySeries[key]
		c := plotutil.Color(i)
		line, points, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return nil, fmt.Errorf("hashbench: %w", err)
		}
		line.Color, line.Width = c, vg.Points(1.5)
		points.Color, points.Shape = c, draw.CircleGlyph{}
		limits := limitsOf(results, key)
		lim, err := plotter.NewLine(limits)
		if err != nil {
			return nil, fmt.Errorf("hashbench: %w", err)
		}
		lim.Color, lim.Width, lim.Dashes = c, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(line, points, lim)
		p.Legend.Add(s.label, line, points)
	}
	// One legend entry explains every dashed line.
	key, err := plotter.NewLine(plotter.XYs{})
	if err != nil {
		return nil, fmt.Errorf("hashbench: %w", err)
	}
	key.Color, key.Width, key.Dashes = color.Gray{Y: 90}, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
	p.Legend.Add("dashed: each backend's single-core limit", key)
	p.Legend.TextStyle.Color = color.Gray{Y: 40}
	// Head room above the data for the legend.
	var top float64
	for _, r := range results {
		top = max(top, r.Engine/1e6, r.Limit/1e6)
	}
	p.Y.Max = top * (1.15 + 0.09*float64(len(order)+1))

	wt, err := p.WriterTo(18*vg.Centimeter, 11*vg.Centimeter, format)
	if err != nil {
		return nil, fmt.Errorf("hashbench: %w", err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("hashbench: %w", err)
	}
	return buf.Bytes(), nil
}

func limitsOf(results []Result, key string) plotter.XYs {
	var xys plotter.XYs
	for _, r := range results {
		if r.Algorithm+" "+r.Backend == key {
			xys = append(xys, plotter.XY{X: float64(r.Size), Y: r.Limit / 1e6})
		}
	}
	return xys
}
