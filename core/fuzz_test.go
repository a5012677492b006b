package core_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/schema"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
)

// Each decoder is fuzzed three ways: it never panics; what it accepts
// survives decode → encode → decode in every encoding; and what it
// accepts, a reference accepts too (go-containerregistry's parser, and
// image-spec's JSON schema for OCI documents).

func addSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("..", "formats", "testdata", "golden", pattern))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"schemaVersion":2,"config":` + cfg + `,"layers":[` + layer + `]}`,
		`{"schemaVersion":2,"manifests":[` + entry + `]}`,
		`{"schemaVersion":2,"config":` + cfg + `,"layers":[],"manifests":[]}`,
		`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":` + dcfg + `,"layers":[{"mediaType":"a/b","size":1,"digest":"sha512:` + strings.Repeat("0", 128) + `","urls":["http://x"],"annotations":{"k":"v"}}]}`,
		`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","data":"e30="},"artifactType":"a/b","layers":[]}`,
		`{"schemaVersion":2,"config":{"mediaType":"a/b","size":1,"digest":"sha256:../../x"},"layers":[]}`,
		`{"schemaVersion":2,"config":{"mediaType":"a/b","size":9007199254740993,"digest":"foo:bar"},"layers":[]}`,
	} {
		f.Add([]byte(s))
	}
}

func FuzzDecodeManifest(f *testing.F) {
	addSeeds(f, "*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, format, err := core.DecodeManifest(data)
		if err != nil {
			if m.Layers != nil || format != nil {
				t.Fatalf("DecodeManifest failed (%v) but returned values", err)
			}
			return
		}
		roundTripManifest(t, format, m)
		agreeManifest(t, format, data, m)
	})
}

func FuzzDecodeIndex(f *testing.F) {
	addSeeds(f, "*index*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, format, err := core.DecodeIndex(data)
		if err != nil {
			return
		}
		for _, enc := range core.Encodings {
			b, err := core.EncodeIndex(format, ix, enc)
			if err != nil {
				if enc == core.EncodingCanonical && errors.Is(err, errOutOfRange(err)) {
					continue
				}
				t.Fatalf("EncodeIndex(%s, decoded) = %v", enc, err)
			}
			ix2, f2, err := core.DecodeIndex(b)
			if err != nil {
				t.Fatalf("DecodeIndex(EncodeIndex(%s)) = %v\n%s", enc, err, b)
			}
			if f2 != format || !coretest.EqualIndexes(ix2, ix) {
				t.Fatalf("index round trip in %s:\n%#v\n%#v", enc, ix, ix2)
			}
		}
		if allCommonDigests(ix.Manifests...) && (ix.Subject == nil || allCommonDigests(*ix.Subject)) {
			if _, err := ggcr.ParseIndexManifest(bytes.NewReader(data)); err != nil {
				t.Fatalf("we accept an index go-containerregistry refuses: %v\n%s", err, data)
			}
		}
		if format == core.Format(oci.Format) {
			if err := schema.ValidateIndex(data); err != nil {
				t.Fatalf("we accept an index image-spec's schema refuses: %v\n%s", err, data)
			}
		}
	})
}

// FuzzFormatDecoders calls each built-in format's own decoders directly.
func FuzzFormatDecoders(f *testing.F) {
	addSeeds(f, "*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []core.IndexFormat{oci.Format, docker.Format} {
			if m, err := format.DecodeManifest(data); err == nil {
				roundTripManifest(t, format, m)
			}
			if ix, err := format.DecodeIndex(data); err == nil {
				if _, err := format.EncodeIndex(ix, core.EncodingCompact); err != nil {
					t.Fatalf("%s.EncodeIndex(decoded) = %v", format.Name(), err)
				}
			}
		}
	})
}

// errOutOfRange returns err when it is the canonical encoding's refusal
// of an integer beyond 2^53, which RFC 8785 cannot represent exactly.
func errOutOfRange(err error) error {
	if strings.Contains(err.Error(), "RFC 8785") {
		return err
	}
	return errors.New("not out of range")
}

func roundTripManifest(t *testing.T, format core.Format, m core.Manifest) {
	t.Helper()
	for _, enc := range core.Encodings {
		b, err := format.EncodeManifest(m, enc)
		if err != nil {
			if enc == core.EncodingCanonical && errors.Is(err, errOutOfRange(err)) {
				continue
			}
			t.Fatalf("%s.EncodeManifest(%s, decoded) = %v", format.Name(), enc, err)
		}
		m2, f2, err := core.DecodeManifest(b)
		if err != nil {
			t.Fatalf("DecodeManifest(EncodeManifest(%s)) = %v\n%s", enc, err, b)
		}
		if f2 != format {
			t.Fatalf("round trip in %s detected %s, want %s", enc, f2.Name(), format.Name())
		}
		if !coretest.EqualManifests(m2, m) {
			t.Fatalf("round trip in %s:\n%#v\n%#v", enc, m, m2)
		}
	}
}

func agreeManifest(t *testing.T, format core.Format, data []byte, m core.Manifest) {
	t.Helper()
	ds := append([]core.Descriptor{m.Config}, m.Layers...)
	if m.Subject != nil {
		ds = append(ds, *m.Subject)
	}
	if allCommonDigests(ds...) {
		if _, err := ggcr.ParseManifest(bytes.NewReader(data)); err != nil {
			t.Fatalf("we accept a manifest go-containerregistry refuses: %v\n%s", err, data)
		}
	}
	// image-spec's schema wants at least one layer, which the spec's
	// prose only recommends; compare the rest.
	if format == core.Format(oci.Format) && len(m.Layers) > 0 {
		if err := schema.ValidateManifest(data); err != nil {
			t.Fatalf("we accept a manifest image-spec's schema refuses: %v\n%s", err, data)
		}
	}
}

// allCommonDigests reports whether every digest is sha256 or sha512, the
// algorithms go-containerregistry parses.
func allCommonDigests(ds ...core.Descriptor) bool {
	for _, d := range ds {
		if !strings.HasPrefix(string(d.Digest), "sha256:") && !strings.HasPrefix(string(d.Digest), "sha512:") {
			return false
		}
	}
	return true
}

func FuzzDecodeDescriptor(f *testing.F) {
	for _, s := range []string{
		cfg, layer, entry,
		`{"mediaType":"a/b","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","data":"e30=","urls":["https://x/y"],"annotations":{"k":"v"},"artifactType":"c/d"}`,
		`{"mediaType":"a/b","size":1,"digest":"foo+bar:QUJD="}`,
		`{"mediaType":"a/b","size":-1,"digest":"sha256:../x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := core.DecodeDescriptor(data)
		if err != nil {
			return
		}
		for _, enc := range core.Encodings {
			b, err := core.MarshalDescriptor(d, enc)
			if err != nil {
				if enc == core.EncodingCanonical && errors.Is(err, errOutOfRange(err)) {
					continue
				}
				t.Fatalf("MarshalDescriptor(%s, decoded) = %v", enc, err)
			}
			d2, err := core.DecodeDescriptor(b)
			if err != nil {
				t.Fatalf("DecodeDescriptor(MarshalDescriptor(%s)) = %v\n%s", enc, err, b)
			}
			if !reflect.DeepEqual(coretest.NormalizeDescriptor(d2), coretest.NormalizeDescriptor(d)) {
				t.Fatalf("descriptor round trip in %s:\n%#v\n%#v", enc, d, d2)
			}
		}
		if err := schema.ValidateDescriptor(data); err != nil {
			t.Fatalf("we accept a descriptor image-spec's schema refuses: %v\n%s", err, data)
		}
	})
}
