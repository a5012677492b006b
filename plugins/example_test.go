package plugins_test

import (
	"context"
	"fmt"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins"
)

func ExampleLoad() {
	// helmPlugin is the path of the example plugin, built with
	// go build -o helm ./plugins/examples/helm
	r := core.NewRegistry()
	p, err := plugins.Load(context.Background(), helmPlugin, plugins.WithRegistry(r))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	f, _ := r.Format("helm")
	fmt.Println(p.Info().Name, p.Info().Capabilities)
	fmt.Println(f.MediaType("chart"))
	config := core.DescriptorFromBytes(core.KindConfig, []byte(`{"name":"mychart","version":"0.1.0"}`))
	chart := core.DescriptorFromBytes("chart", []byte("chart tgz"))
	b, err := f.EncodeManifest(core.Manifest{Config: config, Layers: []core.Descriptor{chart}}, core.EncodingCompact)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, g, err := r.DecodeManifest(b)
	fmt.Println(g.Name(), err)
	// Output:
	// helm [detect]
	// application/vnd.cncf.helm.chart.content.v1.tar+gzip
	// helm <nil>
}

func ExampleLoadDir() {
	// With dir "", the folder is $OCISPEC_PLUGIN_DIR; unset, nothing is
	// loaded.
	ps, err := plugins.LoadDir(context.Background(), "")
	defer plugins.CloseAll(ps)
	fmt.Println(len(ps), err)
	// Output: 0 <nil>
}
