// Package target lets oras-go read and write every place package
// transport reaches: [Target] implements oras-go v2's oras.Target and
// content.ReadOnlyGraphStorage over a transport's Source and
// Destination, so that oras.Copy, oras.ExtendedCopy and any oras-go
// user read and write OCI layouts, dir: folders, oci-archives,
// docker-archives and registries (docker://, through
// orasbridge.Docker) with this module's guarantees: content verified as
// it is read and as it is written, images named atomically.
//
// It is a package of its own, apart from the registry transport in
// orasbridge, so that a program that only reads and writes registries
// does not link oras-go's root package and its initialisation.
//
//	src, err := target.Open(ctx, "oci-archive:app.tar", nil) // read
//	dst, err := target.Open(ctx, "oci:/images/app", nil)      // written
//	defer src.Close()
//	defer dst.Close()
//	desc, err := oras.Copy(ctx, src, "v1", dst, "v1", oras.DefaultCopyOptions)
package target
