package transport

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// OCIArchive is the oci-archive transport: a tar of an OCI image layout
// (oci-archive:PATH[:TAG], and :@DIGEST or :TAG@DIGEST), as skopeo,
// podman save --format oci-archive and buildctl --output type=oci write
// it. It reads the archive in place (or in one pass when compressed)
// and writes a reproducible tar renamed into place.
var OCIArchive Transport = ociArchiveTransport{}

type ociArchiveTransport struct{}

func (ociArchiveTransport) Name() string { return "oci-archive" }

func (ociArchiveTransport) ParseReference(rest string) (Reference, error) {
	path, sel, err := parseTagged("oci-archive", rest)
	if err != nil {
		return nil, err
	}
	ref := OCIArchiveReference{Path: path}
	if sel != "" {
		if ref.Selector, err = layout.ParseSelector(sel); err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrInvalidReference, "oci-archive:"+rest, err)
		}
	}
	return ref, nil
}

// OCIArchiveReference is an oci-archive: reference: an archive file and
// a tag and/or digest.
type OCIArchiveReference struct {
	Path     string
	Selector layout.Selector
}

func (r OCIArchiveReference) Transport() Transport { return OCIArchive }

func (r OCIArchiveReference) String() string {
	s := "oci-archive:" + r.Path
	if sel := r.Selection(); sel != "" {
		s += ":" + sel
	}
	return s
}

func (r OCIArchiveReference) Selection() string {
	return layout.Selector{Tag: r.Selector.Tag, Digest: r.Selector.Digest}.String()
}

// NewSource opens the archive; it must hold an OCI image layout (a
// Docker 25 archive does: it is both).
func (r OCIArchiveReference) NewSource(ctx context.Context, opts *Options) (Source, error) {
	o := opts.orZero()
	af, err := openArchiveFile(ctx, r.Path, o)
	if err != nil {
		return nil, err
	}
	return &ociArchiveSource{ref: r, af: af, opts: o}, nil
}

type ociArchiveSource struct {
	ref  OCIArchiveReference
	af   *archiveFile
	opts *Options
}

func (s *ociArchiveSource) Reference() Reference { return s.ref }
func (s *ociArchiveSource) spoolIn(dir string)   { s.af.spoolIn(dir) }
func (s *ociArchiveSource) Close() error         { return s.af.close() }

// top reads the archive's index.json (once).
func (s *ociArchiveSource) top(ctx context.Context) ([]Image, error) {
	if err := s.af.ready(ctx); err != nil {
		return nil, err
	}
	if k := s.af.layout.Kind; k != archive.LayoutOCI && k != archive.LayoutDockerOCI {
		return nil, fmt.Errorf("transport: %s: %w: it is a %s archive, without oci-layout and index.json (read it as docker-archive:%s)", s.ref, archive.ErrUnknownLayout, k, s.ref.Path)
	}
	b, err := s.af.readFile(ctx, "oci-layout", 64<<10)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", s.ref, err)
	}
	if !strings.Contains(string(b), `"`+layout.ImageLayoutVersion+`"`) {
		return nil, fmt.Errorf("transport: %s: oci-layout: %w: %q", s.ref, layout.ErrUnsupportedVersion, truncate(string(b), 64))
	}
	raw, err := s.af.readFile(ctx, "index.json", layout.DefaultMaxIndexSize)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", s.ref, err)
	}
	ix, err := decodeIndexJSON(ctx, s.opts.Registry.Algorithms(), raw)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: index.json: %w", s.ref, err)
	}
	var out []Image
	for _, d := range ix.Manifests {
		img := Image{Descriptor: d}
		if tag := d.Annotations[layout.AnnotationRefName]; tag != "" {
			img.Names = []string{tag}
		}
		out = append(out, img)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (s *ociArchiveSource) Images(ctx context.Context) ([]Image, error) { return s.top(ctx) }

func (s *ociArchiveSource) Resolve(ctx context.Context) ([]Image, error) {
	all, err := s.top(ctx)
	if err != nil {
		return nil, err
	}
	return selectImages(s.ref, all, s.ref.Selector)
}

// selectImages keeps the top-level images of an OCI layout a selector
// names (a tag: every entry of it; a digest: that entry), or the only
// image.
func selectImages(ref Reference, all []Image, sel layout.Selector) ([]Image, error) {
	var out []Image
	for _, img := range all {
		if sel.Tag != "" && (len(img.Names) == 0 || img.Names[0] != sel.Tag) {
			continue
		}
		if sel.Digest != "" && img.Descriptor.Digest != sel.Digest {
			continue
		}
		out = append(out, img)
	}
	if err := oneImage(ref, out, sel.Tag != "" || sel.Digest != ""); err != nil {
		if len(out) == 0 && len(all) > 0 {
			return nil, fmt.Errorf("%w (it has %s)", err, describeImages(all))
		}
		return nil, err
	}
	return out, nil
}

func (s *ociArchiveSource) Fetch(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	name, err := blobName(s.opts.Registry.Algorithms(), d.Digest)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", s.ref, err)
	}
	r, err := s.af.open(ctx, name, d)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", s.ref, err)
	}
	return r, nil
}

func (s *ociArchiveSource) fetchRaw(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	name, err := blobName(s.opts.Registry.Algorithms(), d.Digest)
	if err != nil {
		return nil, err
	}
	r, _, err := s.af.openRaw(ctx, name)
	return r, err
}

func (s *ociArchiveSource) openFile(ctx context.Context, d core.Descriptor) (*os.File, bool, error) {
	name, err := blobName(s.opts.Registry.Algorithms(), d.Digest)
	if err != nil {
		return nil, false, err
	}
	return s.af.file(ctx, name, d)
}

// decodeIndexJSON reads index.json: an OCI image index whose media type
// may be absent, whatever the formats of the manifests it lists.
func decodeIndexJSON(ctx context.Context, algs *core.Algorithms, raw []byte) (core.Index, error) {
	reg := core.NewRegistry(algs)
	reg.MustRegisterFormat(core.NewFormat(core.FormatSpec{
		Description: core.Description{
			Name:              "oci-layout-index",
			ManifestMediaType: oci.MediaTypeManifest,
			IndexMediaType:    oci.MediaTypeIndex,
			MediaTypeOptional: true,
			ArtifactFields:    true,
		},
		Algorithms: algs,
	}))
	ix, _, err := reg.DecodeIndex(ctx, raw, core.WithMaxSize(layout.DefaultMaxIndexSize))
	return ix, err
}

// NewDestination prepares a new archive at the reference's path: blobs
// are kept in a workspace beside it (an OCI layout, into which blobs of
// a folder on the same file system are linked, not copied), and each
// Commit writes the whole archive, reproducibly (entries sorted, times
// and owners fixed), under a temporary name renamed into place. An
// existing file at the path is replaced at the first Commit.
func (r OCIArchiveReference) NewDestination(ctx context.Context, opts *Options) (Destination, error) {
	if r.Selector.Digest != "" {
		return nil, fmt.Errorf("%w: %s: a destination is named by a tag, not a digest", ErrInvalidReference, r)
	}
	ws, err := newArchiveWorkspace(r, r.Path, opts.orZero())
	if err != nil {
		return nil, err
	}
	return &ociArchiveDest{archiveWorkspace: ws}, nil
}

type ociArchiveDest struct{ *archiveWorkspace }

func (d *ociArchiveDest) Commit(ctx context.Context, images []Image) ([]Image, error) {
	out, err := d.inner.Commit(ctx, images)
	if err != nil {
		return nil, err
	}
	d.committed = append(d.committed, out...)
	return out, d.write(ctx, nil)
}

// archiveWorkspace is what the archive destinations share: an OCI
// layout in a folder beside the archive, holding what was pushed, and
// the writing of the archive from it.
type archiveWorkspace struct {
	ref       Reference
	path      string // the archive
	dir       string // the workspace
	inner     *layoutDest
	opts      *Options
	committed []Image
}

func newArchiveWorkspace(ref Reference, path string, o *Options) (*archiveWorkspace, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("transport: %s: %s is a folder; an archive is a file", ref, path)
	}
	base := path
	if o.TempDir != "" {
		base = filepath.Join(o.TempDir, filepath.Base(path))
	}
	dir, err := tempSibling(base)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", ref, err)
	}
	l, err := layout.Create(dir, layout.OCI, layout.WithRegistry(o.Registry), layout.WithMaxDocumentSize(o.MaxDocumentSize))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("transport: %s: %w", ref, err)
	}
	inner := &layoutDest{ref: LayoutReference{Kind: layout.OCI, Path: dir}, final: dir, reg: o.Registry, maxDoc: o.MaxDocumentSize, l: l, docs: map[digest.Digest][]byte{}}
	return &archiveWorkspace{ref: ref, path: path, dir: dir, inner: inner, opts: o}, nil
}

func (w *archiveWorkspace) Reference() Reference { return w.ref }
func (w *archiveWorkspace) tempDir() string      { return w.dir }

func (w *archiveWorkspace) Exists(ctx context.Context, d core.Descriptor) (bool, error) {
	return w.inner.Exists(ctx, d)
}

func (w *archiveWorkspace) Push(ctx context.Context, d core.Descriptor, r io.Reader) error {
	return w.inner.Push(ctx, d, r)
}

func (w *archiveWorkspace) putFile(ctx context.Context, d core.Descriptor, f *os.File, verified bool) (layout.Placement, error) {
	return w.inner.putFile(ctx, d, f, verified)
}

// write writes the archive: the workspace's oci-layout, index.json and
// blobs, and extra files (docker-archive's manifest.json and
// repositories).
func (w *archiveWorkspace) write(ctx context.Context, extra map[string]archive.Source) error {
	files := map[string]archive.Source{}
	err := filepath.WalkDir(w.dir, func(p string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case de.IsDir() && strings.HasPrefix(de.Name(), ".") && rel != ".":
			return filepath.SkipDir
		case de.IsDir(), strings.HasPrefix(de.Name(), "."):
			return nil
		case rel == "oci-layout" || rel == "index.json" || strings.HasPrefix(rel, "blobs/"):
			files[rel] = archive.FromFile(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("transport: %s: %w", w.ref, err)
	}
	for name, src := range extra {
		files[name] = src
	}
	if err := archive.WriteFile(ctx, w.path, files, nil); err != nil {
		return fmt.Errorf("transport: %s: %w", w.ref, err)
	}
	return nil
}

func (w *archiveWorkspace) Close() error {
	err := w.inner.Close()
	os.RemoveAll(w.dir)
	return err
}

// tempSibling makes a new folder beside path, named after it (an
// archive's: no layout is swept there).
func tempSibling(path string) (string, error) {
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, "."+filepath.Base(path)+layout.BesidePrefix)
}
