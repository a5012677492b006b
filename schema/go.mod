module github.com/concil-go/ocispec/schema

go 1.26.0

require (
	github.com/concil-go/ocispec v0.0.0-00010101000000-000000000000
	github.com/opencontainers/go-digest v1.0.0
	github.com/opencontainers/image-spec v1.1.1
	github.com/santhosh-tekuri/jsonschema/v5 v5.3.1
)

// The module is developed with the others of this repository (see go.work);
// these point at them when it is built on its own.
replace github.com/concil-go/ocispec => ../
