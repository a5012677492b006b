package orasbridge_test

import (
	"context"
	"fmt"

	"github.com/concil-go/ocispec/orasbridge"
	"github.com/concil-go/ocispec/transport"
)

// A layout's image copied to a registry: the blobs the registry has are
// not sent, the manifest goes last, under its tag, with the local bytes
// and digest. PlainHTTP is for a local registry without TLS.
func ExampleDocker() {
	ctx := context.Background()
	docker := orasbridge.Docker(&orasbridge.RegistryOptions{PlainHTTP: true})
	src, err := transport.Parse("oci:/images/app:v1")
	if err != nil {
		panic(err)
	}
	dst, err := transport.Parse("docker://localhost:5000/app:v1", docker)
	if err != nil {
		panic(err)
	}
	s, err := src.NewSource(ctx, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	d, err := dst.NewDestination(ctx, nil)
	if err != nil {
		panic(err)
	}
	defer d.Close()
	res, err := transport.Copy(ctx, d, s, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Images[0].Descriptor.Digest, res.Blobs, "sent,", res.Skipped, "present")
}
