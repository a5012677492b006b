package core_test

import (
	"reflect"
	"testing"

	"github.com/concil-go/ocispec/core"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestSpecsRoundTrip(t *testing.T) {
	sub := core.DescriptorFromBytes(v1.MediaTypeImageManifest, []byte("s"))
	sub.Platform = &core.Platform{OS: "linux", Architecture: "arm", Variant: "v7", OSFeatures: []string{"x"}}
	l := core.DescriptorFromBytes(v1.MediaTypeImageLayerGzip, []byte("l"))
	l.URLs = []string{"https://example.com/l"}
	l.Annotations = map[string]string{"a": "b"}
	l.Data = []byte("l")
	l.ArtifactType = "application/x-a"
	m := core.Manifest{
		ArtifactType: "application/x-b",
		Config:       core.DescriptorFromBytes(v1.MediaTypeImageConfig, []byte("{}")),
		Layers:       []core.Descriptor{l},
		Subject:      &sub,
		Annotations:  map[string]string{"c": "d"},
	}
	o := m.OCI()
	if o.SchemaVersion != 2 || o.MediaType != v1.MediaTypeImageManifest || o.Layers[0].Platform != nil || o.Subject.Platform.Variant != "v7" {
		t.Errorf("Manifest.OCI() = %+v", o)
	}
	if back := core.ManifestFromOCI(o); !reflect.DeepEqual(back, m) {
		t.Errorf("ManifestFromOCI(m.OCI()) = %+v, want %+v", back, m)
	}
	// Copies, not aliases.
	o.Layers[0].Annotations["a"] = "changed"
	if m.Layers[0].Annotations["a"] != "b" {
		t.Errorf("OCI() shares the annotations map")
	}
	ix := core.Index{Manifests: []core.Descriptor{sub}, Annotations: map[string]string{"x": "y"}, Subject: &l, ArtifactType: "application/x-c"}
	oi := ix.OCI()
	if oi.MediaType != v1.MediaTypeImageIndex || len(oi.Manifests) != 1 {
		t.Errorf("Index.OCI() = %+v", oi)
	}
	if back := core.IndexFromOCI(oi); !reflect.DeepEqual(back, ix) {
		t.Errorf("IndexFromOCI(ix.OCI()) = %+v, want %+v", back, ix)
	}
}
