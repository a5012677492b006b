package helmformat

import (
	"errors"
	"fmt"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
)

// Media types of Helm charts in OCI registries, as Helm defines them.
const (
	MediaTypeConfig      = "application/vnd.cncf.helm.config.v1+json"
	MediaTypeChart       = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	MediaTypeProvenance  = "application/vnd.cncf.helm.chart.provenance.v1.prov"
	MediaTypeLegacyChart = "application/tar+gzip"
	MediaTypeManifest    = oci.MediaTypeManifest
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

// Format is the Helm chart format, named "helm": an OCI manifest whose
// config has Helm's media type (ConfigMediaTypes, so a registry that
// holds both it and the OCI format gives charts to it without calling
// it), with Helm's layer rules as its CheckManifest hook.
var Format = core.NewFormat(core.FormatSpec{
	Description: core.Description{
		Name:              "helm",
		Version:           Version,
		ManifestMediaType: MediaTypeManifest,
		Table:             core.NewTable(MediaTypes(), []string{core.KindConfig, KindChart, KindProvenance}),
		MediaTypeOptional: true,
		ArtifactFields:    true,
		ConfigMediaTypes:  []string{MediaTypeConfig},
	},
	CheckManifest: checkChart,
})

// checkChart applies Helm's rules to a manifest whose media types are
// concrete: a Helm config, exactly one chart layer, at most one
// provenance layer, nothing else.
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
	return errors.Join(errs...)
}
