// Package unpack extracts the filesystem of an image, read through
// package transport from any place it lives (an OCI layout, a dir:
// folder, an oci-archive or a docker-archive), into a folder, and
// flattens it into one tar.
//
// [Unpack] applies the image's layers in order, with image-spec's
// whiteouts, into a new folder renamed into place when whole; [Export]
// writes the same tree as one reproducible tar stream without writing
// it to disk (squashing the layers); [Apply] applies a single layer to a
// folder. Every blob is verified as it is read, and hostile layers
// (names leaving the folder, symbolic or hard link tricks, device
// nodes, sparse-file claims) are refused with an error naming the entry.
//
//	ref, err := transport.Parse("oci:images/app:v1")
//	if err != nil {
//		return err
//	}
//	src, err := ref.NewSource(ctx, nil)
//	if err != nil {
//		return err
//	}
//	defer src.Close()
//	res, err := unpack.Unpack(ctx, src, "rootfs", nil)
package unpack
