package plugins_test

import (
	"context"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
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
	p, err := plugins.Load(context.Background(), helmPlugin, plugins.WithRegistry(nil))
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
	doc, err := helmformat.Format.EncodeManifest(m, core.EncodingCompact)
	if err != nil {
		b.Fatal(err)
	}
	for _, impl := range []string{"inprocess", "plugin"} {
		f := fs[impl]
		b.Run("op=encode/impl="+impl, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.EncodeManifest(m, core.EncodingCompact); err != nil {
					b.Fatal(err)
				}
			}
		})
		// Detect is the cheapest call: through the plugin it is the
		// round trip's floor.
		d := f.(core.Detector)
		b.Run("op=detect/impl="+impl, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if !d.Detect(doc) {
					b.Fatal("Detect = false")
				}
			}
		})
		b.Run("op=decode/impl="+impl, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.DecodeManifest(doc); err != nil {
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
		mt := f.MediaType(core.KindConfig)
		b.Run("impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if f.MediaType(core.KindConfig) != mt || f.Kind(mt) != core.KindConfig {
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
			opts := append([]plugins.Option{plugins.WithRegistry(nil)}, tt.opts...)
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
