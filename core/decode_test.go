package core_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

const (
	cfg   = `{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}`
	layer = `{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee","size":9}`
	dcfg  = `{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}`
	entry = `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee","size":9,"platform":{"architecture":"amd64","os":"linux"}}`
)

func TestDecodeDetects(t *testing.T) {
	tests := []struct {
		name, doc, format string
		index             bool
	}{
		{"oci manifest with mediaType", `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":` + cfg + `,"layers":[` + layer + `]}`, "oci", false},
		{"oci manifest without mediaType", `{"schemaVersion":2,"config":` + cfg + `,"layers":[` + layer + `]}`, "oci", false},
		{"docker manifest", `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":` + dcfg + `,"layers":[]}`, "docker", false},
		{"oci index", `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` + entry + `]}`, "oci", true},
		{"oci index without mediaType", `{"schemaVersion":2,"manifests":[` + entry + `]}`, "oci", true},
		{"docker list", `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}`, "docker", true},
		{"parameters in mediaType", `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json; charset=utf-8","config":` + dcfg + `,"layers":[]}`, "docker", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			det, err := core.Default.Detect(context.Background(), []byte(tt.doc))
			if err != nil {
				t.Fatalf("Detect = %v", err)
			}
			if det.Format.Describe().Name != tt.format || det.Index != tt.index {
				t.Errorf("Detect = %s index=%v, want %s index=%v", det.Format.Describe().Name, det.Index, tt.format, tt.index)
			}
			if tt.index {
				if _, f, err := core.DecodeIndex(context.Background(), []byte(tt.doc)); err != nil || f.Describe().Name != tt.format {
					t.Errorf("DecodeIndex = %v, %v", f, err)
				}
				if _, _, err := core.DecodeManifest(context.Background(), []byte(tt.doc)); !errors.Is(err, core.ErrNotManifest) {
					t.Errorf("DecodeManifest(index) = %v, want ErrNotManifest", err)
				}
			} else {
				m, f, err := core.DecodeManifest(context.Background(), []byte(tt.doc))
				if err != nil || f.Describe().Name != tt.format {
					t.Fatalf("DecodeManifest = %v, %v", f, err)
				}
				if kind := f.Describe().Table.Kind(m.Config.MediaType); kind != "config" {
					t.Errorf("Kind(config media type) = %v", kind)
				}
				if _, _, err := core.DecodeIndex(context.Background(), []byte(tt.doc)); !errors.Is(err, core.ErrNotIndex) {
					t.Errorf("DecodeIndex(manifest) = %v, want ErrNotIndex", err)
				}
			}
		})
	}
}

// TestDecodeBadInput feeds malformed documents: each must give an error
// whose text names what is wrong.
func TestDecodeBadInput(t *testing.T) {
	tests := []struct {
		name, doc string
		sentinel  error
		mention   string
	}{
		{"empty", ``, core.ErrInvalidDocument, "empty"},
		{"truncated", `{"schemaVersion":2,"config":` + cfg[:40], core.ErrInvalidDocument, "truncated"},
		{"syntax", `{"schemaVersion":2,,}`, core.ErrInvalidDocument, "byte"},
		{"not an object", `[1,2]`, core.ErrInvalidDocument, "object"},
		{"trailing data", `{"schemaVersion":2,"config":` + cfg + `,"layers":[]} {}`, core.ErrInvalidDocument, "after"},
		{"wrong type", `{"schemaVersion":"2","config":` + cfg + `,"layers":[]}`, core.ErrInvalidDocument, "schemaVersion"},
		{"wrong nested type", `{"schemaVersion":2,"config":` + cfg + `,"layers":[{"size":"9"}]}`, core.ErrInvalidDocument, "layers[0].size"},
		{"schemaVersion 1", `{"schemaVersion":1,"config":` + cfg + `,"layers":[]}`, core.ErrInvalidDocument, "schemaVersion"},
		{"schema 1 manifest", `{"schemaVersion":1,"name":"x","fsLayers":[]}`, core.ErrUnknownDocument, "schema 1"},
		{"missing schemaVersion", `{"config":` + cfg + `,"layers":[]}`, core.ErrInvalidDocument, "schemaVersion"},
		{"negative size", `{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size":2`, `"size":-2`, 1) + `,"layers":[]}`, core.ErrInvalidDocument, "config.size"},
		{"absurd size", `{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size":2`, `"size":1e300`, 1) + `,"layers":[]}`, core.ErrInvalidDocument, "size"},
		{"path digest", `{"schemaVersion":2,"config":` + strings.Replace(cfg, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "sha256:../../x", 1) + `,"layers":[]}`, core.ErrInvalidDigest, "config.digest"},
		{"upper-case digest", `{"schemaVersion":2,"config":` + strings.Replace(cfg, "44136fa", "44136FA", 1) + `,"layers":[]}`, core.ErrInvalidDigest, "lowercase"},
		{"mixed", `{"schemaVersion":2,"config":` + cfg + `,"layers":[],"manifests":[]}`, core.ErrInvalidDocument, "manifests"},
		{"no shape", `{"schemaVersion":2}`, core.ErrUnknownDocument, "neither"},
		{"unknown mediaType", `{"schemaVersion":2,"mediaType":"application/vnd.example.thing","layers":[]}`, core.ErrUnknownDocument, "application/vnd.example.thing"},
		{"missing config", `{"schemaVersion":2,"layers":[` + layer + `]}`, core.ErrInvalidDocument, "config"},
		{"missing layers", `{"schemaVersion":2,"config":` + cfg + `}`, core.ErrInvalidDocument, "layers"},
		{"missing size", `{"schemaVersion":2,"config":` + cfg + `,"layers":[{"mediaType":"a/b","digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}]}`, core.ErrInvalidDocument, "layers[0].size"},
		{"bad media type", `{"schemaVersion":2,"config":` + strings.Replace(cfg, "application/vnd.oci.image.config.v1+json", "not a type", 1) + `,"layers":[]}`, core.ErrInvalidMediaType, "config.mediaType"},
		{"data mismatch", `{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size":2`, `"size":2,"data":"e30K"`, 1) + `,"layers":[]}`, core.ErrSizeMismatch, "config.data"},
		{"data not base64", `{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size":2`, `"size":2,"data":"!!"`, 1) + `,"layers":[]}`, core.ErrInvalidDocument, "base64"},
		{"empty config needs artifactType", `{"schemaVersion":2,"config":` + strings.Replace(cfg, "application/vnd.oci.image.config.v1+json", "application/vnd.oci.empty.v1+json", 1) + `,"layers":[]}`, core.ErrInvalidDocument, "artifactType"},
		{"bad platform", `{"schemaVersion":2,"manifests":[` + strings.Replace(entry, `"os":"linux"`, `"os":""`, 1) + `]}`, core.ErrInvalidDocument, "manifests[0].platform.os"},
		{"bad url", `{"schemaVersion":2,"config":` + cfg + `,"layers":[` + strings.Replace(layer, `"size":9`, `"size":9,"urls":["not a url"]`, 1) + `]}`, core.ErrInvalidDocument, "layers[0].urls[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := core.DecodeManifest(context.Background(), []byte(tt.doc))
			if strings.Contains(tt.doc, `"manifests":[{`) {
				_, _, err = core.DecodeIndex(context.Background(), []byte(tt.doc))
			}
			if err == nil {
				t.Fatalf("decode(%s) = nil error", tt.doc)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("decode error = %v, want %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("decode error = %q, want it to mention %q", err, tt.mention)
			}
		})
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	doc := `{"schemaVersion":2,"config":{"mediaType":"bad","digest":"sha256:x","size":-1},"layers":[{"mediaType":"a/b","digest":"md5:","size":1}]}`
	_, _, err := core.DecodeManifest(context.Background(), []byte(doc))
	problems := core.Problems(err)
	fields := map[string]bool{}
	for _, p := range problems {
		var fe *core.FieldError
		if errors.As(p, &fe) {
			fields[fe.Field] = true
		}
	}
	for _, want := range []string{"config.mediaType", "config.digest", "config.size", "layers[0].digest"} {
		if !fields[want] {
			t.Errorf("problems %v do not include %s", problems, want)
		}
	}
}

func TestDecodeSizeLimit(t *testing.T) {
	// A 100 MB document is refused before it is parsed.
	huge := make([]byte, 100<<20)
	copy(huge, `{"schemaVersion":2,"layers":[`)
	_, _, err := core.DecodeManifest(context.Background(), huge)
	if !errors.Is(err, core.ErrTooLarge) {
		t.Fatalf("DecodeManifest(100 MB) = %v, want ErrDocumentTooLarge", err)
	}
	// The limit is settable.
	doc := []byte(`{"schemaVersion":2,"config":` + cfg + `,"layers":[` + layer + `]}`)
	if _, _, err := core.Default.DecodeManifest(context.Background(), doc, core.WithMaxSize(int64(len(doc)-1))); !errors.Is(err, core.ErrTooLarge) {
		t.Errorf("DecodeManifest(limit len-1) = %v, want ErrDocumentTooLarge", err)
	}
	if _, _, err := core.Default.DecodeManifest(context.Background(), doc, core.WithMaxSize(int64(len(doc)))); err != nil {
		t.Errorf("DecodeManifest(limit len) = %v", err)
	}
	// ReadDocument reads at most limit+1 bytes.
	r := &countingReader{r: bytes.NewReader(huge)}
	if _, err := core.ReadDocument(r, 1024); !errors.Is(err, core.ErrTooLarge) || r.n > 1025 {
		t.Errorf("ReadDocument = %v after %d bytes", err, r.n)
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestDecodeKeepsConcreteTypes(t *testing.T) {
	doc := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":` + dcfg + `,"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee","size":9}]}`
	m, f, err := core.DecodeManifest(context.Background(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if f != core.Format(docker.Format) {
		t.Errorf("format = %s", f.Describe().Name)
	}
	if m.Layers[0].MediaType != docker.MediaTypeLayerGzip || m.Config.MediaType != docker.MediaTypeConfig {
		t.Errorf("media types not as written: %+v", m)
	}
	if got := f.Describe().Table.Kind(m.Layers[0].MediaType); got != "tar+gzip" {
		t.Errorf("Kind = %q", got)
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	m := core.Manifest{Config: core.Descriptor{MediaType: "config", Digest: "sha256:../../x", Size: 2}}
	if _, err := core.EncodeManifest(context.Background(), oci.Format, m, core.EncodingCompact); !errors.Is(err, core.ErrInvalidDigest) {
		t.Errorf("EncodeManifest(bad digest) = %v", err)
	}
	if _, err := core.EncodeManifest(context.Background(), nil, m, core.EncodingCompact); !errors.Is(err, core.ErrInvalidFormat) {
		t.Errorf("EncodeManifest(nil format) = %v", err)
	}
	good := core.Manifest{Config: core.DescriptorFromBytes("config", []byte("{}"))}
	if _, err := core.EncodeManifest(context.Background(), oci.Format, good, core.Encoding(9)); !errors.Is(err, core.ErrUnknownEncoding) {
		t.Errorf("EncodeManifest(encoding 9) = %v", err)
	}
	withSubject := good
	withSubject.Subject = &good.Config
	if _, err := core.EncodeManifest(context.Background(), docker.Format, withSubject, core.EncodingCompact); !errors.Is(err, core.ErrNotConvertible) {
		t.Errorf("EncodeManifest(docker, subject) = %v, want ErrNotConvertible", err)
	}
}

func TestEncodingNames(t *testing.T) {
	for _, e := range core.Encodings {
		got, err := core.ParseEncoding(e.String())
		if err != nil || got != e {
			t.Errorf("ParseEncoding(%q) = %v, %v", e.String(), got, err)
		}
	}
	if _, err := core.ParseEncoding("pretty"); !errors.Is(err, core.ErrUnknownEncoding) {
		t.Errorf("ParseEncoding(pretty) = %v", err)
	}
}

func TestDigestOfEncoded(t *testing.T) {
	b := []byte("some data")
	if got, want := core.DigestOf(b), "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"; string(got) != want {
		t.Errorf("DigestOf(%q) = %s, want %s (concil's test vector)", b, got, want)
	}
}

// TestDecodeKeysAreCaseSensitive: the spec's keys are case-sensitive; a
// key in another case is an unknown key, not the field.
func TestDecodeKeysAreCaseSensitive(t *testing.T) {
	doc := `{"SchemaVersion":2,"Config":` + cfg + `,"Layers":[` + layer + `]}`
	if _, err := core.Default.Detect(context.Background(), []byte(doc)); err == nil {
		t.Errorf("Detect(%s) = nil error; keys matched case-insensitively", doc)
	}
	doc = `{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size"`, `"Size"`, 1) + `,"layers":[]}`
	if _, _, err := core.DecodeManifest(context.Background(), []byte(doc)); err == nil || !strings.Contains(err.Error(), "config.size: missing") {
		t.Errorf("DecodeManifest(Size) = %v, want config.size missing", err)
	}
}

// TestDecodeRefusesDuplicateKeys: parsers disagree on which of two equal
// keys wins, so a document with one must not be accepted.
func TestDecodeRefusesDuplicateKeys(t *testing.T) {
	for _, doc := range []string{
		`{"schemaVersion":2,"config":` + cfg + `,"layers":[],"layers":[` + layer + `]}`,
		`{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size":2`, `"size":2,"size":3`, 1) + `,"layers":[]}`,
		`{"schemaVersion":2,"config":` + cfg + `,"layers":[` + strings.Replace(layer, `"size":9`, `"size":9,"digest":""`, 1) + `]}`,
		`{"schemaVersion":2,"config":` + cfg + `,"layers":[],"annotations":{"a":"1","a":"2"}}`,
	} {
		_, _, err := core.DecodeManifest(context.Background(), []byte(doc))
		if err == nil || !strings.Contains(err.Error(), "more than once") {
			t.Errorf("DecodeManifest(%s) = %v, want a duplicate-key error", doc, err)
		}
	}
}

func TestDecodeRefusesEmptyArtifactType(t *testing.T) {
	for _, doc := range []string{
		`{"schemaVersion":2,"config":` + cfg + `,"layers":[],"artifactType":""}`,
		`{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size":2`, `"size":2,"artifactType":""`, 1) + `,"layers":[]}`,
	} {
		if _, _, err := core.DecodeManifest(context.Background(), []byte(doc)); err == nil || !strings.Contains(err.Error(), "artifactType: present but empty") {
			t.Errorf("DecodeManifest(%s) = %v, want an empty-artifactType error", doc, err)
		}
	}
}

func TestDecodeDescriptor(t *testing.T) {
	d, err := core.DecodeDescriptor([]byte(entry))
	if err != nil || d.Size != 9 || d.Platform == nil || d.Platform.Architecture != "amd64" {
		t.Fatalf("DecodeDescriptor(%s) = %+v, %v", entry, d, err)
	}
	for _, tt := range []struct{ doc, mention string }{
		{`{"mediaType":"a/b","digest":"sha256:x"}`, "size: missing"},
		{`{"mediaType":"a/b","Size":1,"digest":"sha256:` + hex64 + `"}`, "size: missing"},
		{`{"mediaType":"a/b","size":1,"size":2,"digest":"sha256:` + hex64 + `"}`, "more than once"},
		{`{"mediaType":"a/b","size":"1","digest":"sha256:` + hex64 + `"}`, "size: cannot be a JSON string"},
		{`null`, "null"},
		{`[]`, "object"},
	} {
		if _, err := core.DecodeDescriptor([]byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("DecodeDescriptor(%s) = %v, want an error mentioning %q", tt.doc, err, tt.mention)
		}
	}
}

const hex64 = "1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"

// TestDecodeRefusesInvalidText: JSON text must be UTF-8 (RFC 8259 §8.1),
// and I-JSON (RFC 7493) refuses invalid UTF-8 and lone surrogate escapes
// in every string, even one the decoder would otherwise ignore. The error
// names the byte.
func TestDecodeRefusesInvalidText(t *testing.T) {
	base := `{"schemaVersion":2,"config":` + cfg + `,"layers":[` + layer + `],"annotations":{"k":"v"},"x-unknown":{"a":["b"]}}`
	tests := []struct{ name, old, new, mention string }{
		{"annotation value", `"k":"v"`, "\"k\":\"v\xff\"", "invalid UTF-8"},
		{"annotation key", `"k":"v"`, "\"k\xc3\x28\":\"v\"", "invalid UTF-8"},
		{"media type", `"application/vnd.oci.image.config.v1+json"`, "\"application/vnd.oci.image.config.v1+json\xed\xa0\x80\"", "invalid UTF-8"},
		{"unknown field", `"b"`, "\"\xc0\xaf\"", "invalid UTF-8"},
		{"unknown key", `"x-unknown"`, "\"x-\xf8nknown\"", "invalid UTF-8"},
		{"lone high surrogate", `"k":"v"`, `"k":"\ud800v"`, "lone surrogate"},
		{"lone low surrogate", `"b"`, `"\udc00"`, "lone surrogate"},
		{"high then not low", `"k":"v"`, `"\ud83d\u0041":"v"`, "lone surrogate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("%q not in the document", tt.old)
			}
			doc := strings.Replace(base, tt.old, tt.new, 1)
			// The offending byte: the first one that is not ASCII, or the
			// backslash of the surrogate escape.
			at := strings.IndexFunc(doc, func(r rune) bool { return r >= 0x80 })
			if at < 0 {
				at = strings.Index(doc, `\u`)
			}
			_, _, err := core.DecodeManifest(context.Background(), []byte(doc))
			if !errors.Is(err, core.ErrInvalidDocument) {
				t.Fatalf("DecodeManifest(%q) = %v, want ErrInvalidDocument", doc, err)
			}
			if want := fmt.Sprintf("at byte %d: %s", at, tt.mention); !strings.Contains(err.Error(), want) {
				t.Errorf("DecodeManifest(%q) = %q, want it to mention %q", doc, err, want)
			}
		})
	}
	// The same document with valid text decodes, escapes and all.
	doc := strings.Replace(base, `"k":"v"`, `"k\u00e9":"\ud83d\ude00 \u2603 é"`, 1)
	m, _, err := core.DecodeManifest(context.Background(), []byte(doc))
	if err != nil {
		t.Fatalf("DecodeManifest(%s) = %v", doc, err)
	}
	if got := m.Annotations["ké"]; got != "😀 ☃ é" {
		t.Errorf("annotation = %q, want %q", got, "😀 ☃ é")
	}
}

// TestDecodeSyntaxErrors: a syntax error stops decoding and names the
// byte (from 0) where the document stops being JSON.
func TestDecodeSyntaxErrors(t *testing.T) {
	tests := []struct{ doc, mention string }{
		{`{"schemaVersion":2,,}`, "invalid JSON at byte 19"},
		{`{"schemaVersion":2,"layers":[1,]}`, "invalid JSON at byte 31"},
		{`{"schemaVersion":02}`, "invalid JSON at byte 17: a number with a leading zero"},
		{`{"schemaVersion":2,"config":{"size":"9` + "\t" + `"}}`, "invalid JSON at byte 38: control character"},
		{`{"schemaVersion":2,"x":[tru]}`, "invalid JSON at byte 27"},
		{`{"schemaVersion":2,"layers":[`, "truncated JSON: the document ends at byte 29"},
		{`{"schemaVersion":2} {}`, "invalid JSON at byte 20: data after the JSON document"},
		{" \t\r\n", "empty document"},
		{"\u00a0{}", "invalid JSON at byte 0"}, // not JSON whitespace
		{`{"schemaVersion":2,"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, "nesting deeper than 10000"},
	}
	for _, tt := range tests {
		_, _, err := core.DecodeManifest(context.Background(), []byte(tt.doc))
		if !errors.Is(err, core.ErrInvalidDocument) || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("DecodeManifest(%.60q) = %v, want ErrInvalidDocument mentioning %q", tt.doc, err, tt.mention)
		}
	}
	// Nesting up to the limit is fine in an unknown field.
	doc := `{"schemaVersion":2,"config":` + cfg + `,"layers":[],"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`
	if _, _, err := core.DecodeManifest(context.Background(), []byte(doc)); err != nil {
		t.Errorf("DecodeManifest(9999 nested arrays in an unknown field) = %v", err)
	}
}

// TestDecodeEscapedKeys: keys are compared after their escapes are
// decoded, and their repetition is detected the same way.
func TestDecodeEscapedKeys(t *testing.T) {
	doc := `{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size"`, `"\u0073ize"`, 1) + `,"l\u0061yers":[]}`
	m, _, err := core.DecodeManifest(context.Background(), []byte(doc))
	if err != nil || m.Config.Size != 2 {
		t.Fatalf("DecodeManifest(%s) = %+v, %v", doc, m, err)
	}
	doc = `{"schemaVersion":2,"config":` + cfg + `,"layers":[],"annotations":{"a":"1","\u0061":"2"}}`
	if _, _, err := core.DecodeManifest(context.Background(), []byte(doc)); err == nil || !strings.Contains(err.Error(), "annotations.a: key appears more than once") {
		t.Errorf("DecodeManifest(%s) = %v, want a repeated key error", doc, err)
	}
}

// TestDecodeRepeatedUnknownKeys: repeated keys are refused wherever the
// decoder reads an object, whether or not it knows the key and whatever
// the values' types; many distinct keys are fine.
func TestDecodeRepeatedUnknownKeys(t *testing.T) {
	var many strings.Builder
	for i := range 200 {
		fmt.Fprintf(&many, `"k%d":%d,`, i, i)
	}
	tests := []struct{ name, doc, field string }{
		{"unknown top-level", `{"schemaVersion":2,"config":` + cfg + `,"layers":[],"x":1,"x":{}}`, "x"},
		{"unknown in descriptor", `{"schemaVersion":2,"config":` + strings.Replace(cfg, `"size":2`, `"size":2,"x":1,"x":2`, 1) + `,"layers":[]}`, "config.x"},
		{"unknown in platform", `{"schemaVersion":2,"manifests":[` + strings.Replace(entry, `"os":"linux"`, `"os":"linux","os.Version":"1","os.Version":"2"`, 1) + `]}`, "manifests[0].platform.os.Version"},
		{"after many", `{"schemaVersion":2,"config":` + cfg + `,"layers":[],` + many.String() + `"k150":1}`, "k150"},
		{"annotation null then string", `{"schemaVersion":2,"config":` + cfg + `,"layers":[],"annotations":{"a":null,"a":"x"}}`, "annotations.a"},
		{"annotation string then number", `{"schemaVersion":2,"config":` + cfg + `,"layers":[],"annotations":{"a":"x","a":1}}`, "annotations.a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := core.DecodeManifest(context.Background(), []byte(tt.doc))
			if strings.Contains(tt.doc, `"manifests"`) {
				_, _, err = core.DecodeIndex(context.Background(), []byte(tt.doc))
			}
			want := "field " + tt.field + ": key appears more than once"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("decode = %v, want %q", err, want)
			}
		})
	}
	doc := `{"schemaVersion":2,"config":` + cfg + `,"layers":[],` + many.String() + `"k":1}`
	if _, _, err := core.DecodeManifest(context.Background(), []byte(doc)); err != nil {
		t.Errorf("DecodeManifest(200 distinct unknown keys) = %v", err)
	}
}
