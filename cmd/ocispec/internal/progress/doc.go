// Package progress shows progress bars of bytes and throughput on
// standard error, through github.com/schollz/progressbar, for work that
// lasts: a bar appears only once its work has run for a second
// ([DefaultDelay]), only when enabled (the command enables it when
// standard error is a terminal, [Terminal], and --quiet is not given),
// and its line is cleared when the work ends, so logs and pipes never
// see it.
//
//	bar := progress.New(os.Stderr, progress.Terminal(os.Stderr), total, "packing", progress.Options{})
//	defer bar.Finish()
//	bar.Add(n) // as bytes are done; a nil *Bar does nothing
package progress
