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

// TestMessages: a schema failure names the place in the document (a JSON
// pointer) and the keyword that failed, one a line.
func TestMessages(t *testing.T) {
	const d = `"sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"`
	for _, tt := range []struct {
		name, mediaType, doc string
		want                 []string
	}{
		{"layer digest", "application/vnd.oci.image.manifest.v1+json",
			`{"schemaVersion":2,"config":{"mediaType":"a/b","size":1,"digest":` + d + `},"layers":[{"mediaType":"a/b","size":1,"digest":"sha256:../x"}]}`,
			[]string{`"/layers/0/digest": pattern: "sha256:../x" does not match`}},
		{"two problems", "application/vnd.oci.image.manifest.v1+json",
			`{"schemaVersion":3,"config":{"mediaType":"a/b","size":1,"digest":` + d + `},"layers":[]}`,
			[]string{`"/layers": minItems: 0 items, want at least 1`, `"/schemaVersion": maximum: 3 is more than 2`}},
		{"required", "application/vnd.oci.image.index.v1+json", `{"manifests":[{}]}`,
			[]string{`"": required: missing "schemaVersion"`, `"/manifests/0": required: missing "mediaType", "size", "digest"`}},
		{"oneOf", "application/vnd.oci.image.config.v1+json",
			`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Cmd":"x"}}`,
			[]string{`"/config/Cmd": oneOf: matches none of the 2 alternatives`}},
		{"annotation", "application/vnd.oci.descriptor.v1+json",
			`{"mediaType":"a/b","size":1,"digest":` + d + `,"annotations":{"k":1}}`,
			[]string{`"/annotations/k": type: expected string, got number (defs.json#/definitions/mapStringString/patternProperties/.{1,})`}},
		{"created", "application/vnd.oci.image.config.v1+json",
			`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"created":"yesterday"}`,
			[]string{`"/created": format: "yesterday" is not a valid date-time`}},
		{"env", "application/vnd.oci.image.config.v1+json",
			`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Env":["A=1","B"]}}`,
			[]string{`"/config/Env/1"`, `NAME=value`}},
		{"layout", "application/vnd.oci.layout.header.v1+json", `{"imageLayoutVersion":"2"}`,
			[]string{`"/imageLayoutVersion": enum: "2" is not one of "1.0.0"`}},
	} {
		err := schema.Validate(tt.mediaType, []byte(tt.doc))
		if err == nil {
			t.Errorf("Validate(%s) = nil, want an error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Validate(%s) = %v, want it to say %q", tt.name, err, w)
			}
		}
		if n := strings.Count(err.Error(), "\n") + 1; n != len(tt.want) && tt.name != "env" {
			t.Errorf("Validate(%s): %d lines, want %d:\n%v", tt.name, n, len(tt.want), err)
		}
	}
}
