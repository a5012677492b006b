// Package archive reads and writes the tar archives images travel in:
// docker save's and podman save's, skopeo's oci-archive and
// docker-archive, buildctl's --output type=oci. It is the layer under
// the oci-archive: and docker-archive: transports: it knows tar and the
// archives' own documents, not images.
//
// An uncompressed archive is read in place: [New] (or [OpenFile]) reads
// the headers alone, seeking over the data, into an [Index], and
// [Archive.Open] returns an io.SectionReader on a file's data where it
// lies; nothing is extracted. A gzip or zstd archive cannot be sought:
// [NewStream] reads it in one pass, entry by entry, and [Scan] builds on
// it to read a whole image archive in that one pass (small documents
// kept in memory, the rest handed to a spool as it passes, every blob
// verified against its name). Both check each header as it comes and
// refuse a hostile archive with an error naming the entry: a name or
// link leaving the archive, a hard link to nothing, two entries of one
// name, a truncated archive, a bad header checksum. Memory stays
// bounded whatever the archive claims ([Options]).
//
// [ParseManifest] and [ParseRepositories] read docker save's documents
// strictly; [DetectLayout] tells an OCI layout from the three
// generations of docker save. [Write] and [WriteFile] write reproducible
// archives (sorted, fixed times, owner 0:0, modes 0644 and 0755),
// WriteFile atomically.
//
//	a, err := archive.OpenFile(ctx, "image.tar", nil)
//	if errors.Is(err, archive.ErrCompressed) {
//		// read it with archive.Scan or archive.NewStream instead
//	}
//	defer a.Close()
//	layout, err := archive.DetectLayout(a.Index)
//	index, err := a.ReadFile("index.json", 0) // within 4 MiB
//	blob, err := a.Open("blobs/sha256/" + hex) // an io.SectionReader
package archive
