package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/orasbridge"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
)

// Target is an oras.Target over a transport: it reads from a Source and
// writes to a Destination, either of which may be absent (a read-only or
// a write-only target). Tag commits the destination, naming the image:
// for an archive, each Tag writes the whole archive again. A Target is
// safe for concurrent use.
type Target struct {
	src transport.Source
	dst transport.Destination
	reg *core.Registry

	mu     sync.Mutex
	tagged map[string]ocispec.Descriptor // committed through Tag
	pushed map[digest.Digest]ocispec.Descriptor
	preds  map[digest.Digest][]ocispec.Descriptor // built on first use
}

var (
	_ oras.Target                  = (*Target)(nil)
	_ content.ReadOnlyGraphStorage = (*Target)(nil)
)

// New returns a Target reading src and writing dst (either may be nil).
// reg decodes the documents that Predecessors walks (nil: core.Default).
func New(src transport.Source, dst transport.Destination, reg *core.Registry) *Target {
	if reg == nil {
		reg = core.Default
	}
	return &Target{src: src, dst: dst, reg: reg, tagged: map[string]ocispec.Descriptor{}, pushed: map[digest.Digest]ocispec.Descriptor{}}
}

// defaultDocker is the registry transport Open reads docker:// with.
var defaultDocker = orasbridge.Docker(nil)

// Open parses a reference (transport.Parse, and docker:// with the
// default registry options) and opens it: as a source
// when there is something to read there, and as a destination, unless
// it names a digest or a position, which are for reading. Close the
// Target to close both.
func Open(ctx context.Context, ref string, opts *transport.Options) (*Target, error) {
	r, err := transport.Parse(ref, defaultDocker)
	if err != nil {
		return nil, err
	}
	var reg *core.Registry
	if opts != nil {
		reg = opts.Registry
	}
	src, serr := r.NewSource(ctx, opts)
	dst, derr := r.NewDestination(ctx, opts)
	if serr != nil && derr != nil {
		return nil, fmt.Errorf("target: %s: %w", ref, errors.Join(serr, derr))
	}
	return New(src, dst, reg), nil
}

// Close closes the source and the destination.
func (t *Target) Close() error {
	var errs []error
	if t.src != nil {
		errs = append(errs, t.src.Close())
	}
	if t.dst != nil {
		errs = append(errs, t.dst.Close())
	}
	return errors.Join(errs...)
}

// mapErr turns this module's errors into oras-go's errdef ones, keeping
// both in the chain.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrNotFound):
		return fmt.Errorf("%w: %w", errdef.ErrNotFound, err)
	case errors.Is(err, core.ErrSizeMismatch):
		return fmt.Errorf("%w: %w", content.ErrMismatchedDigest, err)
	case errors.Is(err, core.ErrDigestMismatch):
		return fmt.Errorf("%w: %w", content.ErrMismatchedDigest, err)
	case errors.Is(err, errors.ErrUnsupported):
		return fmt.Errorf("%w: %w", errdef.ErrUnsupported, err)
	}
	return err
}

// Fetch opens the content target describes, verified, from the source.
func (t *Target) Fetch(ctx context.Context, target ocispec.Descriptor) (io.ReadCloser, error) {
	if t.src == nil {
		return nil, fmt.Errorf("target: %w: write-only target", errdef.ErrUnsupported)
	}
	rc, err := t.src.Fetch(ctx, core.DescriptorFromOCI(target))
	return rc, mapErr(err)
}

// Exists reports whether the destination has the content (or, for a
// read-only target, the source).
func (t *Target) Exists(ctx context.Context, target ocispec.Descriptor) (bool, error) {
	d := core.DescriptorFromOCI(target)
	if t.dst != nil {
		t.mu.Lock()
		_, ok := t.pushed[target.Digest]
		t.mu.Unlock()
		if ok {
			return true, nil
		}
		ok, err := t.dst.Exists(ctx, d)
		return ok, mapErr(err)
	}
	rc, err := t.src.Fetch(ctx, d)
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err)
	}
	rc.Close()
	return true, nil
}

// Push writes the content to the destination, verified while written.
func (t *Target) Push(ctx context.Context, expected ocispec.Descriptor, r io.Reader) error {
	if t.dst == nil {
		return fmt.Errorf("target: %w: read-only target", errdef.ErrUnsupported)
	}
	if err := t.dst.Push(ctx, core.DescriptorFromOCI(expected), r); err != nil {
		return mapErr(err)
	}
	t.mu.Lock()
	t.pushed[expected.Digest] = expected
	t.mu.Unlock()
	return nil
}

// Tag commits the destination with desc (pushed before) named
// reference.
func (t *Target) Tag(ctx context.Context, desc ocispec.Descriptor, reference string) error {
	if t.dst == nil {
		return fmt.Errorf("target: %w: read-only target", errdef.ErrUnsupported)
	}
	img := transport.Image{Descriptor: core.DescriptorFromOCI(desc)}
	img.Descriptor.Annotations = nil
	if reference != "" && reference != string(desc.Digest) {
		img.Names = []string{reference}
	}
	if _, err := t.dst.Commit(ctx, []transport.Image{img}); err != nil {
		return mapErr(err)
	}
	t.mu.Lock()
	t.tagged[reference] = desc
	t.mu.Unlock()
	return nil
}

// Resolve returns the descriptor of the image named reference: a name
// the source gives an image (a tag; a docker-archive's NAME:TAG), a
// digest of an image or of any document below one, or "" for the image
// the source's own reference names. Images tagged through this Target
// resolve too.
func (t *Target) Resolve(ctx context.Context, reference string) (ocispec.Descriptor, error) {
	t.mu.Lock()
	d, ok := t.tagged[reference]
	t.mu.Unlock()
	if ok {
		return d, nil
	}
	if t.src == nil {
		return ocispec.Descriptor{}, fmt.Errorf("target: %w: %q", errdef.ErrNotFound, reference)
	}
	if reference == "" {
		imgs, err := t.src.Resolve(ctx)
		if err != nil {
			return ocispec.Descriptor{}, mapErr(err)
		}
		if len(imgs) != 1 {
			return ocispec.Descriptor{}, fmt.Errorf("target: %w: %s names %d entries", errdef.ErrInvalidReference, t.src.Reference(), len(imgs))
		}
		return top(imgs[0]), nil
	}
	imgs, err := t.src.Images(ctx)
	if err != nil {
		return ocispec.Descriptor{}, mapErr(err)
	}
	var found []ocispec.Descriptor
	for _, img := range imgs {
		if string(img.Descriptor.Digest) == reference {
			return top(img), nil
		}
		for _, n := range img.Names {
			if n == reference || strings.Contains(reference, "/") && transport.NormalizeName(n) == transport.NormalizeName(reference) {
				found = append(found, top(img))
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
	default:
		return ocispec.Descriptor{}, fmt.Errorf("target: %w: %q names %d entries of %s (one per platform); resolve one by digest", errdef.ErrInvalidReference, reference, len(found), t.src.Reference())
	}
	if d := digest.Digest(reference); d.Validate() == nil {
		if err := t.graph(ctx); err != nil {
			return ocispec.Descriptor{}, err
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, ps := range t.preds {
			for _, p := range ps {
				if p.Digest == d {
					return p, nil
				}
			}
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("target: %w: %q in %s", errdef.ErrNotFound, reference, t.src.Reference())
}

func top(img transport.Image) ocispec.Descriptor {
	d := img.Descriptor.OCI()
	d.Annotations = nil
	return d
}

// Predecessors returns the documents of the source that refer to node:
// the indexes listing it, the manifests whose config, layer or subject
// it is. The source's documents are walked once, each read once.
func (t *Target) Predecessors(ctx context.Context, node ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	if err := t.graph(ctx); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]ocispec.Descriptor(nil), t.preds[node.Digest]...), nil
}

// graph builds the reverse edges of the source's documents.
func (t *Target) graph(ctx context.Context) error {
	t.mu.Lock()
	done := t.preds != nil
	t.mu.Unlock()
	if done || t.src == nil {
		return nil
	}
	imgs, err := t.src.Images(ctx)
	if err != nil {
		return mapErr(err)
	}
	preds := map[digest.Digest][]ocispec.Descriptor{}
	seen := map[digest.Digest]bool{}
	var walk func(d core.Descriptor, depth int) error
	walk = func(d core.Descriptor, depth int) error {
		if seen[d.Digest] || depth > 8 {
			return nil
		}
		seen[d.Digest] = true
		rc, err := t.src.Fetch(ctx, d)
		if errors.Is(err, core.ErrNotFound) {
			return nil // a partial image: its absent manifests refer to nothing here
		}
		if err != nil {
			return mapErr(err)
		}
		raw, err := core.ReadDocument(rc, core.DefaultMaxDocumentSize)
		rc.Close()
		if err != nil {
			return mapErr(err)
		}
		dec, err := t.reg.Decode(ctx, raw)
		if err != nil {
			return nil // not a document: a leaf
		}
		self := d.OCI()
		self.Annotations, self.Platform = nil, nil
		var children []core.Descriptor
		switch {
		case dec.Index != nil:
			children = dec.Index.Manifests
			if dec.Index.Subject != nil {
				children = append(children, *dec.Index.Subject)
			}
		case dec.Manifest != nil:
			children = append([]core.Descriptor{dec.Manifest.Config}, dec.Manifest.Layers...)
			if dec.Manifest.Subject != nil {
				children = append(children, *dec.Manifest.Subject)
			}
		}
		for _, c := range children {
			preds[c.Digest] = append(preds[c.Digest], self)
			if dec.Index != nil {
				if err := walk(c, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, img := range imgs {
		if err := walk(img.Descriptor, 0); err != nil {
			return err
		}
	}
	t.mu.Lock()
	t.preds = preds
	t.mu.Unlock()
	return nil
}
