package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/progress"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/image"
	"github.com/concil-go/ocispec/internal/atomicfile"
	"github.com/concil-go/ocispec/layer"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// DefaultTag is the tag pack gives an image in an OCI layout when
// --tag is not given (the tag umoci and skopeo assume).
const DefaultTag = "latest"

type packOptions struct {
	format      string
	layoutKind  *enumFlag
	encoding    *enumFlag
	algorithm   string
	config      string
	layers      []string
	annotations []string
	tag         string
	base        string
	preserve    bool
	cfg         *configFlags
}

func (a *app) packCommand() *cobra.Command {
	o := &packOptions{
		layoutKind: newEnum("", "oci", "dir"),
		encoding:   newEnum("compact", "compact", "concil", "canonical"),
	}
	cmd := &cobra.Command{
		Use:   "pack [flags] [SOURCE_DIR] OUT",
		Short: "Build an image from a folder and layer files",
		Long: `Build an image in the layout folder OUT.

SOURCE_DIR, when given, becomes the top layer, after the layers of --layer
in the order given. A folder becomes a reproducible tar layer: entries in
byte order of their names, every time set to SOURCE_DATE_EPOCH (default
1970-01-01), owner and group 0, modes 0755 for folders and executables and
0644 for other files, so the same files give the same digest on every run;
it is compressed as its kind says (tar, tar+gzip, the default, or
tar+zstd). A file is used as it is, with the kind given.

Without --config, a config is made with the running platform and the
diffIDs of the layers. The result is an OCI image layout, or skopeo's
dir: layout, the default for the docker format (skopeo and umoci look only
for OCI manifests in an OCI image layout). A new OUT is written under a
temporary name and renamed into place at the end; an existing OCI layout
gets the image added under its tag.

OUT may also be written oci:PATH[:TAG] or dir:PATH, as skopeo does, or
be a new archive: oci-archive:PATH[:TAG], or docker-archive:PATH[:NAME:TAG]
(Docker 25's format, which docker load reads: layers stored as tars).
Prints the manifest's descriptor as one line of JSON.`,
		Example: `  ocispec pack --format docker examples/hello out/hello
  ocispec pack --layer tar+zstd=rootfs/ --layer tar+gzip=extra.tar.gz --tag v1 out/app
  ocispec pack --encoding concil --algorithm sha512 --annotation org.opencontainers.image.version=1.0 examples/hello out/hello-512`,
		Args: argsBetween(1, 2, "[SOURCE_DIR] OUT"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.pack(o, args) }),
	}
	f := cmd.Flags()
	a.addRegistryFlags(f)
	f.StringVar(&o.format, "format", "oci", "manifest `FORMAT`: oci, docker or a plugin's format")
	f.Var(o.layoutKind, "layout", "layout to write: oci or dir (default for a new OUT: dir for the docker format without --tag, oci otherwise)")
	f.Var(o.encoding, "encoding", "JSON spelling of the manifest: compact, concil (byte-identical to concil's Python) or canonical (RFC 8785)")
	f.StringVar(&o.algorithm, "algorithm", "sha256", "digest `ALGORITHM` of every blob: sha256, sha512 or blake3")
	f.StringVar(&o.config, "config", "", "use the image config in `FILE` instead of making one")
	f.StringArrayVar(&o.layers, "layer", nil, "add a layer: `KIND=PATH`, a folder (kinds tar, tar+gzip, tar+zstd) or a file used as it is (repeatable)")
	f.StringArrayVar(&o.annotations, "annotation", nil, "add a manifest annotation `KEY=VALUE` (repeatable)")
	f.StringVar(&o.tag, "tag", "", "`TAG` of the image in an OCI layout (default \""+DefaultTag+"\")")
	f.StringVar(&o.base, "base", "", "put the layers on the base `IMAGE` (a layout folder, oci:PATH[:TAG], dir:PATH or an archive); its blobs are reused as they are")
	f.BoolVar(&o.preserve, "preserve", false, "keep the folders' modes, owners, times, extended attributes, hard links and (as root) devices, instead of normalising them")
	o.cfg = addConfigFlags(f)
	return cmd
}

// layerSpec is one layer to pack.
type layerSpec struct {
	kind string // as given: a kind or a concrete media type
	// resolved is the kind, or the media type when no table knows it.
	resolved string
	path     string
	dir      bool
	plan     *layer.Plan
	size     int64 // of a file
	// comp is the layer's compression; tarKind is false for layers that
	// are not tar streams (squashfs, encrypted, other media types).
	comp    core.Compression
	tarKind bool
	// mode is how a folder is packed.
	mode layer.Mode
}

// builtLayer is a layer ready to be written.
type builtLayer struct {
	desc   core.Descriptor
	diffID digest.Digest // "" when it cannot be computed
	source layout.Source
	// file is a layer pack wrote and hashed itself: it is moved into
	// the layout (linked), neither written nor hashed again.
	file *os.File
}

func splitKV(s, flag, want string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return "", "", usagef("--%s %q: want %s", flag, s, want)
	}
	return k, v, nil
}

// packRequest is what pack's command line asks for, checked before any
// file is read.
type packRequest struct {
	out         string // the output folder
	kind        layout.Kind
	tag         string
	encoding    core.Encoding
	specs       []*layerSpec
	annotations map[string]string
}

// pack builds an image in steps: read the command line, resolve the
// format and the layers, build the layers, assemble config and
// manifest, write the image, report it.
func (a *app) pack(o *packOptions, args []string) error {
	req, err := parsePack(o, args)
	if err != nil {
		return err
	}
	if err := o.cfg.check(); err != nil {
		return err
	}
	if o.base != "" && o.config != "" {
		return usagef("--base and --config: the config is the base's, changed by the config flags; give one of them")
	}
	f, err := a.format(o.format)
	if err != nil {
		return err
	}
	var base *image.Image
	if o.base != "" {
		var src transport.Source
		base, src, _, err = a.openBase(o.base, nil)
		if err != nil {
			return fmt.Errorf("--base: %w", err)
		}
		defer src.Close()
		if !o.cfg.fs.Changed("format") {
			f = base.Format
		}
	}
	if o.preserve {
		for _, s := range req.specs {
			s.mode = layer.Preserve
		}
	}
	alg, err := algorithmFlag(o.algorithm)
	if err != nil {
		return err
	}
	if err := a.checkLayers(req, f); err != nil {
		return err
	}
	configData, err := a.readConfigFlag(o.config, req.specs, f)
	if err != nil {
		return err
	}
	mtime, err := layer.ModTimeFromEnv()
	if err != nil {
		return err
	}
	dst, err := openOutput(req.out, req.kind, f, req.tag)
	if err != nil {
		return err
	}
	defer dst.abort()
	if dst.archive, err = a.bindRef(dst.archive); err != nil {
		return err
	}
	if req.tag == "" && dst.kind == layout.OCI {
		req.tag = DefaultTag
	}
	layers, err := a.buildLayers(req.specs, dst, alg, mtime)
	defer closeLayers(layers)
	if err != nil {
		return err
	}
	if configData != nil && isImageConfigType(f.Describe().Table.MediaType(core.KindConfig)) {
		if err := checkConfigLayers(configData, layers); err != nil {
			return fmt.Errorf("--config %s: %w", o.config, err)
		}
	}
	if base == nil && o.cfg.any() {
		if configData, err = a.editConfig(configData, layers, mtime, o.cfg); err != nil {
			return err
		}
	}
	var desc core.Descriptor
	wo := &layout.WriteOptions{Encoding: req.encoding, Tag: req.tag, ManifestAlgorithm: alg}
	if base != nil {
		desc, err = a.writeOnBase(dst, base, layers, req.annotations, mtime, o.cfg, wo)
	} else {
		var img *packedImage
		if img, err = assemble(layers, configData, req.annotations, alg, mtime); err != nil {
			return err
		}
		if dst.kind == layout.OCI {
			wo.Platform = &img.platform
		}
		desc, err = a.writeImage(dst, f, img, wo)
	}
	if err != nil {
		return err
	}
	desc = dst.committedDescriptor(desc)
	if dst.archive == nil {
		a.noteDockerInOCI(f, dst.kind)
	}
	a.note("packed %s: %s image in %s%s, %d layer%s, manifest %s", req.out, f.Describe().Name, dst.name(), tagNote(req.tag), len(layers), plural(len(layers)), desc.Digest)
	return a.result(imageResult{
		Path: req.out, Layout: dst.layoutString(), Format: f.Describe().Name, Tag: req.tag,
		MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size,
	})
}

// parsePack reads pack's arguments and flags into a request; every
// problem is a usage error.
func parsePack(o *packOptions, args []string) (*packRequest, error) {
	out, err := outputRef(args[len(args)-1], o.layoutKind, &o.tag)
	if err != nil {
		return nil, err
	}
	req := &packRequest{out: out, tag: o.tag, annotations: map[string]string{}}
	if req.encoding, err = core.ParseEncoding(o.encoding.value); err != nil {
		return nil, &usageError{err}
	}
	for _, l := range o.layers {
		kind, path, err := splitKV(l, "layer", "KIND=PATH, such as tar+gzip=rootfs/")
		if err != nil {
			return nil, err
		}
		if path == "" {
			return nil, usagef("--layer %q: empty path", l)
		}
		req.specs = append(req.specs, &layerSpec{kind: kind, path: path})
	}
	if len(args) == 2 {
		req.specs = append(req.specs, &layerSpec{kind: core.KindTarGzip, path: args[0]})
	}
	if len(req.specs) == 0 {
		return nil, &usageError{fmt.Errorf("%w: give SOURCE_DIR or --layer KIND=PATH", ErrNothingToPack)}
	}
	for _, kv := range o.annotations {
		k, v, err := splitKV(kv, "annotation", "KEY=VALUE")
		if err != nil {
			return nil, err
		}
		req.annotations[k] = v
	}
	if o.layoutKind.value != "" {
		req.kind, _ = layout.ParseKind(o.layoutKind.value)
	}
	if req.tag != "" && req.kind == layout.Dir {
		return nil, usagef("--tag needs an OCI layout: a dir: layout holds one image and has no tags")
	}
	if req.tag != "" {
		if err := layout.ValidateTag(req.tag); err != nil {
			return nil, &usageError{err}
		}
	}
	return req, nil
}

// checkLayers resolves each layer's kind against format f and its path
// on disk, and warns about kinds f cannot express faithfully.
func (a *app) checkLayers(req *packRequest, f core.Format) error {
	table := f.Describe().Table
	for i, s := range req.specs {
		if err := s.check(a.ctx, f); err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, s.path, err)
		}
		if s.dir && within(req.out, s.path) {
			return fmt.Errorf("%w: %s is inside %s, the folder being packed; write it elsewhere", ErrOutput, req.out, s.path)
		}
		if k := s.resolved; core.IsKind(k) && !table.Supports(k) {
			a.warn(fmt.Errorf("layer %d (%s): format %s cannot express kind %s faithfully; the manifest says %s, which few tools read", i, s.path, f.Describe().Name, k, table.MediaType(k)))
		}
	}
	return nil
}

// readConfigFlag reads --config; without one, every layer must have a
// diffID pack can compute for the config it makes.
func (a *app) readConfigFlag(path string, specs []*layerSpec, f core.Format) ([]byte, error) {
	if path != "" {
		a.debug("reading the config %s", path)
		return readConfig(a.ctx, path, isImageConfig(f.Describe().Table.MediaType(core.KindConfig)))
	}
	for i, s := range specs {
		if !s.tarKind && s.resolved != core.KindSquashfs {
			return nil, fmt.Errorf("layer %d (%s): %w of a %s layer; give the image config with --config", i, s.path, ErrNoDiffID, s.kind)
		}
	}
	return nil, nil
}

// buildLayers builds or digests every layer, with one progress bar.
func (a *app) buildLayers(specs []*layerSpec, dst *output, alg digest.Algorithm, mtime time.Time) ([]builtLayer, error) {
	var total int64
	for _, s := range specs {
		if s.dir {
			total += s.plan.Bytes()
		} else {
			total += s.size
		}
	}
	bar := a.bar(total, "packing")
	defer bar.Finish()
	layers := make([]builtLayer, len(specs))
	for i, s := range specs {
		b, err := a.buildLayer(s, dst, alg, mtime, bar)
		if err != nil {
			return layers, fmt.Errorf("layer %d (%s): %w", i, s.path, err)
		}
		layers[i] = b
		a.debug("layer %d: %s from %s: %d bytes, digest %s, diffID %s", i, s.kind, s.path, b.desc.Size, b.desc.Digest, b.diffID)
	}
	return layers, nil
}

// packedImage is an image ready to be written.
type packedImage struct {
	manifest core.Manifest
	blobs    layout.Blobs
	// files are the layers pack wrote, hashed as they were written.
	files    map[digest.Digest]*os.File
	platform core.Platform
}

// assemble makes the config (unless given), the manifest and the blob
// sources of an image.
func assemble(layers []builtLayer, configData []byte, annotations map[string]string, alg digest.Algorithm, mtime time.Time) (*packedImage, error) {
	img := &packedImage{platform: core.CurrentPlatform()}
	var err error
	if configData == nil {
		if configData, err = makeConfig(layers, img.platform, mtime); err != nil {
			return nil, err
		}
	} else if p, ok := configPlatform(configData); ok {
		img.platform = p
	}
	configDesc, err := core.DescriptorFromBytesWith(core.DefaultAlgorithms, alg, core.KindConfig, configData)
	if err != nil {
		return nil, err
	}
	img.manifest = core.Manifest{Config: configDesc}
	img.blobs = layout.Blobs{configDesc.Digest: layout.FromBytes(configData)}
	img.files = map[digest.Digest]*os.File{}
	for _, l := range layers {
		img.manifest.Layers = append(img.manifest.Layers, l.desc)
		if l.file != nil {
			img.files[l.desc.Digest] = l.file
		} else {
			img.blobs[l.desc.Digest] = l.source
		}
	}
	if len(annotations) > 0 {
		img.manifest.Annotations = annotations
	}
	return img, nil
}

// writeImage writes the image into the output's layout and commits the
// output.
func (a *app) writeImage(dst *output, f core.Format, img *packedImage, wo *layout.WriteOptions) (core.Descriptor, error) {
	l, err := layout.Create(dst.dir, dst.kind, layout.WithRegistry(a.registry()))
	if err != nil {
		return core.Descriptor{}, err
	}
	defer l.Close()
	bar := a.bar(sumSizes(img.manifest), "writing")
	wo.Progress = func(p layout.Progress) { bar.Add(p.Delta) }
	desc, err := writePacked(a.ctx, l, f, img, wo)
	bar.Finish()
	if err != nil {
		return core.Descriptor{}, err
	}
	if err := l.Close(); err != nil {
		return core.Descriptor{}, err
	}
	return desc, dst.commit(a.ctx, a.registry())
}

// layoutName names a layout kind for people.
func layoutName(k layout.Kind) string {
	if k == layout.Dir {
		return "a dir: layout"
	}
	return "an OCI image layout"
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	if real, err := filepath.EvalSymlinks(d); err == nil {
		d = real
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(real, filepath.Base(p))
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

func tagNote(tag string) string {
	if tag == "" {
		return ""
	}
	return ", tag " + tag
}

func sumSizes(m core.Manifest) int64 {
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n
}

// imageResult is the line pack and convert print: where the image is
// and its manifest's descriptor.
type imageResult struct {
	Path      string        `json:"path"`
	Layout    string        `json:"layout,omitempty"`
	Format    string        `json:"format"`
	Tag       string        `json:"tag,omitempty"`
	MediaType string        `json:"mediaType"`
	Digest    digest.Digest `json:"digest"`
	Size      int64         `json:"size"`
}

// check resolves a layer's kind against the format and its path on
// disk.
func (s *layerSpec) check(ctx context.Context, f core.Format) error {
	s.resolved = s.kind
	if core.IsKind(s.kind) {
		if !hasKind(f, s.kind) {
			return fmt.Errorf("%w: format %s has no kind %q (its kinds: %s; or give a media type)", ErrKind, f.Describe().Name, s.kind, kindsOf(f))
		}
	} else {
		if err := core.ValidateMediaType(s.kind); err != nil {
			return fmt.Errorf("%w: %w", ErrKind, err)
		}
		s.resolved = kindOf(f, s.kind)
	}
	// The algebra reads the compression of any tar layer type, whatever
	// its format; encrypted and other layers are not tar streams.
	comp, compErr := core.LayerCompression(s.kind)
	s.tarKind, s.comp = compErr == nil, comp
	fi, err := stat(s.path)
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		if !s.tarKind {
			return fmt.Errorf("%w: a folder becomes a tar layer, and %q is not one: use tar, tar+gzip or tar+zstd", ErrKind, s.kind)
		}
		s.dir = true
		// The zstd encoder's memory is readied on another core while
		// the folder is scanned.
		layer.WarmUp(s.comp)
		s.plan, err = layer.Scan(ctx, layer.FromDir(s.path))
		return err
	case fi.Mode().IsRegular():
		s.size = fi.Size()
		if s.tarKind {
			return s.checkCompression()
		}
		return nil
	}
	return fmt.Errorf("%s: neither a folder nor a regular file (%s)", s.path, fi.Mode().Type())
}

// checkCompression compares a layer file's first bytes with its kind.
func (s *layerSpec) checkCompression() error {
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if got := digesters.DetectCompression(head[:n]); got != s.comp {
		return fmt.Errorf("%w: the kind says %s but the file is %s; give the kind that matches (%s)", ErrKind, compressionName(s.comp), compressionName(got), kindFor(got))
	}
	return nil
}

func compressionName(c core.Compression) string {
	if c == core.Uncompressed {
		return "uncompressed"
	}
	return c.String() + "-compressed"
}

func kindFor(c core.Compression) string {
	switch c {
	case core.Gzip:
		return core.KindTarGzip
	case core.Zstd:
		return core.KindTarZstd
	}
	return core.KindTar
}

// buildLayer makes a folder into a layer file in the workspace, or
// digests a layer file, and describes it.
func (a *app) buildLayer(s *layerSpec, dst *output, alg digest.Algorithm, mtime time.Time, bar *progress.Bar) (builtLayer, error) {
	ctx := a.ctx
	if s.dir {
		d, err := a.registry().Algorithms().Digester(alg)
		if err != nil {
			return builtLayer{}, err
		}
		tmp, err := dst.temp("layer-*")
		if err != nil {
			return builtLayer{}, err
		}
		l, err := s.plan.Write(ctx, atomicfile.Writeback(tmp, tmp), layer.Options{Mode: s.mode, Compression: s.comp, Digesters: []core.Digester{d}, ModTime: mtime, Progress: bar.Add})
		if err != nil {
			tmp.Close()
			return builtLayer{}, err
		}
		return builtLayer{
			desc:   core.Descriptor{MediaType: s.kind, Size: l.Size, Digest: l.Digest},
			diffID: l.DiffID, file: tmp,
		}, nil
	}
	eng := &digesters.Engine{Progress: bar.Add, CheckTar: true}
	if s.tarKind {
		comp, plain, err := eng.DigestLayerFile(ctx, s.path, s.comp, alg)
		if errors.Is(err, digesters.ErrNotTar) {
			return builtLayer{}, fmt.Errorf("%w\n(a layer of kind %s must be a tar archive; give the media type of what it is instead)", err, s.kind)
		}
		if err != nil {
			return builtLayer{}, err
		}
		return builtLayer{
			desc:   comp.Descriptor(s.kind),
			diffID: plain.Digests[0], source: layout.FromFile(s.path),
		}, nil
	}
	res, err := eng.DigestFile(ctx, s.path, alg)
	if err != nil {
		return builtLayer{}, err
	}
	b := builtLayer{desc: res.Descriptor(s.kind), source: layout.FromFile(s.path)}
	if s.resolved == core.KindSquashfs {
		b.diffID = b.desc.Digest // a squashfs layer is its own filesystem
	}
	return b, nil
}

// makeConfig writes the image config of a packed image: the platform,
// the layers' diffIDs, and the fixed creation time, so that it is as
// reproducible as the layers.
func makeConfig(layers []builtLayer, p core.Platform, mtime time.Time) ([]byte, error) {
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	created := mtime.UTC()
	img := v1.Image{
		Created:  &created,
		Platform: p.OCI(),
		RootFS:   v1.RootFS{Type: "layers", DiffIDs: []digest.Digest{}},
	}
	for _, l := range layers {
		img.RootFS.DiffIDs = append(img.RootFS.DiffIDs, l.diffID)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(img); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// readConfig reads a config file given with --config, of at most
// core.DefaultMaxDocumentSize bytes: an image config that config.md's
// rules accept, read by core's strict parser, when the format's config
// is an image config; else (a Helm chart's config) a JSON object.
func readConfig(ctx context.Context, path string, image bool) ([]byte, error) {
	data, err := readDocumentFile(ctx, path, core.DefaultMaxDocumentSize)
	if err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	if image {
		if _, err := core.DecodeImageConfig(data); err != nil {
			return nil, fmt.Errorf("--config %s: %w", path, err)
		}
		return data, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("--config %s: not a JSON object: %w", path, err)
	}
	return data, nil
}

// isImageConfig reports whether a config media type is image-spec's or
// Docker's image config, the one document of core.ImageConfig.
func isImageConfig(mediaType string) bool {
	switch core.NormalizeMediaType(mediaType) {
	case oci.MediaTypeConfig, docker.MediaTypeConfig:
		return true
	}
	return false
}

// configPlatform reads the platform of an image config, if it has one.
func configPlatform(data []byte) (core.Platform, bool) {
	c, err := core.ParseImageConfig(data)
	if err != nil || c.Architecture == "" || c.OS == "" {
		return core.Platform{}, false
	}
	return c.Platform(), true
}

// writePacked writes a packed image into l: the layers pack wrote are
// moved in (hard-linked from the workspace, which is on the layout's
// file system: no second write and no second hash, since they were
// hashed as they were written), the other blobs written verified, then
// the manifest, trusting the blobs just put in place.
func writePacked(ctx context.Context, l *layout.Layout, f core.Format, img *packedImage, wo *layout.WriteOptions) (core.Descriptor, error) {
	for _, d := range img.manifest.Layers {
		file := img.files[d.Digest]
		if file == nil {
			continue
		}
		fo := &layout.FileOptions{WriteOptions: *wo, Verified: true}
		if _, err := l.PutBlobFile(ctx, d, file, fo); err != nil {
			return core.Descriptor{}, err
		}
	}
	for _, d := range append([]core.Descriptor{img.manifest.Config}, img.manifest.Layers...) {
		if src := img.blobs[d.Digest]; src != nil {
			if err := l.PutBlob(ctx, d, src, wo); err != nil {
				return core.Descriptor{}, err
			}
		}
	}
	trusted := *wo
	trusted.TrustExisting, trusted.Progress = true, nil
	return l.WriteImage(ctx, f, img.manifest, nil, &trusted)
}

// closeLayers closes the files of built layers.
func closeLayers(layers []builtLayer) {
	for _, l := range layers {
		if l.file != nil {
			l.file.Close()
		}
	}
}

// checkConfigLayers refuses a config given with --config whose
// rootfs.diff_ids do not name the layers' uncompressed streams: the
// image would be one that tools refuse to unpack.
func checkConfigLayers(config []byte, layers []builtLayer) error {
	ids := make([]digest.Digest, len(layers))
	for i, l := range layers {
		ids[i] = l.diffID
	}
	return core.CheckConfigDiffIDs(config, ids)
}

// editConfig applies the config flags to the config pack makes (or the
// one --config gives).
func (a *app) editConfig(configData []byte, layers []builtLayer, mtime time.Time, flags *configFlags) ([]byte, error) {
	var err error
	if configData == nil {
		if configData, err = makeConfig(layers, core.CurrentPlatform(), mtime); err != nil {
			return nil, err
		}
	}
	cfg, err := image.ParseConfig(configData)
	if err != nil {
		return nil, err
	}
	if err := flags.apply(cfg); err != nil {
		return nil, err
	}
	return cfg.Bytes()
}

// writeOnBase writes the layers on top of the base image: the layers
// pack wrote are moved into the output, the base's blobs are reused
// (not read when the output holds them; copied once, verified, when
// not), the config is the base's with the new diffIDs, a history entry
// per layer and the config flags.
func (a *app) writeOnBase(dst *output, base *image.Image, layers []builtLayer, annotations map[string]string, mtime time.Time, flags *configFlags, wo *layout.WriteOptions) (core.Descriptor, error) {
	l, err := layout.Create(dst.dir, dst.kind, layout.WithRegistry(a.registry()))
	if err != nil {
		return core.Descriptor{}, err
	}
	defer l.Close()
	for _, b := range layers {
		src := b.source
		if b.file != nil {
			if _, err := l.PutBlobFile(a.ctx, b.desc, b.file, &layout.FileOptions{Verified: true}); err != nil {
				return core.Descriptor{}, err
			}
			src = nil
		}
		if err := base.AppendLayer(b.desc, b.diffID, src, packHistory(mtime)); err != nil {
			return core.Descriptor{}, err
		}
	}
	if err := flags.apply(base.Config); err != nil {
		return core.Descriptor{}, err
	}
	for k, v := range annotations {
		base.Annotations[k] = v
	}
	desc, err := base.Write(a.ctx, l, wo)
	if err != nil {
		return core.Descriptor{}, err
	}
	if err := l.Close(); err != nil {
		return core.Descriptor{}, err
	}
	return desc, dst.commit(a.ctx, a.registry())
}

// isImageConfigType says whether a config media type is an image config
// (OCI's or Docker's), whose rootfs lists the layers' diffIDs; an
// artifact's config (a Helm chart's) is not.
func isImageConfigType(mt string) bool {
	return mt == oci.MediaTypeConfig || mt == docker.MediaTypeConfig
}
