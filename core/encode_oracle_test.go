package core_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/internal/tooltest"
	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// randomDocs makes valid OCI manifests and indexes of image-spec's types
// with every field and strings of every kind of character: escapes,
// control characters, U+2028, characters beyond the BMP, HTML's < > &,
// invalid UTF-8. Keys keep to characters below U+E000, where RFC 8785's
// UTF-16 order and Python's code point order agree.
func randomDocs(n int) (manifests []v1.Manifest, indexes []v1.Index) {
	r := rand.New(rand.NewPCG(8785, 2026))
	valuePieces := []string{"a", "Z", "0", " ", ".", "/", `"`, `\`, "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"é", "€", "\u2028", "\u2029", "😀", "𝄞", "\ue000", "\uffff", "\xff", "\xc3", "<", ">", "&", "\u00ff"}
	keyPieces := []string{"a", "b", "A", "0", ".", "-", "_", " ", `"`, `\`, "\n", "\x01", "\x7f", "é", "€", "\u2028", "<", "&"}
	str := func(pieces []string, max int) string {
		var b strings.Builder
		for range r.IntN(max + 1) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	annotations := func() map[string]string {
		if r.IntN(3) == 0 {
			return nil
		}
		m := map[string]string{}
		for range 1 + r.IntN(4) {
			m["k"+str(keyPieces, 5)] = str(valuePieces, 8)
		}
		return m
	}
	descriptor := func(mediaType string) v1.Descriptor {
		content := fmt.Appendf(nil, "content %d", r.Int())
		d := v1.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(content), Size: int64(len(content))}
		if r.IntN(2) == 0 {
			d.Size = r.Int64N(1 << 53)
			d.Digest = digest.NewDigestFromEncoded(digest.SHA512, fmt.Sprintf("%0128x", r.Uint64()))
		}
		if r.IntN(6) == 0 {
			d.Data, d.Size, d.Digest = content, int64(len(content)), digest.FromBytes(content)
		}
		if r.IntN(5) == 0 {
			d.URLs = []string{fmt.Sprintf("https://example.com/%d/é&<>", r.Int()), "http://x/y"}
		}
		d.Annotations = annotations()
		if r.IntN(4) == 0 {
			d.Platform = &v1.Platform{Architecture: str(valuePieces, 3) + "arm64", OS: "linux" + str(valuePieces, 2)}
			if r.IntN(2) == 0 {
				d.Platform.OSVersion, d.Platform.Variant = str(valuePieces, 4), "v"+str(valuePieces, 2)
			}
			if r.IntN(2) == 0 {
				d.Platform.OSFeatures = []string{str(valuePieces, 4), "win32k"}
			}
		}
		if r.IntN(5) == 0 {
			d.ArtifactType = "application/vnd.example.thing+json"
		}
		return d
	}
	var subject func() *v1.Descriptor = func() *v1.Descriptor {
		if r.IntN(3) != 0 {
			return nil
		}
		d := descriptor(v1.MediaTypeImageManifest)
		return &d
	}
	for range n {
		m := v1.Manifest{
			Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest,
			Config:  descriptor(v1.MediaTypeImageConfig),
			Layers:  []v1.Descriptor{},
			Subject: subject(), Annotations: annotations(),
		}
		for range r.IntN(5) {
			m.Layers = append(m.Layers, descriptor([]string{v1.MediaTypeImageLayerGzip, v1.MediaTypeImageLayerZstd, "application/vnd.example+json"}[r.IntN(3)]))
		}
		if r.IntN(4) == 0 {
			m.ArtifactType = "application/vnd.example.sbom.v1+json"
		}
		manifests = append(manifests, m)
		ix := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{},
			Subject: subject(), Annotations: annotations()}
		for range r.IntN(5) {
			ix.Manifests = append(ix.Manifests, descriptor(v1.MediaTypeImageManifest))
		}
		if r.IntN(4) == 0 {
			ix.ArtifactType = "application/vnd.example.index+json"
		}
		indexes = append(indexes, ix)
	}
	return manifests, indexes
}

// marshalNoHTML is json.Marshal without the escaping of < > &: what
// the compact encoding is documented to equal.
func marshalNoHTML(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

type encodedDoc struct {
	name                       string
	compact, canonical, concil []byte
}

// encodeRandomDocs encodes each random document in the three encodings,
// checking the compact one against encoding/json of image-spec's types.
func encodeRandomDocs(t *testing.T, n int) []encodedDoc {
	ctx := context.Background()
	manifests, indexes := randomDocs(n)
	var out []encodedDoc
	check := func(name string, want []byte, encode func(core.Encoding) ([]byte, error)) {
		d := encodedDoc{name: name}
		for _, e := range []struct {
			enc core.Encoding
			dst *[]byte
		}{{core.EncodingCompact, &d.compact}, {core.EncodingCanonical, &d.canonical}, {core.EncodingConcil, &d.concil}} {
			b, err := encode(e.enc)
			if err != nil {
				t.Fatalf("%s in %s: %v\n%s", name, e.enc, err, want)
			}
			*e.dst = b
		}
		if !bytes.Equal(d.compact, want) {
			t.Errorf("%s compact\n%q\nencoding/json of specs-go/v1\n%q", name, d.compact, want)
		}
		out = append(out, d)
	}
	for i, m := range manifests {
		cm := core.ManifestFromOCI(m)
		check(fmt.Sprintf("manifest %d", i), marshalNoHTML(t, m), func(e core.Encoding) ([]byte, error) {
			return core.EncodeManifest(ctx, oci.Format, cm, e)
		})
	}
	for i, ix := range indexes {
		cix := core.IndexFromOCI(ix)
		check(fmt.Sprintf("index %d", i), marshalNoHTML(t, ix), func(e core.Encoding) ([]byte, error) {
			return core.EncodeIndex(ctx, oci.Format, cix, e)
		})
	}
	return out
}

// TestRandomDocumentsCompactIsEncodingJSON checks the compact encoding of
// random documents with every field and every kind of string against
// encoding/json of image-spec's types.
func TestRandomDocumentsCompactIsEncodingJSON(t *testing.T) {
	docs := encodeRandomDocs(t, 300)
	sum := sha256.New()
	for _, d := range docs {
		sum.Write(d.compact)
	}
	t.Logf("%d documents, sha256 of their compact encodings %x", len(docs), sum.Sum(nil)[:8])
}

// TestRandomDocumentsPython checks the canonical and the concil encodings
// of the random documents against Python's json module reading the
// compact one: json.dumps(sort_keys=True, separators=(",", ":"),
// ensure_ascii=False) is RFC 8785 for documents of strings and integers
// below 2^53 whose keys are below U+E000; and json.dumps with its
// defaults (", " and ": ", ASCII-only escapes) is concil's spelling, the
// member order aside (Python keeps the order it read).
func TestRandomDocumentsPython(t *testing.T) {
	python := tooltest.Need(t, "python3")
	docs := encodeRandomDocs(t, 150)
	var in bytes.Buffer
	for _, d := range docs {
		in.Write(d.compact)
		in.WriteByte('\n')
		in.Write(d.concil)
		in.WriteByte('\n')
	}
	cmd := exec.Command(python, "-c", `import json, sys
for i, line in enumerate(sys.stdin):
    v = json.loads(line)
    if i % 2 == 0:
        print(json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    else:
        print(json.dumps(v))
`)
	cmd.Stdin = &in
	cmd.Env = append(cmd.Environ(), "PYTHONIOENCODING=utf-8")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	lines := bufio.NewScanner(bytes.NewReader(out))
	lines.Buffer(nil, 1<<20)
	for _, d := range docs {
		for _, e := range []struct {
			enc core.Encoding
			got []byte
		}{{core.EncodingCanonical, d.canonical}, {core.EncodingConcil, d.concil}} {
			if !lines.Scan() {
				t.Fatalf("python3 stopped before %s: %v", d.name, lines.Err())
			}
			if want := lines.Bytes(); !bytes.Equal(e.got, want) {
				t.Errorf("%s in %s\n%q\nPython\n%q", d.name, e.enc, e.got, want)
			}
		}
	}
}
