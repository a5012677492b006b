package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

// Documents with members the model has no field for, each spelled in one
// encoding as ocispec writes it, so that decode → encode in that encoding
// must give the same bytes back.
const (
	// Docker's manifest list with platform "features" (Docker's
	// manifest-v2-2.md defines it) and a top-level "annotations", which
	// Docker's schema has not: buildx writes it.
	dockerListCompact = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",` +
		`"manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270","size":7143,` +
		`"platform":{"architecture":"amd64","os":"linux","features":["sse4"]},"x-note":{"b":[1,2.5,true,null],"a":"é"}}],` +
		`"annotations":{"org.opencontainers.image.created":"2024-01-02T03:04:05Z"}}`
	dockerListConcil = `{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json", ` +
		`"manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 7143, "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270", ` +
		`"platform": {"architecture": "amd64", "os": "linux", "features": ["sse4"]}, "x-note": {"b": [1, 2.5, true, null], "a": "\u00e9"}}], ` +
		`"annotations": {"org.opencontainers.image.created": "2024-01-02T03:04:05Z"}}`
	dockerListCanonical = `{"annotations":{"org.opencontainers.image.created":"2024-01-02T03:04:05Z"},` +
		`"manifests":[{"digest":"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270","mediaType":"application/vnd.docker.distribution.manifest.v2+json",` +
		`"platform":{"architecture":"amd64","features":["sse4"],"os":"linux"},"size":7143,"x-note":{"a":"é","b":[1,2.5,true,null]}}],` +
		`"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","schemaVersion":2}`

	dockerManifestAnnotated = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",` +
		`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},` +
		`"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee","size":9}],` +
		`"annotations":{"com.example.key":"value"}}`

	ociManifestUnknown = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","x-first":0,` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},` +
		`"layers":[],"x-last":{"k":[]}}`
)

// A Docker document with a member Docker's schema lacks is read and its
// members are kept: image-spec's considerations say implementations
// "SHOULD NOT generate an error if they encounter an unknown property in
// a known media type".
func TestDockerUnknownMembersAreRead(t *testing.T) {
	ctx := context.Background()
	m, f, err := core.DecodeManifest(ctx, []byte(dockerManifestAnnotated))
	if err != nil || f != docker.Format {
		t.Fatalf("DecodeManifest(docker with annotations) = %v, %v, want the docker format", f, err)
	}
	if v, ok := m.Extra.Lookup("annotations"); !ok || string(v) != `{"com.example.key":"value"}` {
		t.Errorf("Extra = %q, want the annotations kept as read", m.Extra.Keys())
	}
	if _, err := core.Default.Decode(ctx, []byte(dockerListCompact)); err != nil {
		t.Errorf("Decode(docker list with annotations) = %v", err)
	}
	if _, _, err := core.DecodeIndex(ctx, []byte(dockerListCompact)); err != nil {
		t.Errorf("DecodeIndex(docker list with annotations) = %v", err)
	}
	// Converting to OCI, which can say annotations, keeps them.
	om, err := core.ConvertManifest(m, docker.Format, oci.Format, core.ConvertOptions{})
	if err != nil {
		t.Fatalf("ConvertManifest(docker → oci) = %v", err)
	}
	b, err := oci.Format.EncodeManifest(ctx, om, core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	if om.Annotations["com.example.key"] != "value" || len(om.Extra) != 0 {
		t.Errorf("converted: annotations %v, extra %q; want the annotations as the OCI field", om.Annotations, om.Extra.Keys())
	}
	back, _, err := core.DecodeManifest(ctx, b)
	if err != nil || back.Annotations["com.example.key"] != "value" {
		t.Errorf("OCI manifest of the conversion = %s: annotations %v, %v", b, back.Annotations, err)
	}
	// A strict conversion to a format that cannot say annotations refuses.
	if _, err := core.ConvertManifest(back, oci.Format, docker.Format, core.ConvertOptions{}); !errors.Is(err, core.ErrNotConvertible) {
		t.Errorf("ConvertManifest(oci with annotations → docker) = %v, want ErrNotConvertible", err)
	}
}

// Decode → encode in the same format and encoding loses nothing: unknown
// members in their place (compact, concil), sorted (canonical).
func TestRoundTripKeepsUnknownMembers(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		doc  string
		enc  core.Encoding
	}{
		{"docker list compact", dockerListCompact, core.EncodingCompact},
		{"docker list concil", dockerListConcil, core.EncodingConcil},
		{"docker list canonical", dockerListCanonical, core.EncodingCanonical},
		{"docker manifest compact", dockerManifestAnnotated, core.EncodingCompact},
		{"oci manifest compact", ociManifestUnknown, core.EncodingCompact},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := core.Default.Decode(ctx, []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			if d.Index != nil {
				got, err = core.EncodeIndex(ctx, d.Format, *d.Index, tt.enc)
			} else {
				got, err = core.EncodeManifest(ctx, d.Format, *d.Manifest, tt.enc)
			}
			if err != nil || string(got) != tt.doc {
				t.Errorf("decode → encode(%v) =\n%s, %v\nwant\n%s", tt.enc, got, err, tt.doc)
			}
		})
	}
	// The same document in the other encodings: every member is there.
	d, err := core.Default.Decode(ctx, []byte(dockerListCompact))
	if err != nil {
		t.Fatal(err)
	}
	for doc, enc := range map[string]core.Encoding{dockerListConcil: core.EncodingConcil, dockerListCanonical: core.EncodingCanonical} {
		got, err := core.EncodeIndex(ctx, d.Format, *d.Index, enc)
		if err != nil || string(got) != doc {
			t.Errorf("compact → %v =\n%s, %v\nwant\n%s", enc, got, err, doc)
		}
	}
}

// A kept member with the key of a field the model writes is refused,
// never written twice.
func TestExtraCollision(t *testing.T) {
	m, _, err := core.DecodeManifest(context.Background(), []byte(dockerManifestAnnotated))
	if err != nil {
		t.Fatal(err)
	}
	om, err := core.ConvertManifest(m, docker.Format, oci.Format, core.ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	om.Extra = m.Extra
	_, err = oci.Format.EncodeManifest(context.Background(), om, core.EncodingCompact)
	if !errors.Is(err, core.ErrInvalidDocument) || !strings.Contains(err.Error(), "annotations") {
		t.Errorf("EncodeManifest(annotations twice) = %v, want ErrInvalidDocument naming annotations", err)
	}
	om.Annotations = nil
	om.Extra = append(om.Extra, core.Member{Key: "x", Value: []byte(`{`)})
	if _, err := oci.Format.EncodeManifest(context.Background(), om, core.EncodingCompact); !errors.Is(err, core.ErrInvalidDocument) {
		t.Errorf("EncodeManifest(kept member not JSON) = %v, want ErrInvalidDocument", err)
	}
}

// RFC 8785 writes numbers as ECMAScript does; a kept number is
// respelled by the canonical encoding, kept as written by the others.
func TestExtraCanonicalNumbers(t *testing.T) {
	const doc = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"n":[1.50,1E3,-0,1e-7,0.000001,1e21,123456789012345678901234567890]}`
	d, err := core.Default.Decode(context.Background(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got, err := core.EncodeIndex(context.Background(), d.Format, *d.Index, core.EncodingCanonical)
	const want = `{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","n":[1.5,1000,0,1e-7,0.000001,1e+21,1.2345678901234568e+29],"schemaVersion":2}`
	if err != nil || string(got) != want {
		t.Errorf("canonical = %s, %v, want %s", got, err, want)
	}
	got, err = core.EncodeIndex(context.Background(), d.Format, *d.Index, core.EncodingCompact)
	if err != nil || string(got) != doc {
		t.Errorf("compact = %s, %v, want %s", got, err, doc)
	}
}

// Docker's schema has no annotations, subject or artifactType, so in a
// Docker document they are unknown members whatever their type: kept,
// never refused. In an OCI document the same members are the spec's
// fields, and their types are checked.
func TestDockerUnknownMembersOfAnyType(t *testing.T) {
	ctx := context.Background()
	const list = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[],"annotations":{"a":1},"subject":"x","artifactType":""}`
	d, err := core.Default.Decode(ctx, []byte(list))
	if err != nil {
		t.Fatalf("Decode(docker list with odd members) = %v", err)
	}
	if b, err := core.EncodeIndex(ctx, d.Format, *d.Index, core.EncodingCompact); err != nil || string(b) != list {
		t.Errorf("encode again = %s, %v; want the document as read", b, err)
	}
	oci := strings.Replace(list, "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json", 1)
	_, err = core.Default.Decode(ctx, []byte(oci))
	for _, field := range []string{"annotations.a", "subject", "artifactType"} {
		if !errors.Is(err, core.ErrInvalidDocument) || !strings.Contains(err.Error(), field) {
			t.Errorf("Decode(oci index with odd members) = %v, want ErrInvalidDocument naming %s", err, field)
		}
	}
}
