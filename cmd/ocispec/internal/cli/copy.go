package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
)

type copyOptions struct {
	all        bool
	format     string
	platform   string
	encoding   *enumFlag
	permissive bool
	algorithm  string
	// ignoreReferrers rewrites an image with referrers in another
	// algorithm anyway.
	ignoreReferrers bool
	referrers       bool
}

func (a *app) copyCommand() *cobra.Command {
	o := &copyOptions{encoding: newEnum("compact", "compact", "concil", "canonical")}
	cmd := &cobra.Command{
		Use:   "copy [flags] SRC DST",
		Short: "Copy images between layouts and archives",
		Long: `Copy the image SRC names to DST, between any two of:

  oci:PATH[:TAG]                  an OCI image layout folder
  dir:PATH                        skopeo's dir: folder (one image)
  oci-archive:PATH[:TAG]          a tar of an OCI image layout
  docker-archive:PATH[:NAME:TAG]  docker save's archive (:@N for its N-th image)
  docker://HOST[:PORT]/REPO[:TAG|@DIGEST]
                                  a repository of a registry (pushed to, pulled from)

SRC may also be a path, read as what it holds; a DST path names a layout
folder (a new one is an OCI image layout). Archives are read in place, or
in one pass when gzip- or zstd-compressed.

Every blob is verified once: hashed as DST writes it, or, between two
folders on one file system, hashed and then linked into place. Blobs DST
has are skipped. Without --format the manifests are copied byte for byte,
so their digests are kept; --format converts them. An index is copied
whole with --all, else as the manifest of --platform (default: this
machine's). With --all and a SRC that names no image, every image goes,
each with its names. An index whose other platforms SRC lacks (docker save
and containerd export some platforms only) is copied for the platforms
present, with a warning naming what was left out.

DST is written atomically: a new folder or archive appears under its name
only once whole. docker-archive stores layers as tars (it decompresses
them, so the manifest changes) in Docker 25's format, which docker load,
skopeo's docker-archive: and its oci-archive: all read.

--algorithm rewrites the image in another digest algorithm: each blob is
read once, its digest checked and its new one computed in the same pass,
and the manifests and index are re-encoded to name the new digests (the
config's rootfs.diff_ids are kept: they stay valid digests of the layers'
contents). An image with referrers in SRC (a manifest whose subject it
is, a cosign .sig or .att tag) is refused, since they name its old
digests, unless --ignore-referrers.

--referrers also copies the referrers SRC holds of every manifest and
index copied (image-spec 1.1's manifests with a subject, the referrers tag
schema's index, cosign's .sig/.att/.sbom tags), and their own referrers,
byte for byte and with their tags; with --format or --algorithm, their
subjects are rewritten to the new digests (a signature over the old
digest then no longer verifies).`,
		Example: `  ocispec copy docker-archive:app.tar oci:out/app:v1
  ocispec copy --plain-http oci:out/app:v1 docker://localhost:5000/app:v1
  ocispec copy docker://registry.example.com/app@sha256:… oci:out/app
  ocispec copy --all oci:out/app oci-archive:app-oci.tar
  ocispec copy --all --algorithm sha512 oci:out/app:v1 oci:out/app512:v1
  ocispec copy --format docker oci:out/app:v1 docker-archive:app.tar:example.com/app:v1`,
		Args: argsBetween(2, 2, "SRC and DST"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.copy(o, args[0], args[1]) }),
	}
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "copy every platform of an index, and every image of a SRC that names none")
	f.StringVar(&o.format, "format", "", "convert the manifests to `FORMAT`: oci, docker or a plugin's (default: keep them)")
	f.StringVar(&o.platform, "platform", "", "copy the manifest for `OS/ARCH[/VARIANT]` of an index (default: this machine's)")
	f.Var(o.encoding, "encoding", "JSON spelling of converted manifests: compact, concil or canonical")
	f.BoolVar(&o.permissive, "permissive", false, "with --format, write kinds the target cannot express faithfully, and drop fields it lacks")
	f.StringVar(&o.algorithm, "algorithm", "", "rewrite the image in digest `ALGORITHM`: sha256, sha512 or blake3 (blobs, manifests, index; default: keep the digests)")
	f.BoolVar(&o.referrers, "referrers", false, "also copy the referrers SRC holds of what is copied (signatures, attestations, SBOMs), and theirs, with their tags; SRC an OCI layout or a registry")
	f.BoolVar(&o.ignoreReferrers, "ignore-referrers", false, "with --algorithm, rewrite an image that has referrers (signatures, attestations) in SRC, which name its old digests")
	a.addRegistryFlags(f)
	return cmd
}

// copyResult is copy's JSON output.
type copyResult struct {
	Source      string        `json:"source"`
	Destination string        `json:"destination"`
	Images      []copiedImage `json:"images"`
	Blobs       int           `json:"blobs"`
	Linked      int           `json:"linked"`
	Skipped     int           `json:"skipped"`
	Missing     []copiedImage `json:"missing,omitzero"`
}

type copiedImage struct {
	Names     []string      `json:"names,omitzero"`
	MediaType string        `json:"mediaType"`
	Digest    digest.Digest `json:"digest"`
	Size      int64         `json:"size"`
	Platform  string        `json:"platform,omitempty"`
}

func copied(d core.Descriptor, names []string) copiedImage {
	c := copiedImage{Names: names, MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	if d.Platform != nil {
		c.Platform = d.Platform.String()
	}
	return c
}

func (a *app) copy(o *copyOptions, srcArg, dstArg string) error {
	opts := &transport.CopyOptions{All: o.all, Permissive: o.permissive}
	var err error
	if opts.Platform, err = parsePlatformFlag(o.platform); err != nil {
		return err
	}
	if opts.Platform != nil && o.all {
		return usagef("--platform chooses one manifest and --all copies them all; give one of them")
	}
	if opts.Encoding, err = core.ParseEncoding(o.encoding.value); err != nil {
		return &usageError{err}
	}
	if o.permissive && o.format == "" {
		return usagef("--permissive applies to a conversion; give --format")
	}
	if o.algorithm != "" {
		if opts.Algorithm, err = algorithmFlag(o.algorithm); err != nil {
			return err
		}
	}
	if o.ignoreReferrers && o.algorithm == "" {
		return usagef("--ignore-referrers applies to a rewrite in another algorithm; give --algorithm")
	}
	opts.IgnoreReferrers, opts.Referrers = o.ignoreReferrers, o.referrers
	srcRef, err := copyRef(srcArg, false)
	if err != nil {
		return err
	}
	dstRef, err := copyRef(dstArg, true)
	if err != nil {
		return err
	}
	if o.format != "" {
		if opts.Format, err = a.format(o.format); err != nil {
			return err
		}
	}
	err = a.copySteps(opts, srcRef, dstRef, srcArg, dstArg)
	if !o.permissive && o.format != "" {
		err = withPermissiveHint(err)
	}
	return err
}

// copyRef reads a copy argument: a reference of any transport, or a
// path; a DST path that does not exist is a new OCI image layout.
func copyRef(arg string, dst bool) (transport.Reference, error) {
	ref, err := transport.Parse(arg, parseDocker)
	if err != nil {
		return nil, &usageError{err}
	}
	if p, ok := ref.(transport.PathReference); ok && dst {
		if _, err := os.Stat(p.Path); errors.Is(err, os.ErrNotExist) {
			return transport.LayoutReference{Kind: layout.OCI, Path: p.Path}, nil
		}
	}
	return ref, nil
}

func (a *app) copySteps(opts *transport.CopyOptions, srcRef, dstRef transport.Reference, srcArg, dstArg string) error {
	topts := &transport.Options{Registry: a.registry()}
	opts.Registry = a.registry()
	var err error
	if srcRef, err = a.bindRef(srcRef); err != nil {
		return err
	}
	if dstRef, err = a.bindRef(dstRef); err != nil {
		return err
	}
	src, err := srcRef.NewSource(a.ctx, topts)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := dstRef.NewDestination(a.ctx, topts)
	if err != nil {
		return err
	}
	defer dst.Close()
	bar := a.bar(-1, "copying")
	opts.Progress = func(p transport.Progress) { bar.Add(p.Delta) }
	res, err := transport.Copy(a.ctx, dst, src, opts)
	bar.Finish()
	if err != nil {
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	if note := res.Note(); note != "" {
		a.warn(errors.New(note))
	}
	out := copyResult{Source: srcArg, Destination: dstArg, Images: []copiedImage{}, Blobs: res.Blobs, Linked: res.Linked, Skipped: res.Skipped}
	var names []string
	for _, img := range res.Images {
		out.Images = append(out.Images, copied(img.Descriptor, img.Names))
		names = append(names, fmt.Sprintf("%s%s", img.Descriptor.Digest, tagNote(strings.Join(img.Names, ","))))
	}
	for _, m := range res.Missing {
		out.Missing = append(out.Missing, copied(m.Manifest, nil))
	}
	a.note("copied %s to %s: %d image%s (%s), %d blob%s written (%d linked), %d present", srcArg, dstArg,
		len(res.Images), plural(len(res.Images)), strings.Join(names, "; "), res.Blobs, plural(res.Blobs), res.Linked, res.Skipped)
	return a.result(out)
}
