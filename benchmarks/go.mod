module github.com/concil-go/ocispec/benchmarks

go 1.26.0

require github.com/concil-go/ocispec v0.0.0-00010101000000-000000000000

require (
	github.com/concil-go/ocispec/schema v0.0.0-00010101000000-000000000000
	github.com/google/go-containerregistry v0.22.1
	github.com/klauspost/compress v1.20.4
	github.com/opencontainers/go-digest v1.0.0
	github.com/opencontainers/image-spec v1.1.1
	oras.land/oras-go/v2 v2.7.0
)

require (
	github.com/klauspost/cpuid/v2 v2.2.3 // indirect
	github.com/minio/sha256-simd v1.0.1 // indirect
	github.com/zeebo/blake3 v0.2.4 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

// The module is developed with the others of this repository (see go.work);
// these point at them when it is built on its own.
replace (
	github.com/concil-go/ocispec => ../
	github.com/concil-go/ocispec/schema => ../schema
)
