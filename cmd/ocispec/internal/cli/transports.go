package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/orasbridge"
	"github.com/concil-go/ocispec/transport"
)

// Where images live, beyond the layout folders the commands knew first:
// archive references (oci-archive:PATH[:TAG], docker-archive:PATH[:NAME:TAG]
// or :@N) and archive files named by their path open through package
// transport; any other "word:" prefix is a usage error naming the
// transports there are.

// transportArg reads an argument that starts with a transport prefix
// other than oci: and dir: (which the layout code reads): an archive
// reference, or a usage error for a prefix that is no transport. ok is
// false for everything else.
func transportArg(arg string) (ref transport.Reference, ok bool, err error) {
	name, _, found := strings.Cut(arg, ":")
	if !found || name == "oci" || name == "dir" || !isWord(name) {
		return nil, false, nil
	}
	ref, err = transport.Parse(arg, parseDocker)
	if err != nil {
		return nil, false, &usageError{err}
	}
	return ref, true, nil
}

// isWord reports whether s is a transport-like word (two or more
// letters, so that a Windows drive is a path).
func isWord(s string) bool {
	if len(s) < 2 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.') {
			return false
		}
	}
	return true
}

// archivePath is the file an archive reference names.
func archivePath(ref transport.Reference) string {
	switch r := ref.(type) {
	case transport.OCIArchiveReference:
		return r.Path
	case transport.DockerArchiveReference:
		return r.Path
	case transport.PathReference:
		return r.Path
	}
	return ""
}

// isArchiveFile reports whether the regular file at path is a tar
// archive (plain, gzip or zstd) rather than a JSON document.
func isArchiveFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch c, err := archive.DetectCompression(head); {
	case err != nil:
		return true // xz or bzip2: an archive, which reading refuses clearly
	case c != core.Uncompressed:
		return true
	}
	// A tar header: "ustar" at offset 257 (POSIX and GNU alike).
	return n == 512 && bytes.HasPrefix(head[257:], []byte("ustar"))
}

// openSource opens a source argument through package transport: an
// archive, or a layout folder (for the commands that take every
// transport).
func (a *app) openSource(s source) (transport.Source, error) {
	ref := s.ref
	if ref == nil {
		kind := s.kind
		if kind == 0 {
			k, err := layout.Detect(s.path)
			if err != nil {
				return nil, err
			}
			kind = k
		}
		ref = transport.LayoutReference{Kind: kind, Path: s.path, Selector: layout.Selector{Tag: s.sel.Tag, Digest: s.sel.Digest}}
	}
	ref, err := a.bindRef(ref)
	if err != nil {
		return nil, err
	}
	return ref.NewSource(a.ctx, &transport.Options{Registry: a.registry()})
}

// transportName is what the command calls a source's place: "oci",
// "dir", "oci-archive", "docker-archive".
func transportName(ref transport.Reference) string {
	if t := ref.Transport(); t != nil {
		return t.Name()
	}
	return "archive"
}

// inspectTransport is inspect of an archive.
func (a *app) inspectTransport(s source, platform *core.Platform, tag string) (*inspectResult, error) {
	if tag != "" {
		return nil, usagef("--tag applies to a layout folder; name the image in the reference (oci-archive:PATH:TAG, docker-archive:PATH:NAME:TAG)")
	}
	src, err := a.openSource(s)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	m, err := transport.ReadManifest(a.ctx, src, platform, &transport.CopyOptions{Registry: a.registry()})
	if err != nil {
		return nil, err
	}
	r := manifestResult(m.Manifest, m.Format, m.Descriptor, m.Bytes)
	r.Layout = transportName(src.Reference())
	if len(m.Image.Names) > 0 {
		r.Tag = m.Image.Names[0]
	}
	r.Index = infoPtr(m.Format, m.Index)
	if p, ok := core.ConfigPlatform(m.Config); ok {
		r.Platform = p.String()
	} else if m.Descriptor.Platform != nil {
		r.Platform = m.Descriptor.Platform.String()
	}
	return r, nil
}

// verifyTransport is verify of an archive: every image it holds.
func (a *app) verifyTransport(s source, progress func(done, total int64)) error {
	src, err := a.openSource(s)
	if err != nil {
		return err
	}
	defer src.Close()
	return transport.Verify(a.ctx, src, &transport.VerifyOptions{Registry: a.registry(), Progress: progress, Layers: true})
}

// archiveOutput is an output that is an archive: the image is written
// to a layout in the workspace, then copied into the archive, which is
// written under a temporary name and renamed into place.
// A docker:// output is written the same way, the image pushed at
// commit.
func isArchiveOutput(arg string) bool {
	return strings.HasPrefix(arg, "oci-archive:") || strings.HasPrefix(arg, "docker-archive:") || strings.HasPrefix(arg, "docker:")
}

// archiveOutputRef checks an archive output argument against the
// flags, and returns the tag it names for the layout it is written from.
func archiveOutputRef(arg string, layoutFlag *enumFlag, tag *string) error {
	ref, err := transport.Parse(arg, parseDocker)
	if err != nil {
		return &usageError{err}
	}
	if layoutFlag.value != "" {
		return usagef("%s is an archive; --layout applies to folders", arg)
	}
	var named string
	switch r := ref.(type) {
	case transport.OCIArchiveReference:
		if r.Selector.Digest != "" {
			return usagef("%s: an output is named by a tag, not a digest", arg)
		}
		named = r.Selector.Tag
	case transport.DockerArchiveReference:
		if r.Index >= 0 {
			return usagef("%s: an output is named by NAME:TAG, not a position", arg)
		}
		named = r.Name
	case orasbridge.DockerReference:
		if r.Digest != "" {
			return usagef("%s: an output is named by a tag, not a digest", arg)
		}
		named = r.Tag
	}
	if named != "" {
		if *tag != "" && *tag != named {
			return usagef("%s names %s and --tag says %s", arg, named, *tag)
		}
		*tag = named
	}
	return nil
}

// prepareArchiveOutput prepares an archive output: its layout is made
// in a workspace beside the archive.
func prepareArchiveOutput(arg string) (*output, error) {
	ref, err := transport.Parse(arg, parseDocker)
	if err != nil {
		return nil, &usageError{err}
	}
	if isRegistry(ref) {
		// Pushed at commit from a layout written in a workspace of its own.
		ws, err := os.MkdirTemp("", "ocispec-push-")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOutput, err)
		}
		return &output{final: ref.String(), workspace: ws, dir: filepath.Join(ws, "image"), kind: layout.OCI, archive: ref, unlock: func() {}}, nil
	}
	path := archivePath(ref)
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is a folder; an archive is a file", ErrOutput, path)
	}
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOutput, err)
	}
	ws, err := os.MkdirTemp(parent, "."+filepath.Base(path)+".ocispec-tmp-")
	if err != nil {
		return nil, fmt.Errorf("%w: a new folder cannot be made beside %s: %w", ErrOutput, path, err)
	}
	return &output{final: path, workspace: ws, dir: filepath.Join(ws, "image"), kind: layout.OCI, archive: ref, unlock: func() {}}, nil
}

// commitArchive copies the layout written in the workspace into the
// archive, every image with its names.
func (o *output) commitArchive(ctx context.Context, reg *core.Registry) error {
	opts := &transport.Options{Registry: reg}
	src, err := transport.LayoutReference{Kind: o.kind, Path: o.dir}.NewSource(ctx, opts)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := o.archive.NewDestination(ctx, opts)
	if err != nil {
		return err
	}
	defer dst.Close()
	res, err := transport.Copy(ctx, dst, src, &transport.CopyOptions{All: true, Registry: reg})
	if err != nil {
		return err
	}
	o.images = res.Images
	return nil
}

// committed returns what the output's image became: for an archive,
// what the archive holds (docker-archive stores layers as tars, so its
// manifest may be new); for a layout, desc.
func (o *output) committedDescriptor(desc core.Descriptor) core.Descriptor {
	if o.archive != nil && len(o.images) == 1 {
		d := o.images[0].Descriptor
		if len(o.images[0].Names) > 0 {
			d.Annotations = map[string]string{layout.AnnotationRefName: o.images[0].Names[0]}
		}
		return d
	}
	return desc
}

// layoutString names the output's kind in results: the layout's, or the
// archive's transport.
func (o *output) layoutString() string {
	if o.archive != nil {
		return transportName(o.archive)
	}
	return o.kind.String()
}

// name says what the output is, for people.
func (o *output) name() string {
	if o.archive != nil {
		if isRegistry(o.archive) {
			return "a registry"
		}
		if transportName(o.archive) == "docker-archive" {
			return "a docker-archive"
		}
		return "an " + transportName(o.archive)
	}
	return layoutName(o.kind)
}

// convertTransport converts the image of a layout or an archive into
// the output (which may be the source's folder, converted in place).
func (a *app) convertTransport(req *convertRequest, s source, to core.Format) error {
	src, err := a.openSource(s)
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := openOutput(req.dst, req.want, to, req.tag)
	if err != nil {
		return err
	}
	defer out.abort()
	if out.archive, err = a.bindRef(out.archive); err != nil {
		return err
	}
	opts := &transport.Options{Registry: a.registry()}
	dst, err := transport.LayoutReference{Kind: out.kind, Path: out.dir}.NewDestination(a.ctx, opts)
	if err != nil {
		return err
	}
	defer dst.Close()
	var names []string
	if req.tag != "" {
		names = []string{req.tag}
	} else if out.kind == layout.OCI && out.archive == nil {
		if imgs, err := src.Resolve(a.ctx); err == nil && len(imgs) > 0 && len(imgs[0].Names) == 0 {
			names = []string{DefaultTag} // what pack gives an untagged image
		}
	}
	bar := a.bar(-1, "converting")
	defer bar.Finish()
	res, err := transport.Copy(a.ctx, dst, src, &transport.CopyOptions{
		AllPlatforms: req.platform == nil, Platform: req.platform, Format: to, Encoding: req.encoding,
		Permissive: req.permissive, Names: names, Registry: a.registry(), Referrers: req.referrers,
		Progress: func(p transport.Progress) { bar.Add(p.Delta) },
	})
	if err != nil {
		return err
	}
	if note := res.Note(); note != "" {
		a.warn(errors.New(note))
	}
	if err := dst.Close(); err != nil {
		return err
	}
	if err := out.commit(a.ctx, a.registry()); err != nil {
		return err
	}
	desc := res.Images[0].Descriptor
	if len(res.Images[0].Names) > 0 {
		desc.Annotations = map[string]string{layout.AnnotationRefName: res.Images[0].Names[0]}
	}
	return a.converted(req.dst, out, to, out.committedDescriptor(desc))
}
