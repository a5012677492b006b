package target_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/concil-go/ocispec/orasbridge/target"
	"oras.land/oras-go/v2"
)

// An image copied with oras.Copy from an OCI layout into an
// oci-archive, through the bridge: the manifest digest is kept, and the
// archive is whole once Tag has committed it.
func Example_orasCopy() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	d := exampleImage(src) // an OCI layout with an image tagged v1

	from, err := target.Open(ctx, "oci:"+src, nil)
	if err != nil {
		panic(err)
	}
	defer from.Close()
	to, err := target.Open(ctx, "oci-archive:"+filepath.Join(tmp, "app.tar"), nil)
	if err != nil {
		panic(err)
	}
	desc, err := oras.Copy(ctx, from, "v1", to, "v1", oras.DefaultCopyOptions)
	if err != nil {
		panic(err)
	}
	to.Close()
	fmt.Println(desc.Digest == d.Digest)
	back, _ := target.Open(ctx, "oci-archive:"+filepath.Join(tmp, "app.tar"), nil)
	defer back.Close()
	got, err := back.Resolve(ctx, "v1")
	fmt.Println(got.Digest == d.Digest, err)
	// Output:
	// true
	// true <nil>
}
