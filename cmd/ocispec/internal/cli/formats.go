package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
)

type formatsOptions struct {
	json bool
}

func (a *app) formatsCommand() *cobra.Command {
	o := &formatsOptions{}
	cmd := &cobra.Command{
		Use:   "formats [flags]",
		Short: "List the manifest formats and digest algorithms known",
		Long: `List the manifest formats known, built-in and loaded from plugins (with the
plugin's path), and the digest algorithms with their backends; for sha256,
the backend chosen on this machine and why.

Plugins are loaded from --plugin-dir (default $OCISPEC_PLUGIN_DIR). A
plugin that fails to load is reported on standard error and makes the
exit status 1; the others are still listed.`,
		Example: `  ocispec formats
  ocispec formats --plugin-dir ./plugins --json`,
		Args: argsBetween(0, 0, "no arguments"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.formats(o) }),
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print one line of JSON")
	return cmd
}

type formatInfo struct {
	Name              string `json:"name"`
	Builtin           bool   `json:"builtin"`
	Plugin            string `json:"plugin,omitempty"`
	ManifestMediaType string `json:"manifestMediaType"`
	IndexMediaType    string `json:"indexMediaType,omitempty"`
	Kinds             int    `json:"kinds"`
}

type algorithmInfo struct {
	Name    string `json:"name"`
	Backend string `json:"backend"`
	Detail  string `json:"detail,omitempty"`
}

type formatsResult struct {
	Formats    []formatInfo    `json:"formats"`
	Algorithms []algorithmInfo `json:"algorithms"`
}

func (a *app) formats(o *formatsOptions) error {
	loadErr := a.loadPlugins(true)
	if a.ctx.Err() != nil {
		return a.ctx.Err()
	}
	var r formatsResult
	for _, f := range a.registry().Formats() {
		d := f.Describe()
		fi := formatInfo{
			Name: d.Name, ManifestMediaType: d.ManifestMediaType, IndexMediaType: d.IndexMediaType,
			Kinds: len(d.Table.MediaTypes()), Plugin: a.pluginPath(d.Name),
		}
		fi.Builtin = fi.Plugin == ""
		r.Formats = append(r.Formats, fi)
	}
	choice := digesters.SHA256Choice()
	for _, d := range core.DefaultAlgorithms.List() {
		ai := algorithmInfo{Name: string(d.Algorithm()), Backend: d.Backend()}
		if d.Algorithm() == core.SHA256 {
			ai.Backend, ai.Detail = choice.Backend, choice.Detail
		}
		r.Algorithms = append(r.Algorithms, ai)
	}
	if o.json {
		if err := a.result(r); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "FORMAT\tFROM\tMANIFEST MEDIA TYPE\tINDEX MEDIA TYPE")
		for _, f := range r.Formats {
			from := "built-in"
			if !f.Builtin {
				from = "plugin " + f.Plugin
			}
			index := f.IndexMediaType
			if index == "" {
				index = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, from, f.ManifestMediaType, index)
		}
		tw.Flush()
		fmt.Fprintln(a.stdout)
		tw = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ALGORITHM\tBACKEND\tNOTE")
		for _, al := range r.Algorithms {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", al.Name, al.Backend, al.Detail)
		}
		tw.Flush()
	}
	if loadErr != nil {
		return &reportedError{loadErr}
	}
	return nil
}
