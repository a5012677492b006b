package helmformat_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/plugins/examples/helm/helmformat"
	"github.com/concil-go/ocispec/plugins/sdk/sdktest"
)

// The test binary doubles as the Helm plugin for TestThroughPlugin.
func TestMain(m *testing.M) { sdktest.Main(m, helmformat.Format) }

func TestConformance(t *testing.T) { coretest.TestFormat(t, helmformat.Format) }

func TestThroughPlugin(t *testing.T) { sdktest.TestFormat(t, helmformat.Format) }

var (
	chartConfig = core.DescriptorFromBytes(core.KindConfig, []byte(`{"name":"mychart","version":"0.1.0","apiVersion":"v2"}`))
	chart       = core.DescriptorFromBytes(helmformat.KindChart, []byte("chart tgz"))
	prov        = core.DescriptorFromBytes(helmformat.KindProvenance, []byte("-----BEGIN PGP SIGNED MESSAGE-----"))
	legacy      = core.DescriptorFromBytes(helmformat.KindLegacyChart, []byte("old chart tgz"))
	image       = core.DescriptorFromBytes("application/vnd.oci.image.layer.v1.tar+gzip", []byte("image layer"))
)

func TestRules(t *testing.T) {
	imageConfig := core.DescriptorFromBytes("application/vnd.oci.image.config.v1+json", []byte("{}"))
	tests := []struct {
		name   string
		m      core.Manifest
		want   error // nil: valid
		fields []string
	}{
		{"chart", core.Manifest{Config: chartConfig, Layers: []core.Descriptor{chart}}, nil, nil},
		{"chart and provenance", core.Manifest{Config: chartConfig, Layers: []core.Descriptor{chart, prov}}, nil, nil},
		{"legacy chart", core.Manifest{Config: chartConfig, Layers: []core.Descriptor{legacy}}, nil, nil},
		{"no chart", core.Manifest{Config: chartConfig, Layers: []core.Descriptor{prov}}, helmformat.ErrNoChart, []string{"layers"}},
		{"two charts", core.Manifest{Config: chartConfig, Layers: []core.Descriptor{chart, legacy}}, helmformat.ErrTooManyCharts, []string{"layers[1]"}},
		{"two provenances", core.Manifest{Config: chartConfig, Layers: []core.Descriptor{chart, prov, prov}}, helmformat.ErrTooManyProvs, []string{"layers[2]"}},
		{"image config", core.Manifest{Config: imageConfig, Layers: []core.Descriptor{chart}}, helmformat.ErrNotHelmConfig, []string{"config.mediaType"}},
		{"image layer", core.Manifest{Config: chartConfig, Layers: []core.Descriptor{chart, image}}, helmformat.ErrUnexpectedLayer, []string{"layers[1].mediaType"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := helmformat.Format.EncodeManifest(context.Background(), tt.m, core.EncodingCompact)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("EncodeManifest(%s) = %v", tt.name, err)
				}
				got, err := helmformat.Format.DecodeManifest(context.Background(), b)
				if err != nil {
					t.Fatalf("DecodeManifest(%s) = %v", b, err)
				}
				if len(got.Layers) != len(tt.m.Layers) {
					t.Errorf("DecodeManifest(%s) has %d layers, want %d", b, len(got.Layers), len(tt.m.Layers))
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, core.ErrInvalidDocument) {
				t.Fatalf("EncodeManifest(%s) = %v, want %v and %v", tt.name, err, tt.want, core.ErrInvalidDocument)
			}
			var fields []string
			for _, p := range core.Problems(err) {
				var fe *core.FieldError
				if errors.As(p, &fe) {
					fields = append(fields, fe.Field)
				}
			}
			if fmt.Sprint(fields) != fmt.Sprint(tt.fields) {
				t.Errorf("EncodeManifest(%s) problems at %q, want %q", tt.name, fields, tt.fields)
			}
			// The same manifest written by another tool is refused on decoding.
			plain := core.NewFormat(core.FormatSpec{Description: core.Description{Name: "plain",
				ManifestMediaType: oci.MediaTypeManifest, Table: core.NewTable(helmformat.MediaTypes(), nil), MediaTypeOptional: true, ArtifactFields: true}})
			ob, err := plain.EncodeManifest(context.Background(), tt.m, core.EncodingCompact)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := helmformat.Format.DecodeManifest(context.Background(), ob); !errors.Is(err, tt.want) {
				t.Errorf("DecodeManifest(%s) = %v, want %v", ob, err, tt.want)
			}
		})
	}
}

// helmPush is a manifest in the shape helm push writes (oras-go v2:
// mediaType present, annotations from Chart.yaml).
func helmPush(t *testing.T) []byte {
	return fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`+
		`"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"%s","size":%d},`+
		`"layers":[{"mediaType":"application/vnd.cncf.helm.chart.content.v1.tar+gzip","digest":"%s","size":%d}],`+
		`"annotations":{"org.opencontainers.image.created":"2024-05-01T10:00:00Z","org.opencontainers.image.title":"mychart","org.opencontainers.image.version":"0.1.0"}}`,
		chartConfig.Digest, chartConfig.Size, chart.Digest, chart.Size)
}

func TestDecodeHelmPush(t *testing.T) {
	m, err := helmformat.Format.DecodeManifest(context.Background(), helmPush(t))
	if err != nil {
		t.Fatalf("DecodeManifest(helm push) = %v", err)
	}
	if got := helmformat.Format.Describe().Table.Kind(m.Layers[0].MediaType); got != helmformat.KindChart {
		t.Errorf("Kind(%q) = %q, want %q", m.Layers[0].MediaType, got, helmformat.KindChart)
	}
	if got := m.Annotations["org.opencontainers.image.title"]; got != "mychart" {
		t.Errorf("title annotation = %q, want %q", got, "mychart")
	}
}

// TestDetect: a registry with the built-in formats and Helm gives a
// document to Helm exactly when it is an OCI manifest (written or
// implied) whose config has Helm's media type.
func TestDetect(t *testing.T) {
	r := formats.NewRegistry(nil)
	r.MustRegisterFormat(helmformat.Format)
	tests := []struct {
		name string
		doc  string
		want string // "" for an error
	}{
		{"helm push", string(helmPush(t)), "helm"},
		{"no mediaType", `{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json"},"layers":[]}`, "helm"},
		{"parameters", `{"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json; charset=utf-8"}}`, "helm"},
		{"image", `{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json"},"layers":[]}`, "oci"},
		{"docker", `{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.cncf.helm.config.v1+json"}}`, "docker"},
		{"index", `{"schemaVersion":2,"manifests":[]}`, "oci"},
		{"not json", `not json`, ""},
		{"config not an object", `{"config":"x"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			det, err := r.Detect(context.Background(), []byte(tt.doc))
			got := ""
			if err == nil {
				got = det.Format.Describe().Name
			}
			if got != tt.want {
				t.Errorf("Detect(%q) = %q (%v), want %q", tt.doc, got, err, tt.want)
			}
		})
	}
}

// A registry holding the OCI format and Helm gives Helm charts to Helm
// (their config type), other OCI manifests to OCI, whichever was
// registered first.
func TestRegistryPrefersHelm(t *testing.T) {
	r := core.NewRegistry(nil)
	r.MustRegisterFormat(helmformat.Format)
	r.MustRegisterFormat(oci.Format)
	_, f, err := r.DecodeManifest(context.Background(), helmPush(t))
	if err != nil || f.Describe().Name != "helm" {
		t.Errorf("DecodeManifest(helm push) format = %v, %v; want helm", f, err)
	}
	img := []byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` +
		string(chartConfig.Digest) + `","size":1},"layers":[]}`)
	_, f, err = r.DecodeManifest(context.Background(), img)
	if err != nil || f.Describe().Name != "oci" {
		t.Errorf("DecodeManifest(image) format = %v, %v; want oci", f, err)
	}
}

func Example() {
	config := core.DescriptorFromBytes(core.KindConfig, []byte(`{"name":"mychart","version":"0.1.0"}`))
	chart := core.DescriptorFromBytes(helmformat.KindChart, []byte("chart tgz"))
	b, err := helmformat.Format.EncodeManifest(context.Background(), core.Manifest{Config: config, Layers: []core.Descriptor{chart}}, core.EncodingCompact)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := formats.NewRegistry(nil) // oci and docker
	r.MustRegisterFormat(helmformat.Format)
	m, f, _ := r.DecodeManifest(context.Background(), b)
	fmt.Println(f.Describe().Name, m.Config.MediaType)
	fmt.Println(m.Layers[0].MediaType)
	// Output:
	// helm application/vnd.cncf.helm.config.v1+json
	// application/vnd.cncf.helm.chart.content.v1.tar+gzip
}
