// Package tarlayer builds reproducible image layers from folders: the
// same files give the same bytes, so the same layer digest and diffID,
// on every run.
//
// [Scan] lists a folder (parents before children, names in byte
// order); [Plan.Write] writes it as a tar stream whose entries all carry
// one fixed time (the Unix epoch, or SOURCE_DATE_EPOCH through
// [ModTimeFromEnv]), owner and group 0 without names, and normalised
// modes (directories 0755, files 0644 or 0755 when their owner may
// execute them, links 0777), compressed with gzip or zstd from
// github.com/klauspost/compress or not at all, hashing the compressed
// bytes (the digest) and the tar stream (the diffID) as it writes.
//
//	plan, err := tarlayer.Scan("examples/hello")
//	if err != nil {
//		return err
//	}
//	layer, err := plan.Write(ctx, f, tarlayer.Options{Compression: core.Gzip})
//	fmt.Println(layer.Digest, layer.DiffID)
package tarlayer
