package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/image"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

// configFlags are the config fields pack and mutate set.
type configFlags struct {
	entrypoint, cmd string
	env, labels     []string
	workdir, user   string
	ports, volumes  []string
	stopSignal      string
	fs              *pflag.FlagSet
}

func addConfigFlags(f *pflag.FlagSet) *configFlags {
	c := &configFlags{fs: f}
	f.StringVar(&c.entrypoint, "entrypoint", "", "config Entrypoint: a JSON array ([\"/app\",\"-v\"]) or a plain string, the one program to run")
	f.StringVar(&c.cmd, "cmd", "", "config Cmd: a JSON array or a plain string, one argument")
	f.StringArrayVar(&c.env, "env", nil, "set config Env `KEY=VALUE` (repeatable)")
	f.StringArrayVar(&c.labels, "label", nil, "set config Labels `KEY=VALUE` (repeatable)")
	f.StringVar(&c.workdir, "workdir", "", "config WorkingDir")
	f.StringVar(&c.user, "user", "", "config User")
	f.StringArrayVar(&c.ports, "expose", nil, "add config ExposedPorts `PORT[/PROTO]` (repeatable)")
	f.StringArrayVar(&c.volumes, "volume", nil, "add config Volumes `PATH` (repeatable)")
	f.StringVar(&c.stopSignal, "stop-signal", "", "config StopSignal")
	return c
}

// any says whether a config flag was given.
func (c *configFlags) any() bool {
	for _, n := range []string{"entrypoint", "cmd", "env", "label", "workdir", "user", "expose", "volume", "stop-signal"} {
		if c.fs.Changed(n) {
			return true
		}
	}
	return false
}

// argv reads --entrypoint or --cmd: a JSON array of strings, or a plain
// string taken as one argument (docker run --entrypoint's reading).
func argv(flag, s string) ([]string, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		var args []string
		if err := json.Unmarshal([]byte(s), &args); err != nil {
			return nil, usagef("--%s %q: not a JSON array of strings: %v", flag, s, err)
		}
		return args, nil
	}
	if s == "" {
		return []string{}, nil
	}
	return []string{s}, nil
}

// check reads the flags before any work.
func (c *configFlags) check() error {
	for _, n := range []struct{ flag, v string }{{"entrypoint", c.entrypoint}, {"cmd", c.cmd}} {
		if c.fs.Changed(n.flag) {
			if _, err := argv(n.flag, n.v); err != nil {
				return err
			}
		}
	}
	for _, kv := range c.env {
		if _, _, err := splitKV(kv, "env", "KEY=VALUE"); err != nil {
			return err
		}
	}
	for _, kv := range c.labels {
		if _, _, err := splitKV(kv, "label", "KEY=VALUE"); err != nil {
			return err
		}
	}
	return nil
}

// apply sets the fields given on cfg.
func (c *configFlags) apply(cfg *image.Config) error {
	if c.fs.Changed("entrypoint") {
		args, _ := argv("entrypoint", c.entrypoint)
		cfg.SetEntrypoint(args)
	}
	if c.fs.Changed("cmd") {
		args, _ := argv("cmd", c.cmd)
		cfg.SetCmd(args)
	}
	for _, kv := range c.env {
		k, v, _ := strings.Cut(kv, "=")
		if err := cfg.SetEnv(k, v); err != nil {
			return err
		}
	}
	for _, kv := range c.labels {
		k, v, _ := strings.Cut(kv, "=")
		if err := cfg.SetLabel(k, v); err != nil {
			return err
		}
	}
	if c.fs.Changed("workdir") {
		cfg.SetWorkingDir(c.workdir)
	}
	if c.fs.Changed("user") {
		cfg.SetUser(c.user)
	}
	if c.fs.Changed("stop-signal") {
		cfg.SetStopSignal(c.stopSignal)
	}
	for _, p := range c.ports {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		if err := cfg.AddExposedPort(p); err != nil {
			return err
		}
	}
	for _, v := range c.volumes {
		if err := cfg.AddVolume(v); err != nil {
			return err
		}
	}
	return nil
}

// openBase opens an image argument through package transport and reads
// its manifest and config.
func (a *app) openBase(arg string, platform *core.Platform) (*image.Image, transport.Source, source, error) {
	s, err := parseSource(arg)
	if err != nil {
		return nil, nil, s, err
	}
	if s.isFile {
		return nil, nil, s, fmt.Errorf("%w: %s is a file; name an image (a layout folder, oci:PATH[:TAG], dir:PATH or an archive)", layout.ErrNotLayout, arg)
	}
	src, err := a.openSource(s)
	if err != nil {
		return nil, nil, s, err
	}
	img, err := image.FromSource(a.ctx, src, platform, &transport.CopyOptions{Registry: a.registry()})
	if err != nil {
		src.Close()
		return nil, nil, s, fmt.Errorf("%s: %w", arg, err)
	}
	return img, src, s, nil
}

type mutateOptions struct {
	config      *configFlags
	annotations []string
	tag         string
	platform    string
	encoding    *enumFlag
}

func (a *app) mutateCommand() *cobra.Command {
	o := &mutateOptions{encoding: newEnum("compact", "compact", "concil", "canonical")}
	cmd := &cobra.Command{
		Use:   "mutate [flags] IMAGE",
		Short: "Change an image's config and annotations in its layout",
		Long: `Change the config fields and manifest annotations of IMAGE, a layout
folder, oci:PATH[:TAG] or dir:PATH, and write the new config and
manifest into the same layout: no layer is read or written. In an OCI
layout the result is tagged --tag, or the tag IMAGE named (so the tag
moves to the new image). Prints the new manifest's descriptor.`,
		Example: `  ocispec mutate --entrypoint '["/hello"]' --env GREETING=hi oci:out/hello:latest
  ocispec mutate --annotation org.opencontainers.image.version=2 --tag v2 oci:out/hello:latest`,
		Args: argsBetween(1, 1, "IMAGE"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.mutate(o, args[0]) }),
	}
	f := cmd.Flags()
	o.config = addConfigFlags(f)
	f.StringArrayVar(&o.annotations, "annotation", nil, "set a manifest annotation `KEY=VALUE` (repeatable)")
	f.StringVar(&o.tag, "tag", "", "tag the new image `TAG` (default: the tag IMAGE named)")
	f.StringVar(&o.platform, "platform", "", "the manifest for `OS/ARCH[/VARIANT]` in an index (default: this machine's)")
	f.Var(o.encoding, "encoding", "JSON spelling of the manifest: compact, concil or canonical")
	return cmd
}

func (a *app) mutate(o *mutateOptions, arg string) error {
	if err := o.config.check(); err != nil {
		return err
	}
	annotations, err := parseAnnotations(o.annotations)
	if err != nil {
		return err
	}
	if o.tag != "" {
		if err := layout.ValidateTag(o.tag); err != nil {
			return &usageError{err}
		}
	}
	enc, err := core.ParseEncoding(o.encoding.value)
	if err != nil {
		return &usageError{err}
	}
	platform, err := parsePlatformFlag(o.platform)
	if err != nil {
		return err
	}
	if ref, ok, _ := transportArg(arg); ok {
		return usagef("mutate writes into a layout folder, and %s is an archive: copy it into a layout first (ocispec copy %s oci:DIR)", ref, arg)
	}
	img, src, s, err := a.openBase(arg, platform)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := o.config.apply(img.Config); err != nil {
		return err
	}
	for k, v := range annotations {
		img.Annotations[k] = v
	}
	l, err := s.open(a.registry())
	if err != nil {
		return err
	}
	defer l.Close()
	tag := o.tag
	if tag == "" && l.Kind() == layout.OCI && len(img.Base.Image.Names) > 0 {
		tag = img.Base.Image.Names[0]
	}
	if tag != "" && l.Kind() == layout.Dir {
		return usagef("--tag needs an OCI layout: a dir: layout holds one image and has no tags")
	}
	d, err := img.Write(a.ctx, l, &layout.WriteOptions{Tag: tag, Encoding: enc, ManifestAlgorithm: core.AlgorithmOf(img.Base.Descriptor.Digest)})
	if err != nil {
		return err
	}
	if err := l.Close(); err != nil {
		return err
	}
	a.note("mutated %s: manifest %s%s (was %s)", arg, d.Digest, tagNote(tag), img.Base.Descriptor.Digest)
	return a.result(imageResult{Path: s.path, Layout: l.Kind().String(), Format: img.Format.Describe().Name, Tag: tag, MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
}

func parseAnnotations(kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, err := splitKV(kv, "annotation", "KEY=VALUE")
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// packHistory is the history entry pack adds for each layer it puts on
// a base.
func packHistory(mtime time.Time) *image.History {
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	t := mtime.UTC()
	return &image.History{Created: &t, CreatedBy: "ocispec pack"}
}

// configView is inspect --config --json: the fields people look for.
type configView struct {
	Platform     string              `json:"platform"`
	Created      string              `json:"created,omitempty"`
	Entrypoint   []string            `json:"entrypoint"`
	Cmd          []string            `json:"cmd"`
	Env          []string            `json:"env"`
	WorkingDir   string              `json:"workingDir,omitempty"`
	User         string              `json:"user,omitempty"`
	Labels       map[string]string   `json:"labels"`
	ExposedPorts map[string]struct{} `json:"exposedPorts,omitempty"`
	Volumes      map[string]struct{} `json:"volumes,omitempty"`
	StopSignal   string              `json:"stopSignal,omitempty"`
	DiffIDs      []string            `json:"diffIDs"`
	History      []image.History     `json:"history"`
}

// inspectStored prints the stored manifest (--raw) or config (--config)
// of an image, or the config's parsed view (--config --json).
func (a *app) inspectStored(o *inspectOptions, s source, platform *core.Platform) error {
	if o.raw && o.config {
		return usagef("--raw and --config: give one")
	}
	if o.raw && o.json {
		return usagef("--raw prints the stored bytes; --json does not apply")
	}
	if s.isFile {
		if o.config {
			return usagef("--config reads the config of an image, and %s is a document file", s.arg)
		}
		raw, err := readDocumentFile(a.ctx, s.path, core.DefaultMaxDocumentSize)
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(raw)
		return err
	}
	if o.tag != "" {
		if s.ref != nil {
			return usagef("--tag applies to a layout folder; name the image in the reference")
		}
		s.sel.Tag = o.tag
	}
	src, err := a.openSource(s)
	if err != nil {
		return err
	}
	defer src.Close()
	m, err := transport.ReadManifest(a.ctx, src, platform, &transport.CopyOptions{Registry: a.registry()})
	if err != nil {
		return err
	}
	if o.raw {
		_, err = a.stdout.Write(m.Bytes)
		return err
	}
	if m.Config == nil {
		return fmt.Errorf("%s: the config is larger than %d bytes", s.arg, core.DefaultMaxDocumentSize)
	}
	if !o.json {
		_, err = a.stdout.Write(m.Config)
		return err
	}
	var c struct {
		Created string `json:"created"`
		Config  struct {
			Entrypoint   []string
			Cmd          []string
			Env          []string
			WorkingDir   string
			User         string
			Labels       map[string]string
			ExposedPorts map[string]struct{}
			Volumes      map[string]struct{}
			StopSignal   string
		} `json:"config"`
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
		History []image.History `json:"history"`
	}
	if err := json.Unmarshal(m.Config, &c); err != nil {
		return fmt.Errorf("%s: config: %w: %v", s.arg, image.ErrInvalidConfig, err)
	}
	cfg, _ := image.ParseConfig(m.Config)
	v := configView{
		Created: c.Created, Entrypoint: c.Config.Entrypoint, Cmd: c.Config.Cmd, Env: c.Config.Env,
		WorkingDir: c.Config.WorkingDir, User: c.Config.User, Labels: c.Config.Labels,
		ExposedPorts: c.Config.ExposedPorts, Volumes: c.Config.Volumes, StopSignal: c.Config.StopSignal,
		DiffIDs: c.RootFS.DiffIDs, History: c.History,
	}
	if cfg != nil {
		v.Platform = cfg.Platform().String()
	}
	if v.Entrypoint == nil {
		v.Entrypoint = []string{}
	}
	if v.Cmd == nil {
		v.Cmd = []string{}
	}
	if v.Env == nil {
		v.Env = []string{}
	}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	if v.History == nil {
		v.History = []image.History{}
	}
	return a.result(v)
}

type indexOptions struct {
	format   *enumFlag
	tag      string
	encoding *enumFlag
}

func (a *app) indexCommand() *cobra.Command {
	o := &indexOptions{format: newEnum("oci", "oci", "docker"), encoding: newEnum("compact", "compact", "concil", "canonical")}
	cmd := &cobra.Command{
		Use:   "index [flags] OUT IMAGE...",
		Short: "Make a multi-platform index of images",
		Long: `Write into the layout OUT an index listing each IMAGE with the platform
its config names: an OCI image index (--format oci, the default) or a
Docker manifest list (--format docker). Each IMAGE is any image
reference (a layout folder, oci:PATH[:TAG], dir:PATH, an archive); its
manifest is stored byte for byte, so its digest is kept, and its blobs
are copied into OUT once each, verified (those OUT holds are not read).
Two images of one platform are an error. When OUT holds an index under
the tag already, the images given add to it, each replacing the one of
its platform there (and saying so). In an OCI layout the index is tagged
--tag (default "latest"). Prints the index's descriptor.`,
		Example: `  ocispec index out/multi oci:out/amd64:latest oci:out/arm64:latest
  ocispec index --format docker --tag v1 out/multi out/amd64 out/arm64`,
		Args: cobra.MinimumNArgs(2),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.index(o, args[0], args[1:]) }),
	}
	f := cmd.Flags()
	f.Var(o.format, "format", "the index's format: oci (an OCI image index) or docker (a Docker manifest list)")
	f.StringVar(&o.tag, "tag", "", "`TAG` of the index in an OCI layout (default \""+DefaultTag+"\")")
	f.Var(o.encoding, "encoding", "JSON spelling of the index: compact, concil or canonical")
	return cmd
}

func (a *app) index(o *indexOptions, outArg string, images []string) error {
	enc, err := core.ParseEncoding(o.encoding.value)
	if err != nil {
		return &usageError{err}
	}
	f, err := a.format(o.format.value)
	if err != nil {
		return err
	}
	kindFlag := newEnum("", "oci", "dir")
	out, err := outputRef(outArg, kindFlag, &o.tag)
	if err != nil {
		return err
	}
	if o.tag != "" {
		if err := layout.ValidateTag(o.tag); err != nil {
			return &usageError{err}
		}
	}
	var want layout.Kind
	if kindFlag.value != "" {
		want, _ = layout.ParseKind(kindFlag.value)
	}
	dst, err := prepareOutput(out, want, layout.OCI)
	if err != nil {
		return err
	}
	defer dst.abort()
	tag := o.tag
	if tag == "" && dst.kind == layout.OCI {
		tag = DefaultTag
	}
	l, err := layout.Create(dst.dir, dst.kind, layout.WithRegistry(a.registry()))
	if err != nil {
		return err
	}
	defer l.Close()
	// An index already under the tag keeps its other platforms.
	members, err := a.existingMembers(dst, tag)
	if err != nil {
		return err
	}
	seen := map[string]string{}
	for _, arg := range images {
		s, err := parseSource(arg)
		if err != nil {
			return err
		}
		if s.isFile {
			return fmt.Errorf("%w: %s is a file; name an image", layout.ErrNotLayout, arg)
		}
		src, err := a.openSource(s)
		if err != nil {
			return err
		}
		m, err := image.MemberOf(a.ctx, l, src, nil, &transport.CopyOptions{Registry: a.registry()})
		src.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", arg, err)
		}
		p := m.Platform.String()
		if prev, ok := seen[p]; ok {
			return usagef("%s and %s are both for %s: an index lists one image per platform", prev, arg, p)
		}
		seen[p] = arg
		members = image.Replace(members, m)
	}
	d, err := image.WriteIndex(a.ctx, l, f, members, &layout.WriteOptions{Tag: tag, Encoding: enc})
	if err != nil {
		return err
	}
	if err := l.Close(); err != nil {
		return err
	}
	if err := dst.commit(a.ctx, a.registry()); err != nil {
		return err
	}
	a.note("indexed %d image%s in %s%s: %s", len(members), plural(len(members)), out, tagNote(tag), d.Digest)
	return a.result(imageResult{Path: out, Layout: dst.kind.String(), Format: f.Describe().Name, Tag: tag, MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
}

// existingMembers returns the members of the index tag names in an
// existing output layout, or none.
func (a *app) existingMembers(dst *output, tag string) ([]image.Member, error) {
	if !dst.inPlace || dst.kind != layout.OCI {
		return nil, nil
	}
	src, err := transport.LayoutReference{Kind: dst.kind, Path: dst.dir, Selector: layout.Selector{Tag: tag}}.NewSource(a.ctx, &transport.Options{Registry: a.registry()})
	if err != nil {
		return nil, nil // not a layout yet (an empty folder)
	}
	defer src.Close()
	members, err := image.Members(a.ctx, src, a.registry())
	if errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrNotIndex) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the index %s of %s: %w", tag, dst.final, err)
	}
	a.note("%s: adding to the index %s (%d image%s)", dst.final, tag, len(members), plural(len(members)))
	return members, nil
}
