// Command helm is a format plugin for Helm charts stored as OCI
// artifacts: an example of a plugin built on the SDK, and a format a
// host can load without being rebuilt.
//
//	go build -o ~/.local/lib/ocispec/plugins/helm ./plugins/examples/helm
//	OCISPEC_PLUGIN_DIR=~/.local/lib/ocispec/plugins your-tool ...
//
// The format itself is package helmformat; this main serves it.
package main

import (
	"github.com/concil-go/ocispec/plugins/examples/helm/helmformat"
	"github.com/concil-go/ocispec/plugins/sdk"
)

func main() { sdk.Serve(helmformat.Format) }
