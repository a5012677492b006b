package schema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"
	"testing"

	digest "github.com/opencontainers/go-digest"
	specschema "github.com/opencontainers/image-spec/schema"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// fastOracle is image-spec's Validator with its schemas compiled once:
// the same steps (image-spec v1.1.1 schema/validator.go) over the same
// files and library, for tests that need many verdicts. It is itself
// checked against image-spec's Validator (TestFastOracle and, on the
// corpus, TestAgreesWithImageSpec).
var fastOracle = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	// image-spec's schema.go: the URLs each file is known by.
	urls := map[string][]string{
		"config-schema.json":         {"https://opencontainers.org/schema/image/config"},
		"content-descriptor.json":    {"https://opencontainers.org/schema/descriptor", "https://opencontainers.org/schema/image/content-descriptor.json"},
		"defs-descriptor.json":       {"https://opencontainers.org/schema/image/descriptor/mediaType", "https://opencontainers.org/schema/defs-descriptor.json", "https://opencontainers.org/schema/image/defs-descriptor.json"},
		"defs.json":                  {"https://opencontainers.org/schema/defs.json", "https://opencontainers.org/schema/image/defs.json", "https://opencontainers.org/schema/image/descriptor/defs.json"},
		"image-index-schema.json":    {"https://opencontainers.org/schema/image/index"},
		"image-layout-schema.json":   {"https://opencontainers.org/schema/image/layout"},
		"image-manifest-schema.json": {"https://opencontainers.org/schema/image/manifest"},
	}
	roots := map[string]string{
		v1.MediaTypeDescriptor: "content-descriptor.json", v1.MediaTypeLayoutHeader: "image-layout-schema.json",
		v1.MediaTypeImageManifest: "image-manifest-schema.json", v1.MediaTypeImageIndex: "image-index-schema.json",
		v1.MediaTypeImageConfig: "config-schema.json",
	}
	c := jsonschema.NewCompiler()
	for file, us := range urls {
		f, err := specschema.FileSystem().Open("/" + file)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		for _, u := range append([]string{file}, us...) {
			if err := c.AddResource(u, bytes.NewReader(b)); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]*jsonschema.Schema{}
	for mt, file := range roots {
		s, err := c.Compile(file)
		if err != nil {
			return nil, err
		}
		out[mt] = s
	}
	return out, nil
})

var envRegexp = regexp.MustCompile(`^[^=]+=.*$`)

func fastValidate(t testing.TB, mt string, data []byte) error {
	schemas, err := fastOracle()
	if err != nil {
		t.Fatal(err)
	}
	var err2 error
	switch mt {
	case v1.MediaTypeImageManifest:
		err2 = json.Unmarshal(data, new(v1.Manifest))
	case v1.MediaTypeImageIndex:
		err2 = json.Unmarshal(data, new(v1.Index))
	case v1.MediaTypeDescriptor:
		var d v1.Descriptor
		if err2 = json.Unmarshal(data, &d); err2 == nil {
			if err2 = d.Digest.Validate(); errors.Is(err2, digest.ErrDigestUnsupported) {
				err2 = nil
			}
		}
	case v1.MediaTypeImageConfig:
		var c v1.Image
		if err2 = json.Unmarshal(data, &c); err2 == nil {
			for _, e := range c.Config.Env {
				if !envRegexp.MatchString(e) {
					err2 = fmt.Errorf("unexpected env: %q", e)
				}
			}
		}
	}
	if err2 != nil {
		return err2
	}
	var v any
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&v); err != nil {
		return err
	}
	return schemas[mt].Validate(v)
}

// TestFastOracle checks the fast oracle against image-spec's Validator
// on a sample of the targeted documents (TestAgreesWithImageSpec does the
// corpus).
func TestFastOracle(t *testing.T) {
	for _, tc := range targeted() {
		if tc.i%101 != 0 {
			continue
		}
		fast := fastValidate(t, tc.mediaType, tc.data)
		real := specschema.Validator(tc.mediaType).Validate(bytes.NewReader(tc.data))
		if (fast == nil) != (real == nil) {
			t.Errorf("%s %s: fast oracle %v, image-spec's %v", tc.mediaType, tc.name, fast, real)
		}
	}
}
