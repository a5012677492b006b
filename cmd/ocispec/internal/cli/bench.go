package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/hashbench"
	"github.com/concil-go/ocispec/cmd/ocispec/internal/progress"
	"github.com/concil-go/ocispec/internal/atomicfile"
)

type benchOptions struct {
	sizes      []string
	algorithms []string
	plot       string
	minTime    time.Duration
	rounds     int
	json       bool
}

func (a *app) benchCommand() *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench [flags]",
		Short: "Measure hashing throughput on this machine",
		Long: `Measure hashing throughput on this machine for every digest backend
(crypto/sha256, sha256-simd, crypto/sha512, blake3) at each blob size: the
digesters engine reading a blob from memory through its pipeline, next to
the single-core limit (the bare hash over the same bytes, on one core).
The backend this machine uses for each algorithm is marked.

Prints a table (or, with --json, one line of JSON per measurement); with
--plot, also draws the chart (throughput against blob size, one line per
backend, its limit dashed) into an SVG file.`,
		Example: `  ocispec bench
  ocispec bench --size 64KiB --size 16MiB --algorithm sha256 --plot docs/bench.svg`,
		Args: argsBetween(0, 0, "no arguments"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.bench(o) }),
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.sizes, "size", nil, "blob `SIZE` such as 4096, 64KiB or 16MiB (repeatable; default 4KiB 64KiB 1MiB 16MiB 64MiB)")
	f.StringArrayVar(&o.algorithms, "algorithm", nil, "measure only the backends of `ALGORITHM` (repeatable)")
	f.StringVar(&o.plot, "plot", "", "draw the chart into `FILE` (.svg)")
	f.DurationVar(&o.minTime, "time", hashbench.DefaultMinTime, "how long each measurement runs at least")
	f.IntVar(&o.rounds, "rounds", 3, "how many times each measurement is taken (the best is kept)")
	f.BoolVar(&o.json, "json", false, "print one line of JSON per measurement")
	return cmd
}

func (a *app) bench(o *benchOptions) error {
	var sizes []int64
	for _, s := range o.sizes {
		n, err := hashbench.ParseSize(s)
		if err != nil {
			return &usageError{err}
		}
		sizes = append(sizes, n)
	}
	var plotFormat string
	if o.plot != "" {
		var err error
		if plotFormat, err = hashbench.PlotFormat(o.plot); err != nil {
			return &usageError{err}
		}
	}
	if o.rounds < 1 {
		return usagef("--rounds %d: want 1 or more", o.rounds)
	}
	if o.minTime <= 0 {
		return usagef("--time %v: want a positive duration such as 200ms", o.minTime)
	}
	backends, err := hashbench.Backends(o.algorithms)
	if err != nil {
		return err
	}
	n := len(sizes)
	if n == 0 {
		n = len(hashbench.DefaultSizes)
	}
	bar := progress.New(a.stderr, a.progress, int64(n*len(backends)), "measuring", progress.Options{Items: true})
	done := 0
	results, err := hashbench.Run(a.ctx, hashbench.Config{
		Sizes: sizes, Backends: backends, MinTime: o.minTime, Rounds: o.rounds,
		Progress: func(d, total int) {
			bar.Add(int64(d - done))
			done = d
		},
	})
	bar.Finish()
	if err != nil {
		return err
	}
	a.note("hashing throughput on %s", hashbench.Machine())
	if o.json {
		for _, r := range results {
			if err := a.result(r); err != nil {
				return err
			}
		}
	} else if err := hashbench.WriteTable(a.stdout, results); err != nil {
		return err
	}
	if o.plot != "" {
		chart, err := hashbench.Plot(results, "Hashing throughput on "+hashbench.Machine(), plotFormat)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(o.plot, chart, 0o644); err != nil {
			return err
		}
		a.note("chart written to %s", o.plot)
	}
	return nil
}
