package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

type lsOptions struct {
	json bool
}

func (a *app) lsCommand() *cobra.Command {
	o := &lsOptions{}
	cmd := &cobra.Command{
		Use:   "ls [flags] REF",
		Short: "List the images of a layout: tags, digests, platforms, sizes",
		Long: `List what the layout REF holds (a folder, oci:PATH[:TAG] or dir:PATH):
every index.json entry with its tag, digest, media type, platform and size,
and below each index the manifests it lists. A TAG lists only that tag's
entries. SIZE is the document's; IMAGE is the manifest's config and
layers added up. Only manifests and indexes are read. --json prints one
line of JSON.`,
		Example: `  ocispec ls out/app
  ocispec ls --json oci:out/app:v1 | jq -r '.entries[].digest'`,
		Args: argsBetween(1, 1, "one REF"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.ls(o, args[0]) }),
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print one line of JSON")
	return cmd
}

// lsEntry is one entry of ls's JSON output.
type lsEntry struct {
	Tag          string        `json:"tag,omitempty"`
	Digest       digest.Digest `json:"digest"`
	MediaType    string        `json:"mediaType"`
	Size         int64         `json:"size"`
	ImageSize    int64         `json:"imageSize,omitempty"`
	Platform     string        `json:"platform,omitempty"`
	ArtifactType string        `json:"artifactType,omitempty"`
	Index        bool          `json:"index,omitempty"`
	Parent       digest.Digest `json:"parent,omitempty"`
	Depth        int           `json:"depth"`
	Error        string        `json:"error,omitempty"`
}

type lsResult struct {
	Layout  string    `json:"layout"`
	Kind    string    `json:"kind"`
	Entries []lsEntry `json:"entries"`
}

// openLayoutArg opens a layout argument (no archive, no file).
func (a *app) openLayoutArg(arg string) (*layout.Layout, source, error) {
	src, err := parseSource(arg)
	if err != nil {
		return nil, src, err
	}
	if src.isFile || src.ref != nil {
		return nil, src, fmt.Errorf("%w: %s is not a layout folder (name a folder, oci:PATH[:TAG] or dir:PATH)", layout.ErrNotLayout, arg)
	}
	l, err := src.open(a.registry())
	return l, src, err
}

func (a *app) ls(o *lsOptions, arg string) error {
	l, src, err := a.openLayoutArg(arg)
	if err != nil {
		return err
	}
	defer l.Close()
	entries, err := l.List(a.ctx)
	if err != nil {
		return err
	}
	res := lsResult{Layout: src.path, Kind: l.Kind().String(), Entries: []lsEntry{}}
	keep := src.sel.Tag == "" && src.sel.Digest == ""
	for _, e := range entries {
		if e.Depth == 0 {
			keep = (src.sel.Tag == "" || e.Tag == src.sel.Tag) && (src.sel.Digest == "" || e.Descriptor.Digest == src.sel.Digest)
		}
		if !keep {
			continue
		}
		d := e.Descriptor
		le := lsEntry{Tag: e.Tag, Digest: d.Digest, MediaType: d.MediaType, Size: d.Size, ArtifactType: d.ArtifactType, Index: e.Index, Parent: e.Parent, Depth: e.Depth}
		if d.Platform != nil {
			le.Platform = d.Platform.String()
		}
		if e.Err != nil {
			le.Error = userMessage(e.Err)
		}
		if !e.Index && e.Err == nil {
			if m, _, _, err := l.ReadManifest(a.ctx, d); err == nil {
				le.ImageSize = m.Config.Size
				for _, ly := range m.Layers {
					le.ImageSize += ly.Size
				}
				if le.ArtifactType == "" {
					le.ArtifactType = m.ArtifactType
				}
			} else {
				le.Error = userMessage(err)
			}
		}
		res.Entries = append(res.Entries, le)
	}
	if src.sel.Tag != "" && len(res.Entries) == 0 {
		return fmt.Errorf("%w: no entry of %s is tagged %q", core.ErrNotFound, src.path, src.sel.Tag)
	}
	if o.json {
		return a.result(res)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TAG\tDIGEST\tPLATFORM\tSIZE\tIMAGE\tTYPE")
	for _, e := range res.Entries {
		tag := e.Tag
		if e.Depth > 0 {
			tag = strings.Repeat("  ", e.Depth) + "└"
		}
		if tag == "" {
			tag = "<none>"
		}
		kind := "manifest"
		if e.Index {
			kind = "index"
		}
		if e.ArtifactType != "" {
			kind = e.ArtifactType
		}
		if e.Error != "" {
			kind += " (" + e.Error + ")"
		}
		image := "-"
		if e.ImageSize > 0 {
			image = fmt.Sprint(e.ImageSize)
		}
		platform := e.Platform
		if platform == "" {
			platform = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", tag, e.Digest, platform, e.Size, image, kind)
	}
	return tw.Flush()
}
