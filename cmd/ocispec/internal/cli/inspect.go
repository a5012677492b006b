package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

type inspectOptions struct {
	json     bool
	tag      string
	platform string
	raw      bool
	config   bool
}

func (a *app) inspectCommand() *cobra.Command {
	o := &inspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect [flags] PATH|FILE",
		Short: "Show what an image or a manifest is",
		Long: `Show what an image or a manifest is: its format, the manifest's digest
(sha256 and sha512 of its bytes), its config and layers with their kinds,
sizes, digests and annotations.

PATH is a layout folder (OCI image layout or dir:), also written
oci:PATH[:TAG] or dir:PATH, or an archive: oci-archive:PATH[:TAG],
docker-archive:PATH[:NAME:TAG] or :@N, or its path; an index in it is
resolved to the manifest of --platform (default: this machine's). FILE is
a manifest or index document; or docker://HOST/REPO[:TAG|@DIGEST], an image
in a registry. --json prints one line of JSON with stable field names;
--raw prints the manifest's bytes as stored, --config the config's, both
verified against their digests.`,
		Example: `  ocispec inspect out/hello
  ocispec inspect --json oci:out/hello:latest | jq -r .digest
  ocispec inspect manifest.json
  ocispec inspect --raw docker://registry.example.com/app:v1`,
		Args: argsBetween(1, 1, "one PATH or FILE"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.inspect(o, args[0]) }),
	}
	f := cmd.Flags()
	a.addRegistryFlags(f)
	f.BoolVar(&o.json, "json", false, "print one line of JSON")
	f.StringVar(&o.tag, "tag", "", "the image of `TAG` in an OCI layout")
	f.StringVar(&o.platform, "platform", "", "the manifest for `OS/ARCH[/VARIANT]` in an index (default: this machine's)")
	f.BoolVar(&o.raw, "raw", false, "print the manifest's stored bytes, exactly")
	f.BoolVar(&o.config, "config", false, "print the config's stored bytes; with --json, its parsed view (Entrypoint, Cmd, Env, Labels, history)")
	return cmd
}

// blobInfo describes one descriptor in inspect's output.
type blobInfo struct {
	Kind         string            `json:"kind"`
	MediaType    string            `json:"mediaType"`
	Digest       digest.Digest     `json:"digest"`
	Size         int64             `json:"size"`
	Platform     string            `json:"platform,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
	URLs         []string          `json:"urls,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// inspectResult is inspect's JSON output.
type inspectResult struct {
	Source       string                   `json:"source"`
	Layout       string                   `json:"layout,omitempty"`
	Tag          string                   `json:"tag,omitempty"`
	Format       string                   `json:"format"`
	Document     string                   `json:"document"` // "manifest" or "index"
	MediaType    string                   `json:"mediaType"`
	Digest       digest.Digest            `json:"digest"`
	Size         int64                    `json:"size"`
	Digests      map[string]digest.Digest `json:"digests"`
	Platform     string                   `json:"platform,omitempty"`
	ArtifactType string                   `json:"artifactType,omitempty"`
	Index        *blobInfo                `json:"index,omitempty"`
	Config       *blobInfo                `json:"config,omitempty"`
	Layers       []blobInfo               `json:"layers,omitzero"`
	Manifests    []blobInfo               `json:"manifests,omitzero"`
	Subject      *blobInfo                `json:"subject,omitempty"`
	Annotations  map[string]string        `json:"annotations,omitempty"`
}

func info(f core.Format, d core.Descriptor) blobInfo {
	b := blobInfo{
		Kind: kindOf(f, d.MediaType), MediaType: d.MediaType, Digest: d.Digest, Size: d.Size,
		ArtifactType: d.ArtifactType, URLs: d.URLs, Annotations: d.Annotations,
	}
	if d.Platform != nil {
		b.Platform = d.Platform.String()
	}
	return b
}

func infoPtr(f core.Format, d *core.Descriptor) *blobInfo {
	if d == nil {
		return nil
	}
	b := info(f, *d)
	return &b
}

// kindOf names the kind of a media type of a document of format f: from
// f's table, else from the built-in formats' (a Docker layer type in an
// OCI manifest is still a tar+gzip), else the type itself. Which
// plugins are loaded never changes it for a format that is not theirs.
func kindOf(f core.Format, mediaType string) string {
	if k, ok := f.Describe().Table.LookupKind(mediaType); ok {
		return k
	}
	return formats.Kind(mediaType)
}

// documentDigests returns the digests people look a manifest up by:
// sha256 and sha512 of its bytes, and that of its descriptor's
// algorithm.
func documentDigests(raw []byte, d digest.Digest) map[string]digest.Digest {
	out := map[string]digest.Digest{}
	algs := []digest.Algorithm{core.SHA256, core.SHA512}
	if a := core.AlgorithmOf(d); d != "" && !slices.Contains(algs, a) {
		algs = append(algs, a)
	}
	for _, alg := range algs {
		if dg, err := core.DefaultAlgorithms.FromBytes(alg, raw); err == nil {
			out[string(alg)] = dg
		}
	}
	return out
}

func parsePlatformFlag(s string) (*core.Platform, error) {
	if s == "" {
		return nil, nil
	}
	p, err := core.ParsePlatform(s)
	if err == nil {
		err = core.CheckPlatform(p)
	}
	if err != nil {
		return nil, &usageError{err}
	}
	return &p, nil
}

func (a *app) inspect(o *inspectOptions, arg string) error {
	platform, err := parsePlatformFlag(o.platform)
	if err != nil {
		return err
	}
	if o.tag != "" {
		if err := layout.ValidateTag(o.tag); err != nil {
			return &usageError{err}
		}
	}
	src, err := parseSource(arg)
	if err != nil {
		return err
	}
	if err := a.loadPlugins(true); err != nil && a.ctx.Err() != nil {
		return err
	}
	if o.raw || o.config {
		return a.inspectStored(o, src, platform)
	}
	var r *inspectResult
	if src.ref != nil {
		r, err = a.inspectTransport(src, platform, o.tag)
	} else if src.isFile {
		if o.tag != "" {
			return usagef("--tag applies to a layout folder, and %s is a file", arg)
		}
		r, err = a.inspectFile(src.path)
	} else {
		if o.tag != "" {
			src.sel.Tag = o.tag
		}
		src.sel.Platform = platform
		r, err = a.inspectLayout(src)
	}
	if err != nil {
		return err
	}
	r.Source = arg
	if o.json {
		return a.result(r)
	}
	return writeInspect(a.stdout, r)
}

func (a *app) inspectFile(path string) (*inspectResult, error) {
	raw, err := readDocumentFile(a.ctx, path, core.DefaultMaxDocumentSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	doc, err := a.registry().Decode(a.ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := core.Descriptor{MediaType: doc.MediaType, Size: int64(len(raw)), Digest: core.DigestOf(raw)}
	if doc.Index != nil {
		return indexResult(*doc.Index, doc.Format, d, raw), nil
	}
	return manifestResult(*doc.Manifest, doc.Format, d, raw), nil
}

func manifestResult(m core.Manifest, f core.Format, d core.Descriptor, raw []byte) *inspectResult {
	r := &inspectResult{
		Format: f.Describe().Name, Document: "manifest", MediaType: d.MediaType, Digest: d.Digest, Size: d.Size,
		Digests: documentDigests(raw, d.Digest), ArtifactType: m.ArtifactType,
		Config: infoPtr(f, &m.Config), Layers: []blobInfo{}, Subject: infoPtr(f, m.Subject), Annotations: m.Annotations,
	}
	if r.MediaType == "" {
		r.MediaType = f.Describe().ManifestMediaType
	}
	for _, l := range m.Layers {
		r.Layers = append(r.Layers, info(f, l))
	}
	return r
}

func indexResult(ix core.Index, f core.Format, d core.Descriptor, raw []byte) *inspectResult {
	r := &inspectResult{
		Format: f.Describe().Name, Document: "index", MediaType: d.MediaType, Digest: d.Digest, Size: d.Size,
		Digests: documentDigests(raw, d.Digest), ArtifactType: ix.ArtifactType,
		Manifests: []blobInfo{}, Subject: infoPtr(f, ix.Subject), Annotations: ix.Annotations,
	}
	for _, m := range ix.Manifests {
		r.Manifests = append(r.Manifests, info(f, m))
	}
	return r
}

func (a *app) inspectLayout(src source) (*inspectResult, error) {
	l, err := src.open(a.registry())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	img, err := l.Image(a.ctx, src.sel)
	if err != nil {
		return nil, err
	}
	r := manifestResult(img.Manifest, img.Format, img.Descriptor, img.Bytes)
	r.Layout, r.Tag = l.Kind().String(), img.Tag
	r.Index = infoPtr(img.Format, img.Index)
	if p, ok := readPlatform(a.ctx, l, img.Manifest.Config); ok {
		r.Platform = p.String()
	} else if img.Descriptor.Platform != nil {
		r.Platform = img.Descriptor.Platform.String()
	}
	return r, nil
}

// readPlatform reads the platform an image config names, verified
// against its descriptor.
func readPlatform(ctx context.Context, l *layout.Layout, config core.Descriptor) (core.Platform, bool) {
	if config.Size > core.DefaultMaxDocumentSize {
		return core.Platform{}, false
	}
	data, err := l.ReadBlob(ctx, config)
	if err != nil {
		return core.Platform{}, false
	}
	var img v1.Image
	if json.Unmarshal(data, &img) != nil || img.OS == "" || img.Architecture == "" {
		return core.Platform{}, false
	}
	return core.PlatformFromOCI(img.Platform), true
}

// writeInspect prints r for people.
func writeInspect(w io.Writer, r *inspectResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	where := r.Source
	switch {
	case r.Layout != "" && r.Tag != "":
		where += fmt.Sprintf(" (%s layout, tag %s)", r.Layout, r.Tag)
	case r.Layout != "":
		where += fmt.Sprintf(" (%s layout)", r.Layout)
	default:
		where += " (file)"
	}
	fmt.Fprintf(tw, "source\t%s\n", where)
	fmt.Fprintf(tw, "format\t%s %s\n", r.Format, r.Document)
	fmt.Fprintf(tw, "media type\t%s\n", r.MediaType)
	fmt.Fprintf(tw, "digest\t%s\n", r.Digest)
	for _, alg := range slices.Sorted(maps.Keys(r.Digests)) {
		if r.Digests[alg] != r.Digest {
			fmt.Fprintf(tw, "%s\t%s\n", alg, r.Digests[alg])
		}
	}
	fmt.Fprintf(tw, "size\t%d bytes\n", r.Size)
	if r.Platform != "" {
		fmt.Fprintf(tw, "platform\t%s\n", r.Platform)
	}
	if r.ArtifactType != "" {
		fmt.Fprintf(tw, "artifact type\t%s\n", r.ArtifactType)
	}
	if r.Index != nil {
		fmt.Fprintf(tw, "chosen from\t%s %s\n", r.Index.Kind, r.Index.Digest)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Config != nil {
		fmt.Fprintln(w)
		writeBlobs(w, "CONFIG", []blobInfo{*r.Config}, false)
	}
	if r.Document == "manifest" {
		fmt.Fprintln(w)
		writeBlobs(w, "LAYER", r.Layers, true)
	}
	if r.Manifests != nil {
		fmt.Fprintln(w)
		writeBlobs(w, "MANIFEST", r.Manifests, true)
	}
	if r.Subject != nil {
		fmt.Fprintln(w)
		writeBlobs(w, "SUBJECT", []blobInfo{*r.Subject}, false)
	}
	if len(r.Annotations) > 0 {
		fmt.Fprintln(w)
		writeAnnotations(w, "", r.Annotations)
	}
	return nil
}

func writeBlobs(w io.Writer, title string, bs []blobInfo, numbered bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := title + "\tKIND\tSIZE\tDIGEST\tMEDIA TYPE"
	if !numbered {
		head = "\tKIND\tSIZE\tDIGEST\tMEDIA TYPE"
	}
	if len(bs) > 0 && hasPlatforms(bs) {
		head += "\tPLATFORM"
	}
	fmt.Fprintln(tw, head)
	if len(bs) == 0 {
		fmt.Fprintf(tw, "(none)\n")
	}
	for i, b := range bs {
		label := title
		if numbered {
			label = fmt.Sprint(i)
		}
		kind := b.Kind
		if kind == b.MediaType {
			kind = "-"
		}
		line := fmt.Sprintf("%s\t%s\t%d\t%s\t%s", label, kind, b.Size, b.Digest, b.MediaType)
		if hasPlatforms(bs) {
			line += "\t" + b.Platform
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	for i, b := range bs {
		if len(b.Annotations) > 0 {
			label := strings.ToLower(title)
			if numbered {
				label = fmt.Sprintf("%s %d", label, i)
			}
			writeAnnotations(w, label+" ", b.Annotations)
		}
	}
}

func hasPlatforms(bs []blobInfo) bool {
	for _, b := range bs {
		if b.Platform != "" {
			return true
		}
	}
	return false
}

func writeAnnotations(w io.Writer, prefix string, a map[string]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%sANNOTATION\tVALUE\n", strings.ToUpper(prefix))
	for _, k := range slices.Sorted(maps.Keys(a)) {
		fmt.Fprintf(tw, "%s\t%s\n", k, a[k])
	}
	tw.Flush()
}
