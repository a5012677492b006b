package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

type gcOptions struct {
	dryRun bool
	json   bool
}

func (a *app) gcCommand() *cobra.Command {
	o := &gcOptions{}
	cmd := &cobra.Command{
		Use:   "gc [--dry-run] LAYOUT",
		Short: "Remove the blobs of an OCI layout that nothing keeps",
		Long: `Remove the blobs of the OCI image layout LAYOUT that index.json no longer
reaches, and the leftovers of interrupted writes. Kept: every descriptor
of every manifest and index reached from index.json, of any media type,
through nested indexes; the subject of a kept manifest; every manifest
whose subject is kept (signatures, attestations, their own referrers).
Configs and layers are never read. It holds the layout's lock and waits
for commands writing into the layout to finish, so what they write is
kept. --dry-run reports what would go and removes nothing. It prints how
many blobs and bytes it freed (or would free); --json prints one line of
JSON.`,
		Example: `  ocispec gc --dry-run out/app
  ocispec gc out/app`,
		Args: argsBetween(1, 1, "one LAYOUT"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.gc(o, args[0]) }),
	}
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "report what would be removed, and remove nothing")
	cmd.Flags().BoolVar(&o.json, "json", false, "print one line of JSON")
	return cmd
}

type gcResult struct {
	Layout    string          `json:"layout"`
	DryRun    bool            `json:"dryRun"`
	Blobs     int             `json:"blobs"`
	Bytes     int64           `json:"bytes"`
	Kept      int             `json:"kept"`
	Removed   []digest.Digest `json:"removed"`
	Leftovers []leftover      `json:"leftovers"`
}

func (a *app) gc(o *gcOptions, arg string) error {
	l, src, err := a.openLayoutArg(arg)
	if err != nil {
		return err
	}
	defer l.Close()
	res, err := l.GC(a.ctx, &layout.GCOptions{DryRun: o.dryRun, OnWait: func() {
		a.note("waiting for the commands writing into %s to finish", src.path)
	}})
	if err != nil {
		return err
	}
	out := gcResult{Layout: src.path, DryRun: o.dryRun, Blobs: len(res.Removed), Bytes: res.Bytes, Kept: res.Kept, Removed: res.Removed, Leftovers: []leftover{}}
	if out.Removed == nil {
		out.Removed = []digest.Digest{}
	}
	var leftBytes int64
	for _, lo := range res.Leftovers {
		out.Leftovers = append(out.Leftovers, leftover{Path: lo.Path, Size: lo.Size})
		leftBytes += lo.Size
	}
	if o.json {
		return a.result(out)
	}
	verb := "freed"
	if o.dryRun {
		verb = "would free"
	}
	fmt.Fprintf(a.stdout, "%s: %s %d blob%s, %d bytes; kept %d\n", src.path, verb, out.Blobs, plural(out.Blobs), out.Bytes, out.Kept)
	if len(res.Leftovers) > 0 {
		fmt.Fprintf(a.stdout, "%s: %s %d leftover%s of interrupted writes, %d bytes\n", src.path, verb, len(res.Leftovers), plural(len(res.Leftovers)), leftBytes)
	}
	return nil
}
