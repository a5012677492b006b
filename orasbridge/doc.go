// Package orasbridge lets oras-go read and write every place package
// transport reaches: [Target] implements oras-go v2's oras.Target and
// content.ReadOnlyGraphStorage over a transport's Source and
// Destination, so that oras.Copy, oras.ExtendedCopy and any oras-go
// user read and write OCI layouts, dir: folders, oci-archives and
// docker-archives with this module's guarantees: content verified as it
// is read and as it is written, images named atomically.
//
// It also holds the registry transport, docker://HOST[:PORT]/REPO
// [:TAG|@DIGEST] ([Docker], [DockerReference]), on oras-go's
// registry/remote: a Source and a Destination like the others, with
// credentials from Docker's config.json or given once, retries on 429
// and 5xx, tag listing ([DockerReference.Tags]) and referrers
// ([DockerReference.Referrers], [ReferrersTag]). Pass it to
// transport.Parse:
//
//	docker := orasbridge.Docker(&orasbridge.RegistryOptions{PlainHTTP: true})
//	ref, err := transport.Parse("docker://localhost:5000/app:v1", docker)
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
