package coretest

import (
	"bytes"
	"encoding/json"
	"reflect"

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
	return d
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
	return m
}

// NormalizeIndex is NormalizeManifest for indexes.
func NormalizeIndex(ix core.Index) core.Index {
	ix = ix.Clone()
	ix.Manifests = normalizeList(ix.Manifests)
	ix.Subject = normalizeSubject(ix.Subject)
	ix.Annotations = normalizeMap(ix.Annotations)
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
