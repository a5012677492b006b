package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/internal/atomicfile"
	"github.com/concil-go/ocispec/layout"
)

type convertOptions struct {
	to         string
	permissive bool
	referrers  bool
	layoutKind *enumFlag
	encoding   *enumFlag
	tag        string
	platform   string
}

func (a *app) convertCommand() *cobra.Command {
	o := &convertOptions{
		layoutKind: newEnum("", "oci", "dir"),
		encoding:   newEnum("compact", "compact", "concil", "canonical"),
	}
	cmd := &cobra.Command{
		Use:   "convert --to FORMAT [flags] SRC DST",
		Short: "Convert an image or a manifest to another format",
		Long: `Convert an image to another manifest format (oci, docker, or a plugin's).

SRC is a layout folder (or oci:PATH[:TAG], dir:PATH) or an archive
(oci-archive:PATH[:TAG], docker-archive:PATH[:NAME:TAG], or its path): the
image it holds is written to the layout DST with new manifests (and index) whose media types
are translated kind by kind; config and layer blobs are copied verified,
unchanged. A multi-platform image is converted whole unless --platform
chooses one manifest. DST may be SRC, to convert in place; a new DST is
written under a temporary name and renamed into place at the end.

DST may also be written oci:PATH[:TAG] or dir:PATH, as skopeo does, or be
a new archive: oci-archive:PATH[:TAG] or docker-archive:PATH[:NAME:TAG].
SRC may also be a manifest or index file: DST is then a file with the
converted document.

A kind the target cannot express faithfully (zstd, encrypted or squashfs
layers in Docker, say) and fields it lacks are errors naming them, unless
--permissive.`,
		Example: `  ocispec convert --to oci out/hello out/hello-oci
  ocispec convert --to docker --layout dir oci:out/app:v1 out/app-dir
  ocispec convert --to docker --permissive manifest.json docker-manifest.json`,
		Args: argsBetween(2, 2, "SRC and DST"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.convert(o, args[0], args[1]) }),
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "target `FORMAT`: oci, docker or a plugin's format (required)")
	f.BoolVar(&o.permissive, "permissive", false, "write kinds the target cannot express faithfully with the names its table has, and drop fields it lacks")
	f.BoolVar(&o.referrers, "referrers", false, "also convert the referrers SRC holds of the image (SBOMs, attestations, signatures), their subjects rewritten to the new digests")
	f.Var(o.layoutKind, "layout", "layout to write: oci or dir (default: that of an existing DST, else dir for the docker format without --tag, oci otherwise)")
	f.Var(o.encoding, "encoding", "JSON spelling of the manifests written: compact, concil or canonical")
	f.StringVar(&o.tag, "tag", "", "`TAG` of the image in an OCI DST (default: its tag in SRC, else \""+DefaultTag+"\")")
	f.StringVar(&o.platform, "platform", "", "convert only the manifest for `OS/ARCH[/VARIANT]` of a multi-platform image")
	cmd.MarkFlagRequired("to")
	return cmd
}

// convertRequest is what convert's command line asks for, checked
// before any file is read.
type convertRequest struct {
	dst        string
	want       layout.Kind // 0: that of an existing DST, else by format
	tag        string
	encoding   core.Encoding
	platform   *core.Platform
	permissive bool
	referrers  bool
}

// convert converts in steps: read the command line, open the source,
// then convert a document file, a layout in place, or a layout into
// another.
func (a *app) convert(o *convertOptions, srcArg, dstArg string) error {
	err := a.convertSteps(o, srcArg, dstArg)
	if !o.permissive {
		err = withPermissiveHint(err)
	}
	return err
}

func (a *app) convertSteps(o *convertOptions, srcArg, dstArg string) error {
	req, err := parseConvert(o, dstArg)
	if err != nil {
		return err
	}
	src, err := parseSource(srcArg)
	if err != nil {
		return err
	}
	to, err := a.format(o.to)
	if err != nil {
		return err
	}
	if src.isFile {
		if o.layoutKind.value != "" || o.tag != "" || o.platform != "" || o.referrers {
			return usagef("--layout, --tag, --platform and --referrers apply to layouts, and %s is a file", srcArg)
		}
		return a.convertFile(src.path, req.dst, to, req.encoding, req.permissive)
	}
	if same, _ := samePath(src.path, req.dst); same && src.ref == nil {
		kind, err := layout.Detect(src.path)
		if err != nil {
			return err
		}
		if req.want != 0 && req.want != kind {
			return fmt.Errorf("%w: converting %s in place keeps its %s layout; name another DST for a %s layout", ErrOutput, req.dst, kind, req.want)
		}
		if req.tag != "" && kind == layout.Dir {
			return usagef("--tag needs an OCI layout: %s is a dir: layout, which has no tags", req.dst)
		}
	}
	return a.convertTransport(req, src, to)
}

// parseConvert reads convert's flags and DST; every problem is a usage
// error.
func parseConvert(o *convertOptions, dstArg string) (*convertRequest, error) {
	dst, err := outputRef(dstArg, o.layoutKind, &o.tag)
	if err != nil {
		return nil, err
	}
	req := &convertRequest{dst: dst, tag: o.tag, permissive: o.permissive, referrers: o.referrers}
	if req.encoding, err = core.ParseEncoding(o.encoding.value); err != nil {
		return nil, &usageError{err}
	}
	if req.platform, err = parsePlatformFlag(o.platform); err != nil {
		return nil, err
	}
	if req.tag != "" {
		if err := layout.ValidateTag(req.tag); err != nil {
			return nil, &usageError{err}
		}
	}
	if o.layoutKind.value != "" {
		req.want, _ = layout.ParseKind(o.layoutKind.value)
	}
	if req.tag != "" && req.want == layout.Dir {
		return nil, usagef("--tag needs an OCI layout: a dir: layout holds one image and has no tags")
	}
	return req, nil
}

func (a *app) converted(dst string, out *output, to core.Format, desc core.Descriptor) error {
	tag := ""
	if out.kind == layout.OCI {
		tag = desc.Annotations[layout.AnnotationRefName]
	}
	if out.archive == nil {
		a.noteDockerInOCI(to, out.kind)
	}
	a.note("converted to %s: %s (%s%s), %s", to.Describe().Name, dst, out.name(), tagNote(tag), desc.Digest)
	return a.result(imageResult{
		Path: dst, Layout: out.layoutString(), Format: to.Describe().Name, Tag: tag,
		MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size,
	})
}

// convertFile converts a manifest or index document file.
func (a *app) convertFile(srcPath, dstPath string, to core.Format, enc core.Encoding, permissive bool) error {
	raw, err := readDocumentFile(a.ctx, srcPath, core.DefaultMaxDocumentSize)
	if err != nil {
		return fmt.Errorf("%s: %w", srcPath, err)
	}
	doc, err := a.registry().Decode(a.ctx, raw)
	if err != nil {
		return fmt.Errorf("%s: %w", srcPath, err)
	}
	opts := core.ConvertOptions{Permissive: permissive}
	from, td := doc.Format, to.Describe()
	var out []byte
	var mediaType string
	if doc.Index != nil {
		cix, err := core.ConvertIndex(*doc.Index, from, to, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", srcPath, err)
		}
		if out, err = core.EncodeIndex(a.ctx, to, cix, enc); err != nil {
			return fmt.Errorf("%s: %w", srcPath, err)
		}
		mediaType = td.IndexMediaType
		a.warn(fmt.Errorf("%s: the index's entries still point to the manifests of %s; convert each of them too (or convert the layout, which does)", srcPath, from.Describe().Name))
	} else {
		cm, err := core.ConvertManifest(*doc.Manifest, from, to, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", srcPath, err)
		}
		if out, err = to.EncodeManifest(a.ctx, cm, enc); err != nil {
			return fmt.Errorf("%s: %w", srcPath, err)
		}
		mediaType = td.ManifestMediaType
	}
	if fi, err := os.Stat(dstPath); err == nil && fi.IsDir() {
		return fmt.Errorf("%w: %s is a folder; name the file to write", ErrOutput, dstPath)
	}
	if err := atomicfile.WriteFile(dstPath, out, 0o644); err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	d := core.DescriptorFromBytes(mediaType, out)
	a.note("converted to %s: %s, %s", td.Name, dstPath, d.Digest)
	return a.result(imageResult{Path: dstPath, Format: td.Name, MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
}

// samePath reports whether a and b name the same existing folder.
func samePath(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	if os.SameFile(fa, fb) {
		return true, nil
	}
	aa, _ := filepath.Abs(a)
	ab, _ := filepath.Abs(b)
	return aa == ab, nil
}
