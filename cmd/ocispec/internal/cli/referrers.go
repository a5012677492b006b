package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	digest "github.com/opencontainers/go-digest"
)

type referrersOptions struct {
	artifactType string
	json         bool
}

func (a *app) referrersCommand() *cobra.Command {
	o := &referrersOptions{}
	cmd := &cobra.Command{
		Use:   "referrers [flags] REF",
		Short: "List the artifacts that refer to an image of a layout",
		Long: `List the referrers of the image REF names (oci:PATH:TAG or
oci:PATH:@DIGEST): every manifest of the layout whose subject is the image,
the manifests of the distribution-spec's tag-schema fallback index (tagged
<alg>-<hex>), and cosign's legacy sha256-<hex>.sig and .att tags.
--artifact-type keeps those of one type. Only manifests and indexes are
read. --json prints one line of JSON.`,
		Example: `  ocispec referrers oci:out/app:v1
  ocispec referrers --json --artifact-type application/spdx+json oci:out/app:v1`,
		Args: argsBetween(1, 1, "one REF"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.referrers(o, args[0]) }),
	}
	cmd.Flags().StringVar(&o.artifactType, "artifact-type", "", "only referrers of artifact type `TYPE`")
	cmd.Flags().BoolVar(&o.json, "json", false, "print one line of JSON")
	return cmd
}

type referrerLine struct {
	Digest       digest.Digest     `json:"digest"`
	MediaType    string            `json:"mediaType"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Tag          string            `json:"tag,omitempty"`
	Via          string            `json:"via"`
}

type referrersResult struct {
	Subject   digest.Digest  `json:"subject"`
	Referrers []referrerLine `json:"referrers"`
}

func (a *app) referrers(o *referrersOptions, arg string) error {
	l, src, err := a.openLayoutArg(arg)
	if err != nil {
		return err
	}
	defer l.Close()
	if src.sel.Tag == "" && src.sel.Digest == "" {
		return usagef("%s names no image: write oci:PATH:TAG or oci:PATH:@DIGEST", arg)
	}
	e, err := l.Find(a.ctx, src.sel)
	if err != nil {
		return err
	}
	refs, err := l.Referrers(a.ctx, e.Descriptor.Digest, o.artifactType)
	if err != nil {
		return err
	}
	res := referrersResult{Subject: e.Descriptor.Digest, Referrers: []referrerLine{}}
	for _, r := range refs {
		d := r.Descriptor
		res.Referrers = append(res.Referrers, referrerLine{Digest: d.Digest, MediaType: d.MediaType, Size: d.Size, ArtifactType: d.ArtifactType, Annotations: d.Annotations, Tag: r.Tag, Via: r.Via})
	}
	if o.json {
		return a.result(res)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DIGEST\tARTIFACT TYPE\tSIZE\tTAG\tVIA")
	for _, r := range res.Referrers {
		tag := r.Tag
		if tag == "" {
			tag = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.Digest, r.ArtifactType, r.Size, tag, r.Via)
	}
	return tw.Flush()
}
