package core_test

import (
	"context"
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
)

// Each decoder is fuzzed three ways: it never panics; what it accepts
// survives decode → encode → decode in every encoding; and what it
// accepts, a reference accepts too. The third way needs references
// outside this module (go-containerregistry's parser, image-spec's JSON
// schema): it is FuzzAgree* in the peers module (benchmarks/).

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
		dockerListConcil, dockerManifestAnnotated, ociManifestUnknown,
		`{"x-a": [1, 2.50, {"b": null, "a": "\u00e9"}], "schemaVersion":2,"manifests":[{"mediaType":"a/b","size":1,"digest":"s:x","platform":{"os":"linux","architecture":"arm64","features":["x"]},"y":1E3}],"z":true}`,
	} {
		f.Add([]byte(s))
	}
}

func FuzzDecodeManifest(f *testing.F) {
	addSeeds(f, "*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, format, err := core.DecodeManifest(context.Background(), data)
		if err != nil {
			if m.Layers != nil || format != nil {
				t.Fatalf("DecodeManifest failed (%v) but returned values", err)
			}
			return
		}
		roundTripManifest(t, format, m)
	})
}

func FuzzDecodeIndex(f *testing.F) {
	addSeeds(f, "*index*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		ix, format, err := core.DecodeIndex(ctx, data)
		if err != nil {
			return
		}
		for _, enc := range core.Encodings {
			b, err := core.EncodeIndex(ctx, format, ix, enc)
			if err != nil {
				if enc == core.EncodingCanonical && errors.Is(err, core.ErrOutOfRange) {
					continue
				}
				t.Fatalf("EncodeIndex(%s, decoded) = %v", enc, err)
			}
			ix2, f2, err := core.DecodeIndex(ctx, b)
			if err != nil {
				t.Fatalf("DecodeIndex(EncodeIndex(%s)) = %v\n%s", enc, err, b)
			}
			if f2 != format || !coretest.EqualIndexes(ix2, ix) {
				t.Fatalf("index round trip in %s:\n%#v\n%#v", enc, ix, ix2)
			}
		}
	})
}

// FuzzFormatDecoders calls each built-in format's own decoders directly.
func FuzzFormatDecoders(f *testing.F) {
	addSeeds(f, "*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		for _, format := range []core.IndexFormat{oci.Format, docker.Format} {
			if m, err := format.DecodeManifest(ctx, data); err == nil {
				roundTripManifest(t, format, m)
			}
			if ix, err := format.DecodeIndex(ctx, data); err == nil {
				if _, err := format.EncodeIndex(ctx, ix, core.EncodingCompact); err != nil {
					t.Fatalf("%s.EncodeIndex(context.Background(), decoded) = %v", format.Describe().Name, err)
				}
			}
		}
	})
}

func roundTripManifest(t *testing.T, format core.Format, m core.Manifest) {
	t.Helper()
	ctx := context.Background()
	name := format.Describe().Name
	for _, enc := range core.Encodings {
		b, err := format.EncodeManifest(ctx, m, enc)
		if err != nil {
			if enc == core.EncodingCanonical && errors.Is(err, core.ErrOutOfRange) {
				continue
			}
			t.Fatalf("%s.EncodeManifest(context.Background(), %s, decoded) = %v", name, enc, err)
		}
		m2, f2, err := core.DecodeManifest(ctx, b)
		if err != nil {
			t.Fatalf("DecodeManifest(EncodeManifest(%s)) = %v\n%s", enc, err, b)
		}
		if f2 != format {
			t.Fatalf("round trip in %s detected %s, want %s", enc, f2.Describe().Name, name)
		}
		if !coretest.EqualManifests(m2, m) {
			t.Fatalf("round trip in %s:\n%#v\n%#v", enc, m, m2)
		}
	}
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
	f.Add([]byte(`{"mediaType":"a/b","size":1,"digest":"s:x","x":{"k": [ ]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := core.DecodeDescriptor(data)
		if err != nil {
			return
		}
		for _, enc := range core.Encodings {
			b, err := core.EncodeDescriptor(d, enc)
			if err != nil {
				if enc == core.EncodingCanonical && errors.Is(err, core.ErrOutOfRange) {
					continue
				}
				t.Fatalf("EncodeDescriptor(%s, decoded) = %v", enc, err)
			}
			d2, err := core.DecodeDescriptor(b)
			if err != nil {
				t.Fatalf("DecodeDescriptor(EncodeDescriptor(%s)) = %v\n%s", enc, err, b)
			}
			if !reflect.DeepEqual(coretest.NormalizeDescriptor(d2), coretest.NormalizeDescriptor(d)) {
				t.Fatalf("descriptor round trip in %s:\n%#v\n%#v", enc, d, d2)
			}
		}
	})
}
