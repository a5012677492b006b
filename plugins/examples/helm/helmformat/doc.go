// Package helmformat is the Helm chart format: a chart pushed to an OCI
// registry (helm push) is an OCI image manifest whose config has the
// media type application/vnd.cncf.helm.config.v1+json (Chart.yaml as
// JSON), with one layer holding the packaged chart
// (application/vnd.cncf.helm.chart.content.v1.tar+gzip) and optionally
// one holding its provenance file
// (application/vnd.cncf.helm.chart.provenance.v1.prov).
//
// [Format] is one core.FormatSpec: a table, Helm's config media type
// (core.Description.ConfigMediaTypes, so a registry that holds both it
// and the OCI format gives Helm charts to it without asking it) and
// Helm's layer rules as a hook; it has no methods of its own. The
// example plugin in the folder above serves it; it can also be used in
// process:
//
//	config := core.DescriptorFromBytes(core.KindConfig, chartJSON)
//	chart := core.DescriptorFromBytes(helmformat.KindChart, chartTgz)
//	b, err := helmformat.Format.EncodeManifest(ctx, core.Manifest{Config: config, Layers: []core.Descriptor{chart}}, core.EncodingCompact)
//
// Its kinds are "config", "chart" and "provenance", plus "chart.legacy"
// for the layer type of charts pushed by Helm before 3.7
// (application/tar+gzip), which it reads but does not write in strict
// conversions.
package helmformat
