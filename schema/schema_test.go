package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/schema"
)

func TestValidate(t *testing.T) {
	m := core.Manifest{
		Config: core.DescriptorFromBytes("config", []byte("{}")),
		Layers: []core.Descriptor{core.DescriptorFromBytes("tar+gzip", []byte("some data"))},
	}
	for _, f := range []core.Format{oci.Format, docker.Format} {
		for _, enc := range core.Encodings {
			b, err := core.EncodeManifest(context.Background(), f, m, enc)
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(f.Describe().ManifestMediaType, b); err != nil {
				t.Errorf("Validate(%s %s) = %v", f.Describe().Name, enc, err)
			}
		}
	}
	for _, tt := range []struct{ name, doc, mention string }{
		{"no schemaVersion", `{"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}`, "schemaVersion"},
		{"bad digest", `{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:../x"},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}]}`, "digest"},
		{"not json", `{`, "json"},
	} {
		err := schema.ValidateManifest([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("ValidateManifest(%s) = %v, want an error mentioning %q", tt.name, err, tt.mention)
		}
	}
	if err := schema.Validate("application/x-unknown", []byte("{}")); !errors.Is(err, schema.ErrNoSchema) {
		t.Errorf("Validate(unknown type) = %v, want ErrNoSchema", err)
	}
	if err := schema.ValidateConfig([]byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)); err != nil {
		t.Errorf("ValidateConfig = %v", err)
	}
}
