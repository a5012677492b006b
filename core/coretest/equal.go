package coretest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"

	"github.com/concil-go/ocispec/core"
)

// EqualManifests reports whether two manifests say the same thing, taking
// nil and empty slices, maps and data alike (a decoded "annotations": {}
// is no annotations once encoded again).
func EqualManifests(a, b core.Manifest) bool {
	return reflect.DeepEqual(NormalizeManifest(a), NormalizeManifest(b))
}

// EqualIndexes is EqualManifests for indexes.
func EqualIndexes(a, b core.Index) bool {
	return reflect.DeepEqual(NormalizeIndex(a), NormalizeIndex(b))
}

// NormalizeDescriptor returns a copy of d with empty slices and maps nil.
func NormalizeDescriptor(d core.Descriptor) core.Descriptor {
	d = d.Clone()
	if len(d.Annotations) == 0 {
		d.Annotations = nil
	}
	if len(d.URLs) == 0 {
		d.URLs = nil
	}
	if len(d.Data) == 0 {
		d.Data = nil
	}
	if d.Platform != nil && len(d.Platform.OSFeatures) == 0 {
		d.Platform.OSFeatures = nil
	}
	if d.Platform != nil {
		d.Platform.Extra = NormalizeExtra(d.Platform.Extra)
	}
	d.Extra = NormalizeExtra(d.Extra)
	return d
}

// NormalizeExtra returns kept members in a single form, for comparisons:
// each value spelled as encoding/json writes it (numbers as doubles,
// object members sorted), without the place it was read at (encodings
// move it: the canonical one sorts), nil when empty.
func NormalizeExtra(e core.Extra) core.Extra {
	if len(e) == 0 {
		return nil
	}
	out := make(core.Extra, len(e))
	for i, m := range e {
		out[i] = core.Member{Key: m.Key, Value: m.Value}
		var v any
		if json.Unmarshal(m.Value, &v) == nil {
			if b, err := json.Marshal(v); err == nil {
				out[i].Value = b
			}
		}
	}
	slices.SortStableFunc(out, func(a, b core.Member) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func normalizeList(ds []core.Descriptor) []core.Descriptor {
	out := []core.Descriptor{}
	for _, d := range ds {
		out = append(out, NormalizeDescriptor(d))
	}
	return out
}

func normalizeSubject(d *core.Descriptor) *core.Descriptor {
	if d == nil {
		return nil
	}
	n := NormalizeDescriptor(*d)
	return &n
}

func normalizeMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// NormalizeManifest returns a copy of m with empty slices and maps in a
// single form, for comparisons.
func NormalizeManifest(m core.Manifest) core.Manifest {
	m = m.Clone()
	m.Config = NormalizeDescriptor(m.Config)
	m.Layers = normalizeList(m.Layers)
	m.Subject = normalizeSubject(m.Subject)
	m.Annotations = normalizeMap(m.Annotations)
	m.Extra = NormalizeExtra(m.Extra)
	return m
}

// NormalizeIndex is NormalizeManifest for indexes.
func NormalizeIndex(ix core.Index) core.Index {
	ix = ix.Clone()
	ix.Manifests = normalizeList(ix.Manifests)
	ix.Subject = normalizeSubject(ix.Subject)
	ix.Annotations = normalizeMap(ix.Annotations)
	ix.Extra = NormalizeExtra(ix.Extra)
	return ix
}

// SameJSON reports whether a and b hold the same JSON value (member
// order, spacing and escapes aside; numbers compared as written), as
// encoding/json reads them.
func SameJSON(a, b []byte) (bool, error) {
	va, err := jsonValue(a)
	if err != nil {
		return false, err
	}
	vb, err := jsonValue(b)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(va, vb), nil
}

func jsonValue(data []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(&v)
	return v, err
}
