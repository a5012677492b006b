package formats_test

import (
	"context"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

// The three tests of concil.oci_spec, in Go.

// TestSeedDescriptorFromData: Descriptor.from_data(b"some data", ...).
func TestSeedDescriptorFromData(t *testing.T) {
	d := core.DescriptorFromBytes("tar+gzip", []byte("some data"))
	if d.Size != 9 {
		t.Errorf("Size = %d, want 9", d.Size)
	}
	if want := "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"; string(d.Digest) != want {
		t.Errorf("Digest = %s, want %s", d.Digest, want)
	}
	if d.MediaType != "tar+gzip" || d.Annotations != nil {
		t.Errorf("DescriptorFromBytes = %+v", d)
	}
}

// TestSeedDescriptorToDict: descriptor_to_dict translates a kind for the
// target format, passes anything else through, and writes annotations
// only when there are some, after mediaType, size and digest.
func TestSeedDescriptorToDict(t *testing.T) {
	d := core.DescriptorFromBytes("tar+gzip", []byte("some data"))
	for _, tt := range []struct {
		f    core.Format
		d    core.Descriptor
		want string
	}{
		{oci.Format, d, `{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 9, "digest": "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}`},
		{docker.Format, d, `{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 9, "digest": "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}`},
		{docker.Format, withType(d, "application/x-unknown"), `{"mediaType": "application/x-unknown", "size": 9, "digest": "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}`},
		{oci.Format, withAnnotations(d, map[string]string{"key": "value"}), `{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 9, "digest": "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee", "annotations": {"key": "value"}}`},
		{oci.Format, withAnnotations(d, map[string]string{}), `{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 9, "digest": "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}`},
	} {
		got, err := core.EncodeDescriptor(tt.d.For(tt.f), core.EncodingConcil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("descriptor_to_dict(%s, %s) = %s, want %s", tt.d.MediaType, tt.f.Describe().Name, got, tt.want)
		}
	}
}

// TestSeedManifestToDict: schemaVersion 2, mediaType only for non-OCI
// formats, then config and layers in order.
func TestSeedManifestToDict(t *testing.T) {
	m := core.Manifest{
		Config: core.DescriptorFromBytes("config", []byte("{}")),
		Layers: []core.Descriptor{core.DescriptorFromBytes("tar+gzip", []byte("some data")), core.DescriptorFromBytes("tar", []byte("{}"))},
	}
	cfgOCI := `{"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2, "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}`
	cfgDocker := `{"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}`
	l1 := `"size": 9, "digest": "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}`
	l2 := `"size": 2, "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}`
	for _, tt := range []struct {
		f    core.Format
		want string
	}{
		{oci.Format, `{"schemaVersion": 2, "config": ` + cfgOCI + `, "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", ` + l1 + `, {"mediaType": "application/vnd.oci.image.layer.v1.tar", ` + l2 + `]}`},
		{docker.Format, `{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": ` + cfgDocker + `, "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", ` + l1 + `, {"mediaType": "application/vnd.docker.image.rootfs.diff.tar", ` + l2 + `]}`},
	} {
		got, err := core.EncodeManifest(context.Background(), tt.f, m, core.EncodingConcil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("manifest_to_dict(%s) =\n%s\nwant\n%s", tt.f.Describe().Name, got, tt.want)
		}
	}
}

func withType(d core.Descriptor, mt string) core.Descriptor {
	d.MediaType = mt
	return d
}

func withAnnotations(d core.Descriptor, a map[string]string) core.Descriptor {
	d.Annotations = a
	return d
}
