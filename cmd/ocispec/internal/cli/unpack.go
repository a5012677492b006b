package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	"github.com/concil-go/ocispec/unpack"
	digest "github.com/opencontainers/go-digest"
)

// Where the image to unpack or export comes from, in the help of both.
const imageArgHelp = `IMAGE is any image the command reads: oci:PATH[:TAG], dir:PATH,
oci-archive:PATH[:TAG], docker-archive:PATH[:NAME:TAG] or :@N, or a path
(a layout folder or an archive); an index in it is resolved to the
manifest of --platform (default: this machine's). Every blob is verified
as it is read, and the uncompressed layers against the config's diffIDs.`

type unpackOptions struct {
	platform     string
	devices      *enumFlag
	ignoreOwners bool
}

func (a *app) unpackCommand() *cobra.Command {
	o := &unpackOptions{devices: newEnum("refuse", "refuse", "skip", "create")}
	cmd := &cobra.Command{
		Use:   "unpack [flags] IMAGE DIR",
		Short: "Extract an image's filesystem into a folder",
		Long: `Extract the filesystem of IMAGE into the folder DIR: its layers (tar,
tar+gzip or tar+zstd) applied in order, OCI whiteouts removing what lower
layers put there, with the modes (setuid, setgid and sticky included),
times, extended attributes and, as root, the owners the layers give.

` + imageArgHelp + `

DIR must not exist, or be an empty folder. The tree is written into a new
folder beside it and renamed into place only when whole, so nothing half
written is ever under DIR. A hostile layer is refused with an error naming
the entry: a name that is absolute or holds "..", a path or hard link that
would leave DIR (through a symbolic link pointing outside), a device node
unless --devices says otherwise. Sparse files stay sparse.

Prints one line of JSON: the image's manifest, the layers applied and the
entries they held.`,
		Example: `  ocispec unpack oci:out/hello:latest rootfs
  sudo chroot rootfs /hello
  ocispec unpack --platform linux/arm64 docker-archive:app.tar rootfs`,
		Args: argsBetween(2, 2, "IMAGE and DIR"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.unpack(o, args[0], args[1]) }),
	}
	f := cmd.Flags()
	f.StringVar(&o.platform, "platform", "", "unpack the manifest for `OS/ARCH[/VARIANT]` of an index (default: this machine's)")
	f.Var(o.devices, "devices", "what becomes of device nodes: refuse (an error), skip, or create (as root)")
	f.BoolVar(&o.ignoreOwners, "ignore-owners", false, "leave every file owned by the user running the command (without root, it always is)")
	return cmd
}

// unpackResult is the JSON output of unpack and export.
type unpackResult struct {
	Source    string        `json:"source"`
	Dir       string        `json:"dir,omitempty"`
	File      string        `json:"file,omitempty"`
	MediaType string        `json:"mediaType"`
	Digest    digest.Digest `json:"digest"`
	Size      int64         `json:"size"`
	Platform  string        `json:"platform,omitempty"`
	Layers    int           `json:"layers"`
	Entries   int           `json:"entries"`
	Bytes     int64         `json:"bytes,omitempty"`
}

func newUnpackResult(arg string, res *unpack.Result) unpackResult {
	r := unpackResult{Source: arg, MediaType: res.Manifest.MediaType, Digest: res.Manifest.Digest, Size: res.Manifest.Size, Layers: res.Layers, Entries: res.Entries}
	if p := res.Manifest.Platform; p != nil {
		r.Platform = p.String()
	}
	return r
}

// imageSource opens IMAGE for unpack and export.
func (a *app) imageSource(arg string) (transport.Source, error) {
	s, err := parseSource(arg)
	if err != nil {
		return nil, err
	}
	if s.isFile {
		return nil, fmt.Errorf("%w: %s is a file, not an image; give a layout folder or an archive", layout.ErrNotLayout, arg)
	}
	if err := a.loadPlugins(true); err != nil && a.ctx.Err() != nil {
		return nil, err
	}
	return a.openSource(s)
}

func unpackOpts(platform string) (*unpack.Options, error) {
	p, err := parsePlatformFlag(platform)
	if err != nil {
		return nil, err
	}
	return &unpack.Options{Platform: p}, nil
}

func (a *app) unpack(o *unpackOptions, arg, dir string) error {
	opts, err := unpackOpts(o.platform)
	if err != nil {
		return err
	}
	opts.Registry, opts.IgnoreOwners = a.registry(), o.ignoreOwners
	switch o.devices.value {
	case "skip":
		opts.Devices = unpack.DevicesSkip
	case "create":
		opts.Devices = unpack.DevicesCreate
	}
	src, err := a.imageSource(arg)
	if err != nil {
		return err
	}
	defer src.Close()
	res, err := unpack.Unpack(a.ctx, src, dir, opts)
	if err != nil {
		return withDevicesHint(err)
	}
	r := newUnpackResult(arg, res)
	r.Dir = dir
	return a.result(r)
}

// withDevicesHint says what to do about a device node refused.
func withDevicesHint(err error) error {
	if errors.Is(err, unpack.ErrDevice) {
		return fmt.Errorf("%w (--devices skip leaves them out; --devices create, as root, makes them)", err)
	}
	return err
}
