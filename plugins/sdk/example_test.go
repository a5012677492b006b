package sdk_test

import (
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/sdk"
)

// A plugin's whole main: serve a format. This one is built from a kind
// table and core's image-spec codec; any core.Format will do. (The
// example is not run: Serve only works under a host.)
func ExampleServe() {
	f := core.NewFormat("wasm", core.NewTable(map[string]string{
		core.KindConfig: "application/vnd.wasm.config.v0+json",
		"module":        "application/wasm",
	}, nil), core.Codec{
		ManifestMediaType: core.MediaTypeOCIManifest,
		MediaTypeOptional: true,
		ArtifactFields:    true,
	})
	sdk.Serve(f)
}
