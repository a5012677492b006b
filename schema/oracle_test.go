package schema_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/schema"
	specschema "github.com/opencontainers/image-spec/schema"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// The oracle is image-spec's own validator (santhosh-tekuri/jsonschema
// over the same files, with image-spec's checks on its Go types), linked
// by the tests only.
var specTypes = []string{
	v1.MediaTypeImageManifest, v1.MediaTypeImageIndex, v1.MediaTypeImageConfig,
	v1.MediaTypeDescriptor, v1.MediaTypeLayoutHeader,
}

// agree reports, per document type, whether data was valid: ours
// against the fast oracle, and with real also against image-spec's
// Validator itself.
func agree(t *testing.T, name string, data []byte, real bool) (valid [5]bool) {
	t.Helper()
	for i, mt := range specTypes {
		ours := schema.Validate(mt, data)
		theirs := fastValidate(t, mt, data)
		if (ours == nil) != (theirs == nil) {
			t.Errorf("%s as %s: ours %v, image-spec's %v\n%s", name, mt, ours, theirs, data)
		}
		if real {
			spec := specschema.Validator(mt).Validate(bytes.NewReader(data))
			if (spec == nil) != (theirs == nil) {
				t.Errorf("%s as %s: fast oracle %v, image-spec's Validator %v\n%s", name, mt, theirs, spec, data)
			}
		}
		valid[i] = theirs == nil
	}
	return valid
}

// verdicts counts the valid and invalid documents of each type, so that
// a test can show it exercised both verdicts.
type verdicts [5][2]int

func (v *verdicts) add(valid [5]bool) {
	for i, ok := range valid {
		if ok {
			v[i][0]++
		} else {
			v[i][1]++
		}
	}
}

func (v *verdicts) check(t *testing.T, min int) {
	t.Helper()
	for i, c := range v {
		t.Logf("%s: %d valid, %d invalid", specTypes[i], c[0], c[1])
		// The layout header is one member: mutations of the other
		// documents seldom make one (the targeted test does).
		if (c[0] < min && specTypes[i] != v1.MediaTypeLayoutHeader) || c[1] < min {
			t.Errorf("%s: %d valid, %d invalid: want both verdicts at least %d times", specTypes[i], c[0], c[1], min)
		}
	}
}

func corpus(t testing.TB) map[string][]byte {
	docs := map[string][]byte{}
	root := filepath.Join("..", "formats", "testdata", "corpus")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		docs[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 98 {
		t.Fatalf("%d corpus documents, want the 98 of formats/testdata/corpus", len(docs))
	}
	// The corpus has no oci-layout file: image-layout.md's example and
	// two that are not valid (another version; trailing bytes, which
	// image-spec's validator does not read).
	docs["oci-layout"] = []byte(`{"imageLayoutVersion": "1.0.0"}`)
	docs["oci-layout-2"] = []byte(`{"imageLayoutVersion": "2.0.0"}`)
	docs["oci-layout-3"] = []byte(`{"imageLayoutVersion": "1.0.0", "extra": true} and more`)
	return docs
}

// TestAgreesWithImageSpec gives every corpus document, as each of the
// five document types, to both validators.
func TestAgreesWithImageSpec(t *testing.T) {
	schemaTests := 0
	var v verdicts
	for name, data := range corpus(t) {
		if strings.HasPrefix(name, "image-spec-schema/") {
			schemaTests++
		}
		v.add(agree(t, name, data, true))
	}
	v.check(t, 1)
	if schemaTests != 65 {
		t.Errorf("%d of image-spec's schema-test documents, want 65", schemaTests)
	}
}

// TestAgreesWithImageSpecMutated mutates the corpus documents at random
// (a fixed seed: every run tests the same documents): a member removed,
// added under a known or case-changed name, or replaced by a value from
// the edges of the schema's checks.
func TestAgreesWithImageSpecMutated(t *testing.T) {
	n := 8
	if testing.Short() {
		n = 2
	}
	docs := corpus(t)
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	r := rand.New(rand.NewPCG(1, 2))
	var seen verdicts
	defer seen.check(t, 1)
	for _, name := range names {
		var v any
		if json.Unmarshal(docs[name], &v) != nil {
			continue
		}
		for i := 0; i < n; i++ {
			m := mutate(r, clone(v), 1+r.IntN(3))
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			seen.add(agree(t, fmt.Sprintf("%s mutation %d", name, i), b, false))
		}
	}
}

// edges are values at the edges of what the schemas and image-spec's Go
// types accept.
var edges = []any{
	nil, true, false, 0.0, -1.0, 1.5, 2.0, 3.0, 2.0000000000000004, 1e300, -1e300,
	9223372036854775807.0, 9223372036854777856.0, -9223372036854777856.0, 18446744073709551615.0,
	"", "x", "layers", "1.0.0", "1.0.1",
	"application/vnd.oci.image.layer.v1.tar", "a/b", "a/", "/b", "application/" + strings.Repeat("x", 127), "application/" + strings.Repeat("x", 126),
	"sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b",
	"sha256:6C3C624B58DBBCD3C0DD82B4C53F04194D1247C6EEBDAAB7C610CF7D66709B3B",
	"sha256:abc", "sha512:" + strings.Repeat("ab", 64), "blake3:" + strings.Repeat("ab", 32), "sha256+b64:x=", "SHA256:ab", ":x", "x:",
	"2015-10-31T22:22:56.015925234Z", "2015-10-31T22:22:56Z", "2015-10-31t22:22:56z", "2016-12-31T23:59:60Z", "2016-12-31T23:59:60+01:00",
	"2017-01-01T00:59:60+01:00", "2015-02-29T00:00:00Z", "2015-10-31 22:22:56Z", "2015-10-31T22:22:56", "2015-10-31T22:22:56.Z", "2015-10-31T25:00:00Z",
	"2015-10-31T22:22:56+0100", "2015-10-31T22:22:56-23:59", "10000-01-01T00:00:00Z",
	"https://example.com/x", "http://[::1]:80/", "http://[::g]/", "http://a:b:c/", "//example.com/x", "example.com", "mailto:x@y", "http://%zz",
	"A=b", "A=b\nc", "A\n=b", "=x", "A", "A==", "YWJj", "!!!", "YWJ",
	[]any{}, []any{"x"}, []any{1.0}, []any{nil}, []any{[]any{}},
	map[string]any{}, map[string]any{"a": "b"}, map[string]any{"": "x"}, map[string]any{"a": 1.0}, map[string]any{"a": map[string]any{}},
	map[string]any{"\n": 1.0}, map[string]any{"80/tcp": map[string]any{}},
}

// keys are member names of the documents, some case-changed (image-spec's
// Go types match names case-insensitively, its schema exactly).
var keys = []string{
	"schemaVersion", "SchemaVersion", "mediaType", "MediaType", "mediatype", "artifactType", "config", "Config", "layers", "Layers",
	"manifests", "subject", "annotations", "size", "Size", "digest", "Digest", "urls", "data", "Data", "platform", "Platform",
	"architecture", "os", "OS", "os.version", "os.features", "variant", "created", "Created", "author", "history", "rootfs", "RootFS",
	"diff_ids", "type", "Type", "User", "user", "ExposedPorts", "Env", "env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
	"StopSignal", "ArgsEscaped", "created_by", "comment", "empty_layer", "imageLayoutVersion", "features", "x",
}

func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = clone(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = clone(e)
		}
		return a
	}
	return v
}

// mutate changes k places of v, each chosen by a random walk down from
// the root.
func mutate(r *rand.Rand, v any, k int) any {
	for ; k > 0; k-- {
		v = mutateOne(r, v)
	}
	return v
}

func mutateOne(r *rand.Rand, v any) any {
	switch c := v.(type) {
	case map[string]any:
		ks := make([]string, 0, len(c))
		for k := range c {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		switch op := r.IntN(10); {
		case op < 5 && len(ks) > 0: // descend
			k := ks[r.IntN(len(ks))]
			c[k] = mutateOne(r, c[k])
		case op < 7 && len(ks) > 0:
			delete(c, ks[r.IntN(len(ks))])
		case op < 9:
			c[keys[r.IntN(len(keys))]] = clone(edges[r.IntN(len(edges))])
		default:
			return clone(edges[r.IntN(len(edges))])
		}
		return c
	case []any:
		switch op := r.IntN(10); {
		case op < 5 && len(c) > 0:
			i := r.IntN(len(c))
			c[i] = mutateOne(r, c[i])
		case op < 7 && len(c) > 0:
			i := r.IntN(len(c))
			return append(c[:i:i], c[i+1:]...)
		case op < 9:
			return append(c, clone(edges[r.IntN(len(edges))]))
		default:
			return clone(edges[r.IntN(len(edges))])
		}
		return c
	}
	return clone(edges[r.IntN(len(edges))])
}

// FuzzAgreesWithImageSpec compares the verdicts on any bytes.
func FuzzAgreesWithImageSpec(f *testing.F) {
	for _, b := range corpus(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"imageLayoutVersion":"1.0.0"} trailing`))
	f.Add([]byte(`{"schemaVersion":2.0,"config":{},"layers":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, "input", data, false)
	})
}
