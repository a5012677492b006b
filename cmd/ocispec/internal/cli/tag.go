package cli

import (
	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/layout"
)

func (a *app) tagCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tag SRC NEWTAG",
		Short: "Give an image of a layout another tag",
		Long: `Give the image SRC names (oci:PATH:TAG, oci:PATH:@DIGEST, or a layout folder
that holds one image) the tag NEWTAG too, in the same layout: the same
digest under a new tag (moved there if another image had it). NEWTAG
follows the distribution-spec's grammar, [A-Za-z0-9_][A-Za-z0-9._-]{0,127},
so that it survives a copy to a registry; anything else is a usage error
(exit status 2).`,
		Example: `  ocispec tag oci:out/app:v1 latest
  ocispec tag oci:out/app:@sha256:0123… stable`,
		Args: argsBetween(2, 2, "SRC and NEWTAG"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.tag(args[0], args[1]) }),
	}
	return cmd
}

func (a *app) tag(arg, newTag string) error {
	if err := layout.ValidateRegistryTag(newTag); err != nil {
		return &usageError{err}
	}
	l, src, err := a.openLayoutArg(arg)
	if err != nil {
		return err
	}
	defer l.Close()
	if err := l.Tag(a.ctx, src.sel, newTag); err != nil {
		return err
	}
	e, err := l.Find(a.ctx, layout.Selector{Tag: newTag})
	if err != nil {
		return err
	}
	a.note("%s:%s is %s", src.path, newTag, e.Descriptor.Digest)
	return nil
}

func (a *app) rmCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rm REF",
		Short: "Remove a tag or an entry from a layout (its blobs stay until gc)",
		Long: `Remove from the layout's index.json what REF names: oci:PATH:TAG removes
the tag (every entry of it, one per platform), oci:PATH:@DIGEST the entries
of that digest, oci:PATH:TAG@DIGEST that tag's entry of that digest. The
blobs stay until ocispec gc removes what nothing keeps. Naming nothing
that is there is an error listing what the layout has.`,
		Example: `  ocispec rm oci:out/app:old
  ocispec rm oci:out/app:@sha256:0123…
  ocispec gc out/app`,
		Args: argsBetween(1, 1, "one REF"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.rm(args[0]) }),
	}
	return cmd
}

func (a *app) rm(arg string) error {
	l, src, err := a.openLayoutArg(arg)
	if err != nil {
		return err
	}
	defer l.Close()
	if src.sel.Tag == "" && src.sel.Digest == "" {
		return usagef("%s names no tag or digest: remove oci:PATH:TAG or oci:PATH:@DIGEST (the blobs stay until ocispec gc)", arg)
	}
	n, err := l.Remove(a.ctx, src.sel)
	if err != nil {
		return err
	}
	a.note("removed %d entr%s of %s; ocispec gc %s frees the blobs nothing else keeps", n, map[bool]string{true: "y", false: "ies"}[n == 1], src.path, src.path)
	return nil
}
