package core_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

func layerOf(kind, content string) core.Descriptor {
	return core.DescriptorFromBytes(kind, []byte(content))
}

func TestConvertMediaType(t *testing.T) {
	tests := []struct {
		in         string
		from, to   core.Format
		permissive bool
		want       string
		err        bool
	}{
		{oci.MediaTypeLayerGzip, oci.Format, docker.Format, false, docker.MediaTypeLayerGzip, false},
		{oci.MediaTypeConfig, oci.Format, docker.Format, false, docker.MediaTypeConfig, false},
		{oci.MediaTypeLayer, oci.Format, docker.Format, false, docker.MediaTypeLayer, false},
		{oci.MediaTypeLayerNondistributableGzip, oci.Format, docker.Format, false, docker.MediaTypeForeignLayerGzip, false},
		{oci.MediaTypeLayerZstd, oci.Format, docker.Format, false, "", true},
		{oci.MediaTypeLayerZstd, oci.Format, docker.Format, true, docker.MediaTypeLayerZstd, false},
		{oci.MediaTypeLayerGzipEncrypted, oci.Format, docker.Format, true, docker.MediaTypeLayerGzipEncrypted, false},
		{oci.MediaTypeLayerNondistributableZstd, oci.Format, docker.Format, true, "", true},
		{oci.MediaTypeEmpty, oci.Format, docker.Format, true, "", true},
		{docker.MediaTypeLayerGzip, docker.Format, oci.Format, false, oci.MediaTypeLayerGzip, false},
		{docker.MediaTypeForeignLayer, docker.Format, oci.Format, false, oci.MediaTypeLayerNondistributable, false},
		{docker.MediaTypeLayerSquashfsEncrypted, docker.Format, oci.Format, false, oci.MediaTypeLayerSquashfsEncrypted, false},
		{"application/vnd.example.custom", oci.Format, docker.Format, false, "application/vnd.example.custom", false},
		{"tar+gzip", oci.Format, docker.Format, false, docker.MediaTypeLayerGzip, false},
	}
	for _, tt := range tests {
		got, err := core.ConvertMediaType(tt.in, tt.from, tt.to, tt.permissive)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ConvertMediaType(%q, %s→%s, permissive=%v) = %q, %v; want %q, error %v", tt.in, tt.from.Describe().Name, tt.to.Describe().Name, tt.permissive, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, core.ErrNotConvertible) {
			t.Errorf("ConvertMediaType(%q) error %v is not ErrNotConvertible", tt.in, err)
		}
	}
}

func TestConvertManifestRoundTrip(t *testing.T) {
	m := core.Manifest{
		Config: layerOf("config", "{}"),
		Layers: []core.Descriptor{layerOf("tar", "a"), layerOf("tar+gzip", "b"), layerOf("nondistributable.tar+gzip", "c")},
	}
	m.Layers[1].Annotations = map[string]string{"k": "v"}
	ociM := m.For(oci.Format)
	d, err := core.ConvertManifest(ociM, oci.Format, docker.Format, core.ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := m.For(docker.Format); !reflect.DeepEqual(d, want) {
		t.Errorf("OCI→Docker = %+v, want %+v", d, want)
	}
	back, err := core.ConvertManifest(d, docker.Format, oci.Format, core.ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ociM) {
		t.Errorf("OCI→Docker→OCI = %+v, want %+v", back, ociM)
	}
	// The converted manifest encodes as a valid Docker document.
	b, err := core.EncodeManifest(context.Background(), docker.Format, d, core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	if _, f, err := core.DecodeManifest(context.Background(), b); err != nil || f != core.Format(docker.Format) {
		t.Errorf("decode converted = %v, %v", f, err)
	}
}

func TestConvertManifestNamesTheLayer(t *testing.T) {
	m := core.Manifest{
		Config: layerOf("config", "{}"),
		Layers: []core.Descriptor{layerOf("tar+gzip", "a"), layerOf("tar+zstd", "b")},
	}.For(oci.Format)
	_, err := core.ConvertManifest(m, oci.Format, docker.Format, core.ConvertOptions{})
	if !errors.Is(err, core.ErrNotConvertible) || !strings.Contains(err.Error(), "layers[1]") || !strings.Contains(err.Error(), string(m.Layers[1].Digest)) {
		t.Fatalf("ConvertManifest(zstd to docker) = %v, want an error naming layers[1] and its digest", err)
	}
	got, err := core.ConvertManifest(m, oci.Format, docker.Format, core.ConvertOptions{Permissive: true})
	if err != nil || got.Layers[1].MediaType != docker.MediaTypeLayerZstd {
		t.Errorf("permissive = %v, %v", got.Layers, err)
	}
}

func TestConvertArtifactFields(t *testing.T) {
	sub := layerOf("manifest", "x")
	m := core.Manifest{
		ArtifactType: "application/vnd.example+json",
		Config:       layerOf("config", "{}"),
		Layers:       []core.Descriptor{},
		Subject:      &sub,
		Annotations:  map[string]string{"a": "b"},
	}.For(oci.Format)
	if _, err := core.ConvertManifest(m, oci.Format, docker.Format, core.ConvertOptions{}); !errors.Is(err, core.ErrNotConvertible) || !strings.Contains(err.Error(), "artifactType") {
		t.Errorf("strict = %v, want ErrNotConvertible naming artifactType", err)
	}
	got, err := core.ConvertManifest(m, oci.Format, docker.Format, core.ConvertOptions{Permissive: true})
	if err != nil || got.ArtifactType != "" || got.Subject != nil || got.Annotations != nil {
		t.Errorf("permissive = %+v, %v; want artifact fields dropped", got, err)
	}
	if m.Subject == nil || m.ArtifactType == "" {
		t.Errorf("ConvertManifest modified its input")
	}
}

func TestConvertIndex(t *testing.T) {
	e := layerOf("manifest", "m")
	e.Platform = &core.Platform{OS: "linux", Architecture: "amd64"}
	ix := core.Index{Manifests: []core.Descriptor{e}}.For(oci.Format)
	list, err := core.ConvertIndex(ix, oci.Format, docker.Format, core.ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if list.Manifests[0].MediaType != docker.MediaTypeManifest || list.Manifests[0].Platform.Architecture != "amd64" {
		t.Errorf("OCI index → Docker list = %+v", list.Manifests[0])
	}
	back, err := core.ConvertIndex(list, docker.Format, oci.Format, core.ConvertOptions{})
	if err != nil || !reflect.DeepEqual(back, ix) {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	b, err := core.EncodeIndex(context.Background(), docker.Format, list, core.EncodingCompact)
	if err != nil || !strings.Contains(string(b), docker.MediaTypeManifestList) {
		t.Errorf("EncodeIndex(docker) = %s, %v", b, err)
	}
}
