package formats_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/formats"
)

// corpusCase is one document of testdata/corpus (its sources are in
// SOURCES.md) and the verdict the specs give it.
type corpusCase struct {
	file   string
	kind   string // manifest, index, config, descriptor, or none (no image-spec document)
	valid  bool
	format string // for manifests and indexes: the format detected
	why    string // where the verdict comes from; the spec's sentence where it is not obvious
}

var corpusCases = []corpusCase{
	{"image-spec/config-image-json-1.json", "config", true, "", "config.md's example"},
	{"image-spec/descriptor-content-descriptor-1.json", "descriptor", true, "", "descriptor.md's example"},
	{"image-spec/descriptor-content-descriptor-2.json", "descriptor", true, "", "descriptor.md's example with urls"},
	{"image-spec/descriptor-content-descriptor-3.json", "descriptor", true, "", "descriptor.md's example with an artifactType"},
	{"image-spec/image-index-image-index-1.json", "index", true, "oci", "image-index.md's example"},
	{"image-spec/image-index-image-index-2.json", "index", true, "oci", "image-index.md's example of an index of artifacts"},
	{"image-spec/image-layout-image-index-1.json", "index", true, "oci", "image-layout.md's index.json"},
	{"image-spec/manifest-manifest-1.json", "manifest", true, "oci", "manifest.md's example"},
	{"image-spec/manifest-empty-config-1.json", "descriptor", true, "", "manifest.md's empty descriptor"},
	{"image-spec/manifest-minimal-artifact-1.json", "manifest", true, "oci", "manifest.md: the empty config with artifactType"},
	{"image-spec/manifest-artifact-without-config-1.json", "manifest", true, "oci", "manifest.md's artifact example"},
	{"image-spec/manifest-artifact-with-config-1.json", "manifest", true, "oci", "manifest.md's artifact example"},

	{"docker/manifest.json", "manifest", true, "docker", "Docker's manifest-v2-2.md example"},
	{"docker/manifest-list.json", "index", true, "docker", "Docker's example; platform \"features\" is Docker's own field"},
	// Docker's schema has no top-level annotations: an unknown property,
	// and image-spec's considerations.md: "Implementations ... SHOULD NOT
	// generate an error if they encounter an unknown property in a known
	// media type."
	{"docker/manifest-annotations.json", "manifest", true, "docker", "considerations.md: SHOULD NOT generate an error on an unknown property"},
	{"docker/manifest-list-annotations.json", "index", true, "docker", "considerations.md: SHOULD NOT generate an error on an unknown property"},
	// config.md ties history to layers only by "empty_layer ... is used
	// to mark if the history item created a filesystem diff"; it does not
	// require the counts to agree.
	{"docker/docker-image-spec-config.json", "config", true, "", "two diff_ids, one non-empty history entry: config.md has no rule on the count"},
	// config.md: "Any extra fields in the Image JSON struct are
	// considered implementation specific and MUST be ignored by any
	// implementations which are unable to interpret them."
	{"docker/moby-config-healthcheck.json", "config", true, "", "config.md: extra fields MUST be ignored"},

	{"docker-save/index.json", "index", true, "oci", "moby's exporter's index.json"},
	{"docker-save/oci-manifest.json", "manifest", true, "oci", "moby's exporter's manifest"},
	{"docker-save/manifest.json", "none", false, "", "docker save's legacy manifest.json is a JSON array, no image-spec document"},

	// image-index.md: "platform ... This property is RECOMMENDED for
	// image manifests"; its values are "unknown", which neither Go nor
	// the spec lists, but the spec only says architecture and os are
	// REQUIRED strings.
	{"buildkit/index-with-attestation.json", "index", true, "oci", "unknown/unknown platforms: image-index.md requires only that architecture and os be present"},
	// manifest.md: "Implementations MUST NOT generate an error if they
	// encounter an unknown layer media type" (here application/vnd.in-toto+json).
	{"buildkit/attestation-manifest.json", "manifest", true, "oci", "manifest.md: layers of unknown media types are allowed"},
	{"buildkit/attestation-config.json", "config", true, "", "buildkit's attestation config"},

	// umoci 0.4.7 writes no mediaType; manifest.md: "This property
	// SHOULD be used" (not MUST), so a manifest without one is an OCI one.
	{"umoci/manifest.json", "manifest", true, "oci", "manifest.md: mediaType SHOULD be used, not MUST"},
	{"umoci/index.json", "index", true, "oci", "image-index.md: mediaType SHOULD be used, not MUST"},
	{"umoci/config.json", "config", true, "", "umoci's config"},
	{"skopeo/dir-oci-manifest.json", "manifest", true, "oci", "skopeo's dir: manifest"},
	{"skopeo/dir-docker-v2s2-manifest.json", "manifest", true, "docker", "skopeo --format v2s2"},
	{"skopeo/docker-v2s2-config.json", "config", true, "", "the config skopeo's v2s2 manifest names"},
	{"skopeo/oci-index.json", "index", true, "oci", "skopeo's index.json"},

	// A Helm chart is an OCI manifest with Helm's config; without the
	// Helm plugin it is an OCI manifest (manifest.md: "If the manifest
	// uses a different media type than the above, it MUST comply with
	// RFC 6838").
	{"helm/chart-manifest.json", "manifest", true, "oci", "an OCI manifest with an artifact config"},
	{"cosign/signature-manifest.json", "manifest", true, "docker", "a Docker manifest with simplesigning layers"},

	// image-spec's own schema tests. Their verdict is the schema's; where
	// the spec's text says otherwise, the text wins and the case says why.
	{"image-spec-schema/config-01.json", "config", false, "", "schema/config_test.go:31: expected failure: field \"os\" has numeric value, must be string"},
	{"image-spec-schema/config-02.json", "config", false, "", "schema/config_test.go:47: expected failure: field \"variant\" has numeric value, must be string"},
	{"image-spec-schema/config-03.json", "config", false, "", "schema/config_test.go:65: expected failure: field \"config.User\" has numeric value, must be string"},
	{"image-spec-schema/config-04.json", "config", false, "", "schema/config_test.go:87: expected failue: history has string value, must be an array"},
	{"image-spec-schema/config-05.json", "config", false, "", "schema/config_test.go:105: expected failure: Env has numeric value, must be a string"},
	{"image-spec-schema/config-06.json", "config", false, "", "schema/config_test.go:127: expected failure: config.Volumes has string array, must be an object (string set)"},
	{"image-spec-schema/config-07.json", "config", false, "", "schema/config_test.go:150: expected failue: invalid JSON"},
	{"image-spec-schema/config-08.json", "config", true, "", "schema/config_test.go:156: valid config with optional fields"},
	{"image-spec-schema/config-09.json", "config", true, "", "schema/config_test.go:217: valid config with only required fields"},
	{"image-spec-schema/config-10.json", "config", false, "", "schema/config_test.go:233: expected failure: Env is invalid"},
	{"image-spec-schema/manifest-01.json", "manifest", false, "", "schema/manifest_test.go:31: expected failure: mediaType does not match pattern"},
	{"image-spec-schema/manifest-02.json", "manifest", false, "", "schema/manifest_test.go:54: expected failure: config.size is a string, expected integer"},
	{"image-spec-schema/manifest-03.json", "manifest", false, "", "schema/manifest_test.go:78: expected failure: layers.size is string, expected integer"},
	{"image-spec-schema/manifest-04.json", "manifest", true, "oci", "schema/manifest_test.go:101: valid manifest with optional fields"},
	{"image-spec-schema/manifest-05.json", "manifest", true, "oci", "schema/manifest_test.go:138: valid manifest with only required fields"},
	{"image-spec-schema/manifest-06.json", "manifest", true, "oci", "schema/manifest_test.go:171: the schema refuses an empty layers array, but manifest.md (1.1) says \"For portability, layers SHOULD have at least one entry\" and, for artifacts, \"the layers array MAY be empty\": valid"},
	{"image-spec-schema/manifest-07.json", "manifest", true, "oci", "schema/manifest_test.go:188: expected pass: test bounds of algorithm field in digest."},
	{"image-spec-schema/manifest-08.json", "manifest", true, "oci", "schema/manifest_test.go:220: expected success: subject field with a valid descriptor"},
	{"image-spec-schema/manifest-09.json", "manifest", false, "", "schema/manifest_test.go:248: expected failure: subject field with invalid value (something that is not a descriptor)"},
	{"image-spec-schema/manifest-10.json", "manifest", false, "", "schema/manifest_test.go:272: expected failure: push bounds of algorithm field in digest too far."},
	{"image-spec-schema/manifest-11.json", "manifest", true, "oci", "schema/manifest_test.go:295: valid manifest for an artifact with a dedicated config"},
	{"image-spec-schema/manifest-12.json", "manifest", true, "oci", "schema/manifest_test.go:318: valid manifest for an artifact using the empty config and artifactType"},
	{"image-spec-schema/imageindex-01.json", "index", false, "", "schema/imageindex_test.go:31: expected failure: mediaType does not match pattern"},
	{"image-spec-schema/imageindex-02.json", "index", false, "", "schema/imageindex_test.go:53: expected failure: manifest.size is string, expected integer"},
	{"image-spec-schema/imageindex-03.json", "index", false, "", "schema/imageindex_test.go:75: expected failure: manifest.digest is missing, expected required"},
	{"image-spec-schema/imageindex-04.json", "index", false, "", "schema/imageindex_test.go:96: expected failure: in the optional field platform platform.architecture is missing, expected required"},
	{"image-spec-schema/imageindex-05.json", "index", false, "", "schema/imageindex_test.go:117: expected failure: invalid referenced manifest media type"},
	{"image-spec-schema/imageindex-06.json", "index", false, "", "schema/imageindex_test.go:139: expected failure: empty referenced manifest media type"},
	{"image-spec-schema/imageindex-07.json", "index", true, "oci", "schema/imageindex_test.go:161: valid image index, with optional fields"},
	{"image-spec-schema/imageindex-08.json", "index", true, "oci", "schema/imageindex_test.go:196: valid image index, with required fields only"},
	{"image-spec-schema/imageindex-09.json", "index", true, "oci", "schema/imageindex_test.go:214: valid image index, with customized media type of referenced manifest"},
	{"image-spec-schema/imageindex-10.json", "index", true, "oci", "schema/imageindex_test.go:236: valid image index with artifactType and manifests"},
	{"image-spec-schema/imageindex-11.json", "index", true, "oci", "schema/imageindex_test.go:261: valid image index with a subject field"},
	{"image-spec-schema/imageindex-12.json", "index", false, "", "schema/imageindex_test.go:288: expected failure, invalid subject field"},
	{"image-spec-schema/descriptor-01.json", "descriptor", true, "", "schema/descriptor_test.go:31: valid descriptor"},
	{"image-spec-schema/descriptor-02.json", "descriptor", true, "", "schema/descriptor_test.go:43: zero length blob"},
	{"image-spec-schema/descriptor-03.json", "descriptor", false, "", "schema/descriptor_test.go:55: expected failure: mediaType missing"},
	{"image-spec-schema/descriptor-04.json", "descriptor", false, "", "schema/descriptor_test.go:66: expected failure: mediaType does not match pattern (no subtype)"},
	{"image-spec-schema/descriptor-05.json", "descriptor", false, "", "schema/descriptor_test.go:78: expected failure: mediaType does not match pattern (invalid first type character)"},
	{"image-spec-schema/descriptor-06.json", "descriptor", false, "", "schema/descriptor_test.go:90: expected failure: mediaType does not match pattern (invalid first subtype character)"},
	{"image-spec-schema/descriptor-07.json", "descriptor", true, "", "schema/descriptor_test.go:102: expected success: mediaType has type and subtype as long as possible"},
	{"image-spec-schema/descriptor-08.json", "descriptor", false, "", "schema/descriptor_test.go:114: expected failure: mediaType does not match pattern (type too long)"},
	{"image-spec-schema/descriptor-09.json", "descriptor", false, "", "schema/descriptor_test.go:126: expected failure: mediaType does not match pattern (subtype too long)"},
	{"image-spec-schema/descriptor-10.json", "descriptor", false, "", "schema/descriptor_test.go:138: expected failure: size missing"},
	{"image-spec-schema/descriptor-11.json", "descriptor", false, "", "schema/descriptor_test.go:149: expected failure: size is a string, expected integer"},
	{"image-spec-schema/descriptor-12.json", "descriptor", false, "", "schema/descriptor_test.go:161: expected failure: digest missing"},
	{"image-spec-schema/descriptor-13.json", "descriptor", false, "", "schema/descriptor_test.go:172: expected failure: digest does not match pattern (no algorithm)"},
	{"image-spec-schema/descriptor-14.json", "descriptor", false, "", "schema/descriptor_test.go:184: expected failure: digest does not match pattern (no hash)"},
	{"image-spec-schema/descriptor-15.json", "descriptor", false, "", "schema/descriptor_test.go:196: expected failure: digest does not match pattern (invalid aglorithm characters)"},
	{"image-spec-schema/descriptor-16.json", "descriptor", false, "", "schema/descriptor_test.go:208: expected failure: digest does not match pattern (characters needs to be lower for sha256)"},
	{"image-spec-schema/descriptor-17.json", "descriptor", true, "", "schema/descriptor_test.go:220: expected success: valid URL entry"},
	{"image-spec-schema/descriptor-18.json", "descriptor", false, "", "schema/descriptor_test.go:235: expected failure: urls does not match format (invalide url characters)"},
	{"image-spec-schema/descriptor-19.json", "descriptor", true, "", "schema/descriptor_test.go:250: expected success: artifactType is present and an IANA compliant value"},
	{"image-spec-schema/descriptor-20.json", "descriptor", false, "", "schema/descriptor_test.go:263: expected failure: artifactType does not match pattern (invalid first subtype character)"},
	{"image-spec-schema/descriptor-21.json", "descriptor", true, "", "schema/descriptor_test.go:276: expected success: data field is present and has base64 content"},
	{"image-spec-schema/descriptor-22.json", "descriptor", true, "", "schema/descriptor_test.go:289: expected success: test for alternate digest algorithm"},
	{"image-spec-schema/descriptor-23.json", "descriptor", true, "", "schema/descriptor_test.go:300: expected success: test for alternate digest algorithm"},
	{"image-spec-schema/descriptor-24.json", "descriptor", true, "", "schema/descriptor_test.go:311: expected success: test for alternate digest algorithm"},
	{"image-spec-schema/descriptor-25.json", "descriptor", true, "", "schema/descriptor_test.go:322: expected success: test for alternate digest algorithm"},
	{"image-spec-schema/descriptor-26.json", "descriptor", true, "", "schema/descriptor_test.go:333: expected success: test for alternate digest algorithm"},
	{"image-spec-schema/descriptor-27.json", "descriptor", false, "", "schema/descriptor_test.go:344: fail: repeated separators in algorithm"},
	{"image-spec-schema/descriptor-28.json", "descriptor", true, "", "schema/descriptor_test.go:355: expected success: test for alternate digest encoding"},
	{"image-spec-schema/descriptor-29.json", "descriptor", true, "", "schema/descriptor_test.go:366: expected success: test for those who cannot use modulo arithmetic to recover padding."},
	{"image-spec-schema/descriptor-30.json", "descriptor", false, "", "schema/descriptor_test.go:376: the schema cannot check padding (fail: false there), but descriptor.md says data \"MUST be encoded as base64 as defined in RFC 4648\", whose base64 is padded: invalid"},
	{"image-spec-schema/descriptor-31.json", "descriptor", false, "", "schema/descriptor_test.go:388: expected failure: negative size"},
}

// TestCorpus checks the verdict on every document of the corpus, and that
// every valid one decodes and encodes again (compact, its own format)
// to the same JSON value: nothing dropped.
func TestCorpus(t *testing.T) {
	ctx := context.Background()
	reg := formats.NewRegistry(nil)
	seen := map[string]bool{}
	for _, tt := range corpusCases {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "corpus", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var out []byte
			switch tt.kind {
			case "manifest", "index":
				d, err := reg.Decode(ctx, data)
				if (err == nil) != tt.valid {
					t.Fatalf("Decode = %v; want valid %v (%s)", err, tt.valid, tt.why)
				}
				if err != nil {
					return
				}
				if got := d.Format.Describe().Name; got != tt.format || (d.Index != nil) != (tt.kind == "index") {
					t.Fatalf("Decode: a %s of format %s (index %v), want a %s of %s", tt.kind, got, d.Index != nil, tt.kind, tt.format)
				}
				if d.Index != nil {
					out, err = core.EncodeIndex(ctx, d.Format, *d.Index, core.EncodingCompact)
				} else {
					out, err = core.EncodeManifest(ctx, d.Format, *d.Manifest, core.EncodingCompact)
				}
				if err != nil {
					t.Fatalf("encode again: %v", err)
				}
				// The compact encoding writes the mediaType the document
				// may omit (manifest.md: it "SHOULD be used"); all else is
				// as read.
				var in map[string]any
				json.Unmarshal(data, &in)
				if _, ok := in["mediaType"]; !ok {
					data, _ = json.Marshal(withMember(in, "mediaType", d.MediaType))
				}
			case "config":
				c, err := core.DecodeImageConfig(data)
				if (err == nil) != tt.valid {
					t.Fatalf("DecodeImageConfig = %v; want valid %v (%s)", err, tt.valid, tt.why)
				}
				if err != nil {
					return
				}
				if out, err = core.EncodeImageConfig(c, core.EncodingCompact); err != nil {
					t.Fatal(err)
				}
			case "descriptor":
				d, err := core.DecodeDescriptor(data)
				if (err == nil) != tt.valid {
					t.Fatalf("DecodeDescriptor = %v; want valid %v (%s)", err, tt.valid, tt.why)
				}
				if err != nil {
					return
				}
				if out, err = core.EncodeDescriptor(d, core.EncodingCompact); err != nil {
					t.Fatal(err)
				}
			case "none":
				_, derr := reg.Decode(ctx, data)
				_, cerr := core.DecodeImageConfig(data)
				_, xerr := core.DecodeDescriptor(data)
				if derr == nil || cerr == nil || xerr == nil {
					t.Fatalf("read as a document: %v, %v, %v; want every reader to refuse it (%s)", derr, cerr, xerr, tt.why)
				}
				return
			default:
				t.Fatalf("unknown kind %q", tt.kind)
			}
			if same, err := coretest.SameJSON(out, data); err != nil || !same {
				t.Errorf("decode → encode =\n%s\nnot the JSON value of\n%s", out, data)
			}
		})
	}
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, f := range files {
		rel, _ := filepath.Rel(filepath.Join("testdata", "corpus"), f)
		if rel = filepath.ToSlash(rel); !seen[rel] {
			missing = append(missing, rel)
		}
	}
	if slices.Sort(missing); len(missing) > 0 {
		t.Errorf("corpus files without a verdict: %s", strings.Join(missing, ", "))
	}
}

func withMember(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}
