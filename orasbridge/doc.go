// Package orasbridge lets oras-go read and write every place package
// transport reaches: [Target] implements oras-go v2's oras.Target and
// content.ReadOnlyGraphStorage over a transport's Source and
// Destination, so that oras.Copy, oras.ExtendedCopy and any oras-go
// user read and write OCI layouts, dir: folders, oci-archives and
// docker-archives with this module's guarantees: content verified as it
// is read and as it is written, images named atomically.
//
// It is a module of its own so that an embedder of the library who does
// not use oras-go does not get it in its module graph.
//
//	src, err := orasbridge.Open(ctx, "oci-archive:app.tar", nil) // read
//	dst, err := orasbridge.Open(ctx, "oci:/images/app", nil)      // written
//	defer src.Close()
//	defer dst.Close()
//	desc, err := oras.Copy(ctx, src, "v1", dst, "v1", oras.DefaultCopyOptions)
package orasbridge
