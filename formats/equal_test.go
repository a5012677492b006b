package formats_test

import (
	"reflect"

	"github.com/concil-go/ocispec/core"
)

// equalManifests compares manifests treating nil and empty slices and
// maps alike.
func equalManifests(a, b core.Manifest) bool {
	return reflect.DeepEqual(normManifest(a), normManifest(b))
}

func equalIndexes(a, b core.Index) bool {
	return reflect.DeepEqual(normIndex(a), normIndex(b))
}

func normDescriptor(d core.Descriptor) core.Descriptor {
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
	return d
}

func normManifest(m core.Manifest) core.Manifest {
	m = m.Clone()
	m.Config = normDescriptor(m.Config)
	out := []core.Descriptor{}
	for _, l := range m.Layers {
		out = append(out, normDescriptor(l))
	}
	m.Layers = out
	if m.Subject != nil {
		s := normDescriptor(*m.Subject)
		m.Subject = &s
	}
	if len(m.Annotations) == 0 {
		m.Annotations = nil
	}
	return m
}

func normIndex(ix core.Index) core.Index {
	ix = ix.Clone()
	out := []core.Descriptor{}
	for _, d := range ix.Manifests {
		out = append(out, normDescriptor(d))
	}
	ix.Manifests = out
	if ix.Subject != nil {
		s := normDescriptor(*ix.Subject)
		ix.Subject = &s
	}
	if len(ix.Annotations) == 0 {
		ix.Annotations = nil
	}
	return ix
}
