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
	r := core.NewRegistry(nil)
	p, err := plugins.Load(context.Background(), helmPlugin, plugins.WithRegistry(r))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	f, _ := r.Format("helm")
	fmt.Println(p.Info().Name, p.Info().Capabilities)
	fmt.Println(f.Describe().Table.MediaType("chart"))
	config := core.DescriptorFromBytes(core.KindConfig, []byte(`{"name":"mychart","version":"0.1.0"}`))
	chart := core.DescriptorFromBytes("chart", []byte("chart tgz"))
	b, err := f.EncodeManifest(context.Background(), core.Manifest{Config: config, Layers: []core.Descriptor{chart}}, core.EncodingCompact)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, g, err := r.DecodeManifest(context.Background(), b)
	fmt.Println(g.Describe().Name, p.Calls(), err) // encode and decode; detection costs no call
	// Output:
	// helm []
	// application/vnd.cncf.helm.chart.content.v1.tar+gzip
	// helm 2 <nil>
}

func ExampleLoadDir() {
	// With dir "", the folder is $OCISPEC_PLUGIN_DIR; unset, nothing is
	// loaded.
	ps, err := plugins.LoadDir(context.Background(), "")
	defer plugins.CloseAll(ps)
	fmt.Println(len(ps), err)
	// Output: 0 <nil>
}
