package sdk_test

import (
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/plugins/sdk"
)

// A plugin's whole main: serve a format. This one is a kind table over
// OCI manifests whose config is a Wasm config, built on core's
// image-spec codec; any core.Format will do. (The example is not run:
// Serve only works under a host.)
func ExampleServe() {
	f := core.NewFormat(core.FormatSpec{Description: core.Description{
		Name:              "wasm",
		ManifestMediaType: oci.MediaTypeManifest,
		Table: core.NewTable(map[string]string{
			core.KindConfig: "application/vnd.wasm.config.v0+json",
			"module":        "application/wasm",
		}, nil),
		MediaTypeOptional: true,
		ArtifactFields:    true,
		ConfigMediaTypes:  []string{"application/vnd.wasm.config.v0+json"},
	}})
	sdk.Serve(f)
}
