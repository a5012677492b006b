// Package transport reads and writes images wherever they live, through
// one contract: a [Reference] (parsed as skopeo writes them) opens as a
// [Source] (list images, resolve the reference, fetch manifests and
// blobs verified) and as a [Destination] (blobs verified while written,
// those present skipped, images committed atomically at the end), and
// [Copy] moves images between any two of them.
//
// The built-in transports:
//
//	oci:PATH[:TAG]                 an OCI image layout folder ([OCI])
//	dir:PATH                       containers/image's dir: folder ([Dir])
//	oci-archive:PATH[:TAG]         a tar of an OCI image layout ([OCIArchive])
//	docker-archive:PATH[:NAME:TAG] docker save's archive ([DockerArchive]);
//	docker-archive:PATH:@N         its N-th image, from 0
//
// Archives are read in place, by seeking to their entries; a gzip or
// zstd archive, which cannot be sought, is read in one pass that spools
// its blobs (verified as they pass) beside the destination. Archives are
// written reproducibly under a temporary name renamed into place, and
// docker-archive writes Docker 25's dual format: the same file is an
// oci-archive too. A registry transport (docker://) fits the same
// contract: streaming Fetch and Push, Exists before each push, the
// manifest pushed and tagged last by Commit, tags listed by Images.
//
//	src, err := transport.Parse("docker-archive:app.tar")
//	dst, err := transport.Parse("oci:/images/app:v1")
//	s, err := src.NewSource(ctx, nil)
//	defer s.Close()
//	d, err := dst.NewDestination(ctx, nil)
//	defer d.Close()
//	res, err := transport.Copy(ctx, d, s, nil) // the manifest digest is kept
package transport
