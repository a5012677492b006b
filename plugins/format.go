package plugins

import (
	"context"

	"github.com/concil-go/ocispec/core"
)

// pluginFormat is a plugin's core.Format. The lookups answer from the
// table cached at load; the codec methods call the plugin.
type pluginFormat struct {
	p              *Plugin
	name           string
	manifestType   string
	indexType      string
	table          *core.Table
	artifactFields bool
	detect, index  bool
}

func (f *pluginFormat) base() *pluginFormat           { return f }
func (f *pluginFormat) Name() string                  { return f.name }
func (f *pluginFormat) String() string                { return f.name }
func (f *pluginFormat) ManifestMediaType() string     { return f.manifestType }
func (f *pluginFormat) IndexMediaType() string        { return f.indexType }
func (f *pluginFormat) MediaType(kind string) string  { return f.table.MediaType(kind) }
func (f *pluginFormat) Kind(mediaType string) string  { return f.table.Kind(mediaType) }
func (f *pluginFormat) MediaTypes() map[string]string { return f.table.MediaTypes() }
func (f *pluginFormat) Supports(kind string) bool     { return f.table.Supports(kind) }
func (f *pluginFormat) ArtifactFields() bool          { return f.artifactFields }
func (f *pluginFormat) Table() *core.Table            { return f.table }
func (f *pluginFormat) Plugin() *Plugin               { return f.p }
func (f *pluginFormat) LookupMediaType(kind string) (string, bool) {
	return f.table.LookupMediaType(kind)
}

func (f *pluginFormat) EncodeManifest(m core.Manifest, enc core.Encoding) ([]byte, error) {
	return f.p.EncodeManifest(context.Background(), m, enc)
}

func (f *pluginFormat) DecodeManifest(data []byte) (core.Manifest, error) {
	return f.p.DecodeManifest(context.Background(), data)
}

// detector adds core.Detector. A plugin that fails to answer does not
// claim the document (the failure is logged).
type detector struct{ p *Plugin }

func (d detector) Detect(data []byte) bool {
	ok, err := d.p.Detect(context.Background(), data)
	if err != nil {
		d.p.logger.Warn("detect failed", "error", err)
		return false
	}
	return ok
}

// indexer adds core.IndexFormat's index methods.
type indexer struct{ p *Plugin }

func (x indexer) EncodeIndex(ix core.Index, enc core.Encoding) ([]byte, error) {
	return x.p.EncodeIndex(context.Background(), ix, enc)
}

func (x indexer) DecodeIndex(data []byte) (core.Index, error) {
	return x.p.DecodeIndex(context.Background(), data)
}

type (
	detectingFormat struct {
		*pluginFormat
		detector
	}
	indexFormat struct {
		*pluginFormat
		indexer
	}
	detectingIndexFormat struct {
		*pluginFormat
		detector
		indexer
	}
)

// value returns the core.Format of the plugin's capabilities.
func (f *pluginFormat) value() core.Format {
	switch {
	case f.detect && f.index:
		return detectingIndexFormat{f, detector{f.p}, indexer{f.p}}
	case f.detect:
		return detectingFormat{f, detector{f.p}}
	case f.index:
		return indexFormat{f, indexer{f.p}}
	}
	return f
}

var (
	_ core.Format          = (*pluginFormat)(nil)
	_ core.ArtifactFielder = (*pluginFormat)(nil)
	_ core.Detector        = detectingFormat{}
	_ core.IndexFormat     = indexFormat{}
	_ core.IndexFormat     = detectingIndexFormat{}
	_ core.Detector        = detectingIndexFormat{}
)
