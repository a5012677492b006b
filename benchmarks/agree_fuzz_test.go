package benchmarks

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/schema"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
)

// The third way each decoder is fuzzed (core's own fuzzers do the first
// two, no panic and round trips): what it accepts, a reference accepts
// too: go-containerregistry's parser (for the sha256 and sha512 digests
// it parses) and image-spec's JSON schema for OCI documents.

func addAgreeSeeds(f *testing.F, pattern string) {
	for _, dir := range []string{
		filepath.Join("..", "formats", "testdata", "golden"),
		filepath.Join("..", "core", "testdata", "fuzz", "FuzzDecodeManifest"),
		filepath.Join("..", "core", "testdata", "fuzz", "FuzzDecodeIndex"),
	} {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			if strings.HasPrefix(string(b), "go test fuzz v1") {
				continue // a corpus entry in the fuzzer's own encoding
			}
			f.Add(b)
		}
	}
}

// commonDigests reports whether every digest is sha256 or sha512, the
// algorithms go-containerregistry parses.
func commonDigests(ds ...core.Descriptor) bool {
	for _, d := range ds {
		if a := core.AlgorithmOf(d.Digest); a != core.SHA256 && a != core.SHA512 {
			return false
		}
	}
	return true
}

func FuzzAgreeManifest(f *testing.F) {
	addAgreeSeeds(f, "*")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, format, err := core.DecodeManifest(context.Background(), data)
		if err != nil {
			return
		}
		ds := append([]core.Descriptor{m.Config}, m.Layers...)
		if m.Subject != nil {
			ds = append(ds, *m.Subject)
		}
		if commonDigests(ds...) {
			if _, err := ggcr.ParseManifest(bytes.NewReader(data)); err != nil {
				t.Fatalf("we accept a manifest go-containerregistry refuses: %v\n%s", err, data)
			}
		}
		// image-spec's schema wants at least one layer, which the
		// spec's prose only recommends; compare the rest.
		if format == core.Format(oci.Format) && len(m.Layers) > 0 {
			if err := schema.ValidateManifest(data); err != nil {
				t.Fatalf("we accept a manifest image-spec's schema refuses: %v\n%s", err, data)
			}
		}
	})
}

func FuzzAgreeIndex(f *testing.F) {
	addAgreeSeeds(f, "*index*")
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, format, err := core.DecodeIndex(context.Background(), data)
		if err != nil {
			return
		}
		ds := ix.Manifests
		if ix.Subject != nil {
			ds = append(ds, *ix.Subject)
		}
		if commonDigests(ds...) {
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

func FuzzAgreeDescriptor(f *testing.F) {
	for _, s := range []string{
		`{"mediaType":"a/b","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","data":"e30=","urls":["https://x/y"],"annotations":{"k":"v"},"artifactType":"c/d"}`,
		`{"mediaType":"a/b","size":1,"digest":"foo+bar:QUJD="}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := core.DecodeDescriptor(data); err != nil {
			return
		}
		if err := schema.ValidateDescriptor(data); err != nil {
			t.Fatalf("we accept a descriptor image-spec's schema refuses: %v\n%s", err, data)
		}
	})
}
