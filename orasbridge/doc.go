// Package orasbridge holds the registry transport, docker://HOST[:PORT]/REPO
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
// Its subpackage target lets oras-go read and write every place package
// transport reaches (target.Target, an oras.Target); it is apart so that
// the registry transport does not link oras-go's root package.
//
// It is a module of its own so that an embedder of the library who does
// not use oras-go does not get it in its module graph.
package orasbridge
