// Package hashbench measures hashing throughput on the running machine,
// for the bench command: for every built-in backend of package
// digesters and every blob size, the digesters engine reading the blob
// through its pipeline next to the single-core limit (the bare hash over
// the same bytes in memory, on one core), as a table ([WriteTable]) or
// an SVG chart ([Plot]).
//
//	backends, _ := hashbench.Backends([]string{"sha256"})
//	results, err := hashbench.Run(ctx, hashbench.Config{Backends: backends})
//	if err != nil {
//		return err
//	}
//	hashbench.WriteTable(os.Stdout, results)
//	svg, err := hashbench.Plot(results, "sha256 on "+hashbench.Machine(), "svg")
package hashbench
