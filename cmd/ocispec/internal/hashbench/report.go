package hashbench

import (
	"fmt"
	"io"
	"text/tabwriter"
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
