package helmformat

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/concil-go/ocispec/core"
)

// Media types of Helm charts in OCI registries, as Helm defines them.
const (
	MediaTypeConfig      = "application/vnd.cncf.helm.config.v1+json"
	MediaTypeChart       = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	MediaTypeProvenance  = "application/vnd.cncf.helm.chart.provenance.v1.prov"
	MediaTypeLegacyChart = "application/tar+gzip"
	MediaTypeManifest    = core.MediaTypeOCIManifest
)

// Kinds of the format's table besides core.KindConfig.
const (
	KindChart       = "chart"
	KindProvenance  = "provenance"
	KindLegacyChart = "chart.legacy"
)

// MediaTypes returns the format's kind → media type table. The caller
// owns the map.
func MediaTypes() map[string]string {
	return map[string]string{
		core.KindConfig: MediaTypeConfig,
		KindChart:       MediaTypeChart,
		KindProvenance:  MediaTypeProvenance,
		KindLegacyChart: MediaTypeLegacyChart,
	}
}

// Version is the format's version, reported by the plugin to its host.
const Version = "1.0.0"

// HelmFormat is the type of [Format]. It is immutable and safe for
// concurrent use.
type HelmFormat struct {
	basic *core.BasicFormat
}

// Format is the Helm chart format, named "helm".
var Format = &HelmFormat{basic: core.NewFormat("helm",
	core.NewTable(MediaTypes(), []string{core.KindConfig, KindChart, KindProvenance}),
	core.Codec{
		ManifestMediaType: MediaTypeManifest,
		MediaTypeOptional: true,
		ArtifactFields:    true,
	})}

func (f *HelmFormat) Name() string                            { return f.basic.Name() }
func (f *HelmFormat) String() string                          { return f.basic.Name() }
func (f *HelmFormat) Version() string                         { return Version }
func (f *HelmFormat) ManifestMediaType() string               { return MediaTypeManifest }
func (f *HelmFormat) IndexMediaType() string                  { return "" }
func (f *HelmFormat) MediaType(kind string) string            { return f.basic.MediaType(kind) }
func (f *HelmFormat) Kind(mediaType string) string            { return f.basic.Kind(mediaType) }
func (f *HelmFormat) MediaTypes() map[string]string           { return f.basic.MediaTypes() }
func (f *HelmFormat) Supports(kind string) bool               { return f.basic.Supports(kind) }
func (f *HelmFormat) ArtifactFields() bool                    { return true }
func (f *HelmFormat) LookupMediaType(k string) (string, bool) { return f.basic.LookupMediaType(k) }

// EncodeManifest writes m as a Helm chart manifest (an OCI manifest).
// Kinds are translated; the result must follow Helm's rules: a Helm
// config, exactly one chart layer, at most one provenance layer, nothing
// else.
func (f *HelmFormat) EncodeManifest(m core.Manifest, enc core.Encoding) ([]byte, error) {
	if err := checkChart(m.For(f)); err != nil {
		return nil, err
	}
	return f.basic.EncodeManifest(m, enc)
}

// DecodeManifest parses an OCI manifest and checks Helm's rules.
func (f *HelmFormat) DecodeManifest(data []byte) (core.Manifest, error) {
	m, err := f.basic.DecodeManifest(data)
	if err != nil {
		return core.Manifest{}, err
	}
	if err := checkChart(m); err != nil {
		return core.Manifest{}, err
	}
	return m, nil
}

// Detect reports whether data is an OCI manifest whose config is a Helm
// chart config. It reads only the top-level mediaType and the config's
// mediaType.
func (f *HelmFormat) Detect(data []byte) bool {
	var doc struct {
		MediaType *string `json:"mediaType"`
		Config    *struct {
			MediaType string `json:"mediaType"`
		} `json:"config"`
	}
	if json.Unmarshal(data, &doc) != nil || doc.Config == nil {
		return false
	}
	if doc.MediaType != nil && core.NormalizeMediaType(*doc.MediaType) != MediaTypeManifest {
		return false
	}
	return core.NormalizeMediaType(doc.Config.MediaType) == MediaTypeConfig
}

// checkChart applies Helm's rules to a manifest whose media types are
// concrete.
func checkChart(m core.Manifest) error {
	var errs []error
	if core.NormalizeMediaType(m.Config.MediaType) != MediaTypeConfig {
		errs = append(errs, &core.FieldError{Field: "config.mediaType",
			Err: fmt.Errorf("%w: %q (want %q)", ErrNotHelmConfig, m.Config.MediaType, MediaTypeConfig)})
	}
	charts, provs := 0, 0
	for i, l := range m.Layers {
		switch core.NormalizeMediaType(l.MediaType) {
		case MediaTypeChart, MediaTypeLegacyChart:
			charts++
			if charts == 2 {
				errs = append(errs, &core.FieldError{Field: fmt.Sprintf("layers[%d]", i), Err: ErrTooManyCharts})
			}
		case MediaTypeProvenance:
			provs++
			if provs == 2 {
				errs = append(errs, &core.FieldError{Field: fmt.Sprintf("layers[%d]", i), Err: ErrTooManyProvs})
			}
		default:
			errs = append(errs, &core.FieldError{Field: fmt.Sprintf("layers[%d].mediaType", i),
				Err: fmt.Errorf("%w: %q", ErrUnexpectedLayer, l.MediaType)})
		}
	}
	if charts == 0 {
		errs = append(errs, &core.FieldError{Field: "layers", Err: fmt.Errorf("%w (want one of type %q)", ErrNoChart, MediaTypeChart)})
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w (helm chart): %w", core.ErrInvalidDocument, errors.Join(errs...))
}

var (
	_ core.Format          = (*HelmFormat)(nil)
	_ core.Detector        = (*HelmFormat)(nil)
	_ core.ArtifactFielder = (*HelmFormat)(nil)
)
