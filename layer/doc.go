// Package layer builds OCI image layers: tar streams of a folder, an
// fs.FS or a list of entries, uncompressed or compressed with gzip or
// zstd, in one pass that computes the layer's digest and diffID while
// it writes, on every core.
//
// [Scan] lists the sources ([FromDir], [FromFS], [FromEntries]) into a
// [Plan]: parents before children, names in byte order, whiteouts
// first. [Plan.Write] writes it to an io.Writer in one of two modes:
// [Reproducible] (the default: fixed times, owners and modes, so the
// same files give the same digest on every machine) or [Preserve]
// (modes, owners, times, extended attributes, hard links, devices).
// Deletions relative to a base image are [Whiteout] and
// [OpaqueWhiteout] entries, as image-spec's layer.md spells them.
//
//	plan, err := layer.Scan(ctx, layer.FromDir("rootfs"),
//		layer.FromEntries(layer.Whiteout("etc/old.conf")))
//	if err != nil {
//		return err
//	}
//	l, err := plan.Write(ctx, f, layer.Options{Compression: core.Gzip})
//	fmt.Println(l.Digest, l.DiffID)
//
// Folders are read through descriptors opened without following links:
// a file swapped for a symbolic link, or replaced, between Scan and
// Write is an error, never a read of what the link points to.
package layer
