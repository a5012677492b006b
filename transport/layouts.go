package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/internal/atomicfile"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// The layout transports: an OCI image layout folder (oci:PATH[:TAG],
// and oci:PATH:@DIGEST or oci:PATH:TAG@DIGEST) and containers/image's
// dir: folder (dir:PATH), read and written by package layout.
var (
	OCI Transport = layoutTransport{layout.OCI}
	Dir Transport = layoutTransport{layout.Dir}
)

type layoutTransport struct{ kind layout.Kind }

func (t layoutTransport) Name() string { return t.kind.String() }

func (t layoutTransport) ParseReference(rest string) (Reference, error) {
	ref := LayoutReference{Kind: t.kind, Path: rest}
	if t.kind == layout.OCI {
		path, sel, err := parseTagged("oci", rest)
		if err != nil {
			return nil, err
		}
		ref.Path = path
		if sel != "" {
			s, err := layout.ParseSelector(sel)
			if err != nil {
				return nil, fmt.Errorf("%w: %q: %w", ErrInvalidReference, "oci:"+rest, err)
			}
			ref.Selector = s
		}
	}
	if ref.Path == "" {
		return nil, fmt.Errorf("%w: %q: empty path", ErrInvalidReference, t.Name()+":"+rest)
	}
	return ref, nil
}

// LayoutReference is an oci: or dir: reference: a folder and, in an OCI
// layout, a tag and/or digest (Selector's platform is not part of a
// reference and is ignored).
type LayoutReference struct {
	Kind     layout.Kind
	Path     string
	Selector layout.Selector
}

func (r LayoutReference) Transport() Transport { return layoutTransport{r.Kind} }

func (r LayoutReference) String() string {
	s := r.Kind.String() + ":" + r.Path
	if sel := r.Selection(); sel != "" {
		s += ":" + sel
	}
	return s
}

func (r LayoutReference) Selection() string {
	return layout.Selector{Tag: r.Selector.Tag, Digest: r.Selector.Digest}.String()
}

func (r LayoutReference) layoutOptions(o *Options) []layout.Option {
	return []layout.Option{layout.WithRegistry(o.Registry), layout.WithMaxDocumentSize(o.MaxDocumentSize)}
}

// NewSource opens the layout, which must be of the reference's kind.
func (r LayoutReference) NewSource(ctx context.Context, opts *Options) (Source, error) {
	o := opts.orZero()
	l, err := layout.Open(r.Path, r.layoutOptions(o)...)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", r, err)
	}
	if l.Kind() != r.Kind {
		l.Close()
		return nil, fmt.Errorf("transport: %s: %w: it is a %s: layout (write %s:%s)", r, layout.ErrNotLayout, l.Kind(), l.Kind(), r.Path)
	}
	return &layoutSource{ref: r, l: l, reg: o.Registry}, nil
}

type layoutSource struct {
	ref LayoutReference
	l   *layout.Layout
	reg *core.Registry
}

func (s *layoutSource) Reference() Reference { return s.ref }

func (s *layoutSource) Images(ctx context.Context) ([]Image, error) {
	entries, err := s.l.Top(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Image, 0, len(entries))
	for _, e := range entries {
		out = append(out, entryImage(e))
	}
	return out, nil
}

func entryImage(e layout.Entry) Image {
	img := Image{Descriptor: e.Descriptor}
	if e.Tag != "" {
		img.Names = []string{e.Tag}
	}
	return img
}

func (s *layoutSource) Resolve(ctx context.Context) ([]Image, error) {
	sel := s.ref.Selector
	sel.Platform = nil
	if sel.Digest != "" {
		e, err := s.l.Find(ctx, sel)
		if err != nil {
			return nil, err
		}
		return []Image{entryImage(e)}, nil
	}
	entries, err := s.l.Top(ctx)
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, e := range entries {
		if sel.Tag == "" || e.Tag == sel.Tag {
			out = append(out, entryImage(e))
		}
	}
	if err := oneImage(s.ref, out, sel.Tag != ""); err != nil {
		return nil, err
	}
	return out, nil
}

// oneImage checks that the images a reference resolved to are one
// image: entries of one name (one per platform), or the only image.
func oneImage(ref Reference, imgs []Image, named bool) error {
	if len(imgs) == 0 {
		if named {
			return fmt.Errorf("%w: %s: no image named %q", core.ErrNotFound, ref, ref.Selection())
		}
		return fmt.Errorf("%w: %s holds no image", core.ErrNotFound, ref)
	}
	names := map[string]bool{}
	for _, img := range imgs {
		names[strings.Join(img.Names, ",")] = true
	}
	if len(names) > 1 {
		return fmt.Errorf("%w: %s holds %d images; name one: %s", ErrAmbiguous, ref, len(names), describeImages(imgs))
	}
	return nil
}

func describeImages(imgs []Image) string {
	var parts []string
	for _, img := range imgs {
		parts = append(parts, img.String())
	}
	return strings.Join(parts, ", ")
}

func (s *layoutSource) Fetch(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	if s.l.Kind() == layout.Dir && isDocument(s.reg, d.MediaType) {
		b, err := s.l.ReadDocument(ctx, d)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	return s.l.OpenBlob(ctx, d)
}

// openFile is the capability Copy uses to link blobs: the blob's file,
// unverified.
func (s *layoutSource) openFile(ctx context.Context, d core.Descriptor) (*os.File, bool, error) {
	if d.Data != nil || isDocument(s.reg, d.MediaType) {
		return nil, false, errNoFile
	}
	f, err := s.l.OpenBlobFile(ctx, d)
	return f, false, err
}

func (s *layoutSource) Close() error { return s.l.Close() }

// Referrers lists subject's referrers in an OCI layout ([layout.Layout.Referrers]);
// a dir: layout holds none.
func (s *layoutSource) Referrers(ctx context.Context, subject core.Descriptor) ([]Image, error) {
	if s.l.Kind() != layout.OCI {
		return nil, nil
	}
	rs, err := s.l.Referrers(ctx, subject.Digest, "")
	if err != nil {
		return nil, err
	}
	out := make([]Image, 0, len(rs))
	for _, r := range rs {
		img := Image{Descriptor: r.Descriptor}
		if r.Tag != "" {
			img.Names = []string{r.Tag}
		}
		out = append(out, img)
	}
	return out, nil
}

// NewDestination opens the layout for writing. An existing layout (of
// the reference's kind) is written in place, where every file is
// written atomically and index.json or manifest.json last. A new one
// (a path that does not exist, or an empty folder) is written in a
// temporary folder beside it, renamed into place by the first Commit:
// until then nothing is under the reference's name. A symbolic link is
// followed.
func (r LayoutReference) NewDestination(ctx context.Context, opts *Options) (Destination, error) {
	o := opts.orZero()
	if r.Selector.Digest != "" {
		return nil, fmt.Errorf("%w: %s: a destination is named by a tag, not a digest", ErrInvalidReference, r)
	}
	path := r.Path
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	d := &layoutDest{ref: r, final: path, reg: o.Registry, maxDoc: o.MaxDocumentSize, docs: map[digest.Digest][]byte{}}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("transport: %s: %w", r, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("transport: %s: %s exists and is not a folder", r, path)
	default:
		empty, err := atomicfile.IsEmptyDir(path)
		if err != nil {
			return nil, fmt.Errorf("transport: %s: %w", r, err)
		}
		if !empty {
			l, err := layout.Create(path, r.Kind, r.layoutOptions(o)...)
			if err != nil {
				return nil, fmt.Errorf("transport: %s: %w", r, err)
			}
			d.l = l
			return d, nil
		}
		d.replaceEmpty = true
	}
	if err := d.makeWorkspace(path); err != nil {
		return nil, fmt.Errorf("transport: %s: %w", r, err)
	}
	l, err := layout.Create(d.workspace, r.Kind, r.layoutOptions(o)...)
	if err != nil {
		d.dropWorkspace()
		return nil, fmt.Errorf("transport: %s: %w", r, err)
	}
	d.l = l
	return d, nil
}

// makeWorkspace makes a new folder beside path, named after it and
// owned until dropWorkspace (so that a sweep of the layout at path
// leaves it alone); the new layout is built in its "image" folder.
func (d *layoutDest) makeWorkspace(path string) error {
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	outer, unlock, err := layout.MakeWorkspace(parent, "."+filepath.Base(path)+layout.BesidePrefix)
	if err != nil {
		return err
	}
	d.outer, d.unlockOuter, d.workspace = outer, unlock, filepath.Join(outer, "image")
	return nil
}

// dropWorkspace removes the workspace and what is left in it.
func (d *layoutDest) dropWorkspace() {
	os.RemoveAll(d.outer)
	d.unlockOuter()
	d.workspace, d.outer = "", ""
}

type layoutDest struct {
	ref    LayoutReference
	final  string // the folder named by the reference (links followed)
	reg    *core.Registry
	maxDoc int64

	mu           sync.Mutex
	l            *layout.Layout
	workspace    string // a new layout's folder until it is renamed to final
	outer        string // the folder workspace is in, beside final
	unlockOuter  func()
	replaceEmpty bool // final is an empty folder the new layout replaces
	docs         map[digest.Digest][]byte
}

func (d *layoutDest) Reference() Reference { return d.ref }

func (d *layoutDest) layout() *layout.Layout {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.l
}

// tempDir is where a compressed source spools the blobs it will give:
// on the layout's file system, so that they are linked into place: in
// an existing layout's folder, or beside a new one (whose folder is
// renamed at Commit, before the source removes its spool).
func (d *layoutDest) tempDir() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.workspace != "" {
		return filepath.Dir(d.outer)
	}
	return d.l.Path()
}

func (d *layoutDest) Exists(ctx context.Context, desc core.Descriptor) (bool, error) {
	if isDocument(d.reg, desc.MediaType) {
		d.mu.Lock()
		_, ok := d.docs[desc.Digest]
		d.mu.Unlock()
		return ok, nil
	}
	return d.layout().HasBlob(ctx, desc, false)
}

func (d *layoutDest) Push(ctx context.Context, desc core.Descriptor, r io.Reader) error {
	if isDocument(d.reg, desc.MediaType) {
		b, err := readDocument(d.reg.Algorithms(), r, desc, d.maxDoc)
		if err != nil {
			return fmt.Errorf("transport: %s: %w", d.ref, err)
		}
		d.mu.Lock()
		d.docs[desc.Digest] = b
		d.mu.Unlock()
		return nil
	}
	return d.layout().PutBlob(ctx, desc, layout.FromReader(r), nil)
}

// putFile is the capability Copy uses to link blobs into place.
func (d *layoutDest) putFile(ctx context.Context, desc core.Descriptor, f *os.File, verified bool) (layout.Placement, error) {
	return d.layout().PutBlobFile(ctx, desc, f, &layout.FileOptions{Verified: verified})
}

func (d *layoutDest) Commit(ctx context.Context, images []Image) ([]Image, error) {
	l := d.layout()
	if l.Kind() == layout.Dir && len(images) > 1 {
		return nil, fmt.Errorf("%w: %s holds one image, and %d were given", ErrUnsupported, d.ref, len(images))
	}
	var out []Image
	for _, img := range images {
		top, docs, err := d.documents(ctx, img.Descriptor)
		if err != nil {
			return nil, err
		}
		names := img.Names
		if l.Kind() == layout.Dir {
			names = nil
		}
		if len(names) == 0 {
			names = []string{""}
		}
		committed := Image{}
		for _, name := range names {
			desc, err := l.WriteDocuments(ctx, top, docs, &layout.WriteOptions{Tag: name, Platform: img.Descriptor.Platform})
			if err != nil {
				return nil, fmt.Errorf("transport: %s: %w", d.ref, err)
			}
			committed.Descriptor = desc
			if name != "" {
				committed.Names = append(committed.Names, name)
			}
		}
		committed.Descriptor.Annotations = nil
		if committed.Descriptor.Platform == nil {
			committed.Descriptor.Platform = img.Descriptor.Platform
		}
		out = append(out, committed)
	}
	if err := d.publish(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// documents returns the pushed document desc describes and the
// documents below it (an index's manifests, theirs), each once.
func (d *layoutDest) documents(ctx context.Context, desc core.Descriptor) (layout.Document, []layout.Document, error) {
	var docs []layout.Document
	seen := map[digest.Digest]bool{}
	var walk func(core.Descriptor, int) (layout.Document, error)
	walk = func(desc core.Descriptor, depth int) (layout.Document, error) {
		d.mu.Lock()
		b, ok := d.docs[desc.Digest]
		d.mu.Unlock()
		if !ok {
			var err error
			if b, err = d.layout().ReadDocument(ctx, desc); err != nil {
				return layout.Document{}, fmt.Errorf("transport: %s: %s was not pushed: %w", d.ref, desc.Digest, err)
			}
		}
		doc := layout.Document{Descriptor: desc, Bytes: b}
		dec, err := d.reg.Decode(ctx, b, core.WithMaxSize(d.maxDoc))
		if err != nil || dec.Index == nil {
			return doc, nil // WriteDocuments says what is wrong
		}
		if depth >= maxDepth {
			return doc, fmt.Errorf("transport: %s: %w: indexes nest deeper than %d", d.ref, core.ErrInvalidDocument, maxDepth)
		}
		for _, c := range dec.Index.Manifests {
			if seen[c.Digest] || !isDocument(d.reg, c.MediaType) {
				continue
			}
			seen[c.Digest] = true
			cd, err := walk(c, depth+1)
			if err != nil {
				if errors.Is(err, core.ErrNotFound) {
					continue // a partial index, as the source had it
				}
				return doc, err
			}
			docs = append(docs, cd)
		}
		return doc, nil
	}
	top, err := walk(desc, 0)
	return top, docs, err
}

// publish renames a new layout into place after its first commit. When
// another writer created the folder meanwhile, the images go into that
// layout instead, blob by blob (linked).
func (d *layoutDest) publish(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.workspace == "" {
		return nil
	}
	if err := d.l.Close(); err != nil {
		return err
	}
	if d.replaceEmpty {
		os.Remove(d.final) // fails, harmlessly, if it is no longer empty
	}
	err := os.Rename(d.workspace, d.final)
	if err == nil {
		syncDir(filepath.Dir(d.final))
		d.dropWorkspace()
		l, err := layout.Open(d.final, layout.WithRegistry(d.reg), layout.WithMaxDocumentSize(d.maxDoc))
		d.l = l
		return err
	}
	// final exists now, not empty: merge into it.
	l, err := layout.Create(d.final, d.ref.Kind, layout.WithRegistry(d.reg), layout.WithMaxDocumentSize(d.maxDoc))
	if err != nil {
		return fmt.Errorf("transport: %s: %w", d.ref, err)
	}
	ws, err := layout.Open(d.workspace, layout.WithRegistry(d.reg), layout.WithMaxDocumentSize(d.maxDoc))
	if err != nil {
		l.Close()
		return err
	}
	defer ws.Close()
	if err := mergeLayout(ctx, l, ws, d.reg, d.maxDoc); err != nil {
		l.Close()
		return fmt.Errorf("transport: %s: %w", d.ref, err)
	}
	d.dropWorkspace()
	d.l = l
	return nil
}

func syncDir(path string) {
	if f, err := os.Open(path); err == nil {
		f.Sync()
		f.Close()
	}
}

func (d *layoutDest) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.l.Close()
	if d.workspace != "" {
		d.dropWorkspace()
	}
	return err
}

// readDocument reads a document of at most max bytes from r and checks
// it against d.
func readDocument(algs *core.Algorithms, r io.Reader, d core.Descriptor, max int64) ([]byte, error) {
	if d.Size > max {
		return nil, fmt.Errorf("%s: %w: %d bytes, limit %d", d.Digest, core.ErrTooLarge, d.Size, max)
	}
	b, err := io.ReadAll(io.LimitReader(r, d.Size+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Digest, err)
	}
	if err := algs.VerifyBytes(b, d.Size, d.Digest); err != nil {
		return nil, fmt.Errorf("%s: %w", d.Digest, err)
	}
	return b, nil
}

// pending returns a pushed document.
func (d *layoutDest) pending(dg digest.Digest) ([]byte, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.docs[dg]
	return b, ok
}

// fetchRaw opens a blob's file unhashed (the destination hashes what it
// writes); a document is read verified.
func (s *layoutSource) fetchRaw(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	if d.Data != nil || isDocument(s.reg, d.MediaType) {
		return s.Fetch(ctx, d)
	}
	return s.l.OpenBlobFile(ctx, d)
}
