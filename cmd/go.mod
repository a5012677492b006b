module github.com/concil-go/ocispec/cmd

go 1.26.0

require github.com/concil-go/ocispec v0.0.0-00010101000000-000000000000

require (
	github.com/concil-go/ocispec/orasbridge v0.0.0-00010101000000-000000000000
	github.com/concil-go/ocispec/plugins v0.0.0-00010101000000-000000000000
	github.com/concil-go/ocispec/schema v0.0.0-00010101000000-000000000000
	github.com/hashicorp/go-plugin v1.8.0
	github.com/opencontainers/go-digest v1.0.0
	github.com/opencontainers/image-spec v1.1.1
	github.com/schollz/progressbar/v3 v3.19.1
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.10
	github.com/zeebo/blake3 v0.2.4
	golang.org/x/sync v0.24.0
	golang.org/x/term v0.48.0
)

require (
	github.com/fatih/color v1.13.0 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/hashicorp/go-hclog v1.6.3 // indirect
	github.com/hashicorp/yamux v0.1.2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/klauspost/cpuid/v2 v2.2.3 // indirect
	github.com/mattn/go-colorable v0.1.12 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/minio/sha256-simd v1.0.1 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/oklog/run v1.1.0 // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	oras.land/oras-go/v2 v2.7.0 // indirect
)

// The module is developed with the others of this repository (see go.work);
// these point at them when it is built on its own.
replace (
	github.com/concil-go/ocispec => ../
	github.com/concil-go/ocispec/orasbridge => ../orasbridge
	github.com/concil-go/ocispec/plugins => ../plugins
	github.com/concil-go/ocispec/schema => ../schema
)
