package coretest

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/concil-go/ocispec/core"
)

// documentKinds are kinds that name documents rather than blobs; the
// suite does not use them as layers.
var documentKinds = map[string]bool{core.KindManifest: true, core.KindIndex: true, core.KindEmpty: true}

// SampleManifest builds a manifest from f's own kinds: the "config" kind
// (or the first kind) as config and one layer per other supported blob
// kind, with an annotation on the first layer. Media types are kinds, as
// a caller of [core.EncodeManifest] would give them.
func SampleManifest(f core.Format) core.Manifest {
	d := f.Describe()
	table := d.Table.MediaTypes()
	kinds := slices.Sorted(maps.Keys(table))
	configKind := core.KindConfig
	if _, ok := table[configKind]; !ok && len(kinds) > 0 {
		configKind = kinds[0]
	}
	m := core.Manifest{Config: core.DescriptorFromBytes(configKind, []byte(`{"architecture":"amd64","os":"linux"}`))}
	for i, k := range kinds {
		if k == configKind || documentKinds[k] || !d.Table.Supports(k) {
			continue
		}
		l := core.DescriptorFromBytes(k, fmt.Appendf(nil, "layer %d of kind %s", i, k))
		if len(m.Layers) == 0 {
			l.Annotations = map[string]string{"org.opencontainers.image.title": "first layer", "com.example.unicode": "é😀<&>"}
		}
		m.Layers = append(m.Layers, l)
	}
	if m.Layers == nil {
		m.Layers = []core.Descriptor{}
	}
	return m
}

// TestFormat runs the conformance suite every [core.Format] must pass,
// built-in or third-party (plugin authors run it through the plugin
// host): a valid description, kind ↔ media type round trips with
// concil's pass-through, encode → decode round trips in every encoding,
// index round trips for an [core.IndexFormat], detection for a
// [core.Detector], and errors (never panics) on malformed input.
func TestFormat(t *testing.T, f core.Format) {
	t.Helper()
	ctx := context.Background()
	d := f.Describe()
	t.Run("Describe", func(t *testing.T) {
		if err := core.ValidateFormat(f); err != nil {
			t.Fatalf("ValidateFormat(%s) = %v", d.Name, err)
		}
		if again := f.Describe(); !reflect.DeepEqual(again, d) {
			t.Errorf("Describe() changed between calls:\n%#v\n%#v", d, again)
		}
	})
	t.Run("Kinds", func(t *testing.T) { testKinds(t, d.Table) })
	t.Run("ManifestRoundTrip", func(t *testing.T) { testManifestRoundTrip(t, f) })
	if inf, ok := f.(core.IndexFormat); ok && d.IndexMediaType != "" {
		t.Run("IndexRoundTrip", func(t *testing.T) { testIndexRoundTrip(t, inf) })
	}
	if det, ok := f.(core.Detector); ok && d.Detects {
		t.Run("Detect", func(t *testing.T) {
			b, err := f.EncodeManifest(ctx, SampleManifest(f), core.EncodingCompact)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := det.Detect(ctx, b); !ok || err != nil {
				t.Errorf("%s.Detect(its own manifest) = %v, %v; want true, nil", d.Name, ok, err)
			}
			if ok, _ := det.Detect(ctx, []byte("not json")); ok {
				t.Errorf("%s.Detect(%q) = true", d.Name, "not json")
			}
		})
	}
	t.Run("BadInput", func(t *testing.T) { testBadInput(t, f) })
}

func testKinds(t *testing.T, tab *core.Table) {
	table := tab.MediaTypes()
	if len(table) == 0 {
		t.Fatalf("the table is empty")
	}
	for kind, mt := range table {
		if got := tab.MediaType(kind); got != mt {
			t.Errorf("MediaType(%q) = %q, want %q", kind, got, mt)
		}
		if got := tab.Kind(mt); got != kind {
			t.Errorf("Kind(%q) = %q, want %q", mt, got, kind)
		}
	}
	table["unrelated"] = "x" // MediaTypes must return a copy
	if _, ok := tab.MediaTypes()["unrelated"]; ok {
		t.Errorf("MediaTypes() returned the table's own map")
	}
	for _, s := range []string{"application/x-unknown+json", "no-such-kind"} {
		if got := tab.MediaType(s); got != s {
			t.Errorf("MediaType(%q) = %q, want it unchanged", s, got)
		}
		if got := tab.Kind(s); got != s {
			t.Errorf("Kind(%q) = %q, want it unchanged", s, got)
		}
	}
	if tab.Supports("no-such-kind") {
		t.Errorf("Supports(%q) = true", "no-such-kind")
	}
}

func testManifestRoundTrip(t *testing.T, f core.Format) {
	ctx := context.Background()
	m := SampleManifest(f)
	want := m.For(f)
	for _, enc := range core.Encodings {
		t.Run(enc.String(), func(t *testing.T) {
			b, err := f.EncodeManifest(ctx, m, enc)
			if err != nil {
				t.Fatalf("EncodeManifest(%s) = %v", enc, err)
			}
			got, err := f.DecodeManifest(ctx, b)
			if err != nil {
				t.Fatalf("DecodeManifest(EncodeManifest(%s)) = %v\n%s", enc, err, b)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip in %s:\n got %#v\nwant %#v", enc, got, want)
			}
			again, err := f.EncodeManifest(ctx, got, enc)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(b) {
				t.Errorf("encode(decode(b)) != b in %s:\n%s\n%s", enc, again, b)
			}
		})
	}
}

func testIndexRoundTrip(t *testing.T, f core.IndexFormat) {
	ctx := context.Background()
	mb, err := f.EncodeManifest(ctx, SampleManifest(f), core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	entry := core.DescriptorFromBytes(core.KindManifest, mb)
	entry.Platform = &core.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	ix := core.Index{Manifests: []core.Descriptor{entry}}
	want := ix.For(f)
	for _, enc := range core.Encodings {
		b, err := f.EncodeIndex(ctx, ix, enc)
		if err != nil {
			t.Fatalf("EncodeIndex(%s) = %v", enc, err)
		}
		got, err := f.DecodeIndex(ctx, b)
		if err != nil {
			t.Fatalf("DecodeIndex(EncodeIndex(%s)) = %v\n%s", enc, err, b)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("index round trip in %s:\n got %#v\nwant %#v", enc, got, want)
		}
		if _, err := f.DecodeManifest(ctx, b); err == nil {
			t.Errorf("DecodeManifest(an index) = nil error")
		}
	}
}

func testBadInput(t *testing.T, f core.Format) {
	ctx := context.Background()
	mt := f.Describe().ManifestMediaType
	good, err := f.EncodeManifest(ctx, SampleManifest(f), core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{
		"empty":          nil,
		"not json":       []byte("not json"),
		"array":          []byte("[]"),
		"truncated":      good[:len(good)/2],
		"schemaVersion3": []byte(`{"schemaVersion":3,"mediaType":"` + mt + `","config":{},"layers":[]}`),
		"bad digest": []byte(`{"schemaVersion":2,"mediaType":"` + mt +
			`","config":{"mediaType":"a/b","size":1,"digest":"sha256:../../x"},"layers":[]}`),
		"negative size": []byte(`{"schemaVersion":2,"mediaType":"` + mt +
			`","config":{"mediaType":"a/b","size":-1,"digest":"sha256:` + zeros64 + `"},"layers":[]}`),
		"wrong type": []byte(`{"schemaVersion":"2","layers":{}}`),
		"mixed":      []byte(`{"schemaVersion":2,"manifests":[],"layers":[]}`),
	}
	for _, name := range slices.Sorted(maps.Keys(inputs)) {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("DecodeManifest panicked: %v", r)
				}
			}()
			if _, err := f.DecodeManifest(ctx, inputs[name]); err == nil {
				t.Errorf("DecodeManifest(%q) = nil error", inputs[name])
			}
		})
	}
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"
