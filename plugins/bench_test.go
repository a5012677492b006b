package plugins_test

import (
	"context"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/plugins"
	"github.com/concil-go/ocispec/plugins/examples/helm/helmformat"
)

// benchManifest is a Helm chart manifest of about 1 KiB once encoded:
// config, chart and provenance layers and Helm's annotations.
func benchManifest() core.Manifest {
	return core.Manifest{
		Config: core.DescriptorFromBytes(core.KindConfig, []byte(`{"name":"mychart","version":"0.1.0","apiVersion":"v2"}`)),
		Layers: []core.Descriptor{
			core.DescriptorFromBytes(helmformat.KindChart, []byte("chart tgz")),
			core.DescriptorFromBytes(helmformat.KindProvenance, []byte("provenance")),
		},
		Annotations: map[string]string{
			"org.opencontainers.image.created":     "2024-05-01T10:00:00Z",
			"org.opencontainers.image.description": "A Helm chart for Kubernetes, " + strings.Repeat("with a longer description ", 12),
			"org.opencontainers.image.title":       "mychart",
			"org.opencontainers.image.version":     "0.1.0",
		},
	}
}

func benchFormats(b *testing.B) map[string]core.Format {
	p, err := plugins.Load(context.Background(), helmPlugin, plugins.WithoutRegistration())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return map[string]core.Format{"inprocess": helmformat.Format, "plugin": p.Format()}
}

// BenchmarkManifest: encode and decode of a 1 KiB manifest through the
// plugin against the same format in process.
func BenchmarkManifest(b *testing.B) {
	fs := benchFormats(b)
	m := benchManifest()
	doc, err := helmformat.Format.EncodeManifest(context.Background(), m, core.EncodingCompact)
	if err != nil {
		b.Fatal(err)
	}
	for _, impl := range []string{"inprocess", "plugin"} {
		f := fs[impl]
		b.Run("op=encode/impl="+impl, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.EncodeManifest(context.Background(), m, core.EncodingCompact); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("op=decode/impl="+impl, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.DecodeManifest(context.Background(), doc); err != nil {
					b.Fatal(err)
				}
			}
		})
		// A caller's context that can end (a command's signal context,
		// say) costs the host a goroutine per call.
		b.Run("op=decode/ctx=cancelable/impl="+impl, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.DecodeManifest(ctx, doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Logf("manifest of %d bytes", len(doc))
}

// BenchmarkLookup: a kind and a media-type lookup on a plugin's format,
// a built-in (OCI) and the same format in process.
func BenchmarkLookup(b *testing.B) {
	fs := benchFormats(b)
	fs["builtin"] = oci.Format
	for _, impl := range []string{"builtin", "inprocess", "plugin"} {
		f := fs[impl]
		mt := f.Describe().Table.MediaType(core.KindConfig)
		b.Run("impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				table := f.Describe().Table
				if table.MediaType(core.KindConfig) != mt || table.Kind(mt) != core.KindConfig {
					b.Fatal("lookup failed")
				}
			}
		})
	}
}

// BenchmarkStartup: loading a plugin (start the process, handshake,
// fetch and check its description); Close is not timed.
func BenchmarkStartup(b *testing.B) {
	for _, tt := range []struct {
		name string
		opts []plugins.Option
	}{{"plain", nil}, {"automtls", []plugins.Option{plugins.WithAutoMTLS()}}} {
		b.Run("transport="+tt.name, func(b *testing.B) {
			opts := append([]plugins.Option{plugins.WithoutRegistration()}, tt.opts...)
			for b.Loop() {
				p, err := plugins.Load(context.Background(), helmPlugin, opts...)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				p.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkRegistryDecode: core.Registry.DecodeManifest of a Docker
// manifest (a media type no plugin has) and of a Helm chart, with the
// built-in formats only and with them plus two plugins loaded: Helm
// (which claims charts by config media type) and one that detects its
// documents by content. Detection reads mediaType first, so the Docker
// manifest costs no RPC with the plugins loaded (rpcs/op reports the
// calls the plugins received) and a chart costs exactly its decode.
func BenchmarkRegistryDecode(b *testing.B) {
	ctx := context.Background()
	chart, err := helmformat.Format.EncodeManifest(ctx, benchManifest(), core.EncodingCompact)
	if err != nil {
		b.Fatal(err)
	}
	dockerDoc, err := docker.Format.EncodeManifest(ctx, core.Manifest{
		Config: core.DescriptorFromBytes(core.KindConfig, []byte("{}")),
		Layers: []core.Descriptor{core.DescriptorFromBytes(core.KindTarGzip, []byte("layer"))},
	}, core.EncodingCompact)
	if err != nil {
		b.Fatal(err)
	}
	builtin := formats.NewRegistry(nil)
	withPlugins := formats.NewRegistry(nil)
	var loaded []*plugins.Plugin
	for _, path := range []string{helmPlugin, faultyPlugin} {
		p, err := plugins.Load(ctx, path, plugins.WithRegistry(withPlugins))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.Close() })
		loaded = append(loaded, p)
	}
	calls := func() (n int64) {
		for _, p := range loaded {
			n += p.Calls()
		}
		return n
	}
	for _, tt := range []struct {
		doc  string
		data []byte
		want string
	}{{"docker", dockerDoc, "docker"}, {"helm", chart, "helm"}} {
		for _, impl := range []string{"builtin", "plugins"} {
			r, want := builtin, tt.want
			if impl == "builtin" && tt.want == "helm" {
				want = "oci" // without the plugin a chart is an OCI manifest
			}
			if impl == "plugins" {
				r = withPlugins
			}
			b.Run("doc="+tt.doc+"/impl="+impl, func(b *testing.B) {
				b.SetBytes(int64(len(tt.data)))
				b.ReportAllocs()
				before := calls()
				for b.Loop() {
					_, f, err := r.DecodeManifest(ctx, tt.data)
					if err != nil || f.Describe().Name != want {
						b.Fatalf("DecodeManifest = %v, %v; want format %s", f, err, want)
					}
				}
				b.ReportMetric(float64(calls()-before)/float64(b.N), "rpcs/op")
			})
		}
	}
}
