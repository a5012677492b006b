package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// Manifest is one image's manifest read from a source.
type Manifest struct {
	// Image is the image as the source lists it (its names; the
	// descriptor of the manifest, or of the index it was chosen from).
	Image Image
	// Descriptor describes the manifest, with the platform the index
	// lists it with, if any.
	Descriptor core.Descriptor
	// Manifest is the decoded manifest, media types as written; Format
	// its format, detected; Bytes the manifest as stored.
	Manifest core.Manifest
	Format   core.Format
	Bytes    []byte
	// Index is the index the manifest was chosen from by platform, nil
	// when the image is the manifest itself.
	Index *core.Descriptor
	// Config is the image's config, read verified (nil when it is larger
	// than the document limit).
	Config []byte
}

// ReadManifest resolves the source's reference to one manifest, as Copy
// does without All: an index is resolved to the manifest of platform
// (nil: the running machine's); for an image that is a single manifest,
// a platform its config contradicts is an error naming both. The
// manifest and its config are read verified.
func ReadManifest(ctx context.Context, src Source, platform *core.Platform, opts *CopyOptions) (*Manifest, error) {
	c := newCopier(nil, src, opts)
	c.o.All, c.o.AllPlatforms, c.o.Platform = false, false, platform
	if platform != nil {
		if err := core.CheckPlatform(*platform); err != nil {
			return nil, fmt.Errorf("transport: %w", err)
		}
	}
	imgs, err := c.images(ctx)
	if err != nil {
		return nil, err
	}
	n, p, err := c.root(ctx, imgs[0])
	if err != nil {
		return nil, err
	}
	if n.manifest == nil {
		return nil, fmt.Errorf("transport: %s: %w: %s", src.Reference(), core.ErrNotManifest, n.desc.Digest)
	}
	out := &Manifest{Image: imgs[0], Descriptor: documentDesc(n.desc, n.format.Describe().ManifestMediaType), Manifest: *n.manifest, Format: n.format, Bytes: n.raw}
	out.Descriptor.Platform = p
	if n.desc.Digest != imgs[0].Descriptor.Digest {
		ix := imgs[0].Descriptor
		out.Index = &ix
	}
	if cfg := n.manifest.Config; cfg.Size <= c.o.MaxDocumentSize {
		rc, err := src.Fetch(ctx, cfg)
		if err != nil {
			return nil, err
		}
		out.Config, err = readDocument(c.algs, rc, cfg, c.o.MaxDocumentSize)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("transport: %s: config: %w", src.Reference(), err)
		}
	}
	return out, nil
}

// newCopier returns a copier with opts' defaults.
func newCopier(dst Destination, src Source, opts *CopyOptions) *copier {
	c := &copier{src: src, dst: dst, res: &CopyResult{}, visited: map[digest.Digest]*node{}, newDigests: map[digest.Digest]digest.Digest{}}
	if opts != nil {
		c.o = *opts
	}
	if c.o.Registry == nil {
		c.o.Registry = core.Default
	}
	if c.o.MaxDocumentSize <= 0 {
		c.o.MaxDocumentSize = core.DefaultMaxDocumentSize
	}
	if c.o.Workers <= 0 {
		c.o.Workers = runtime.GOMAXPROCS(0)
	}
	c.reg, c.algs = c.o.Registry, c.o.Registry.Algorithms()
	return c
}

// VerifyOptions control [Verify].
type VerifyOptions struct {
	// Registry decodes the documents (default core.Default).
	Registry *core.Registry
	// MaxDocumentSize bounds the documents read (<= 0: the default).
	MaxDocumentSize int64
	// Workers is how many blobs are hashed at once (<= 0: GOMAXPROCS).
	Workers int
	// Progress, when set, is called as blob bytes are checked, with the
	// bytes checked so far and the total size of the blobs to check. It
	// is never called concurrently.
	Progress func(done, total int64)
	// Layers also checks each image's layers as layers, in the read
	// that hashes them, as layout.VerifyOptions.Layers does: a tar
	// layer must decompress to a tar archive (digesters.ErrNotTar), and
	// an image config's rootfs.diff_ids must name the layers'
	// uncompressed streams (core.ErrDiffIDMismatch).
	Layers bool
}

// Verify checks every image a source holds: every manifest and index
// must be there and decode, and every config and layer must be there
// with the size and digest its descriptor says. Each document and blob
// is read once however many images refer to it. It returns nil when all
// is well, otherwise every problem found joined (errors.Join), each
// naming the content and what refers to it.
func Verify(ctx context.Context, src Source, opts *VerifyOptions) error {
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	c := newCopier(nil, src, &CopyOptions{Registry: o.Registry, MaxDocumentSize: o.MaxDocumentSize, Workers: o.Workers})
	imgs, err := src.Images(ctx)
	if err != nil {
		return errors.Join(err)
	}
	v := &verifier{c: c, seen: map[digest.Digest]bool{}, layers: o.Layers, diffIDs: map[digest.Digest][]digest.Digest{}}
	for i, img := range imgs {
		v.document(ctx, img.Descriptor, fmt.Sprintf("image %d (%s)", i, img), 0)
	}
	v.checkBlobs(ctx, o)
	v.checkDiffIDs(ctx)
	if err := ctx.Err(); err != nil {
		v.problems = append(v.problems, err)
	}
	return errors.Join(v.problems...)
}

type verifier struct {
	c        *copier
	seen     map[digest.Digest]bool
	blobs    []blobRef
	problems []error
	// documentsOnly keeps the configs aside (in configs, with their
	// manifests) and lists no layer: the walk of Validate. documents
	// records the manifests and indexes read.
	documentsOnly bool
	configs       []configRef
	documents     []blobRef

	// With layers, images are checked against the diffIDs the layers'
	// reads gave (diffIDs, by layer digest, under diffMu).
	layers  bool
	images  []imageCheck
	diffMu  sync.Mutex
	diffIDs map[digest.Digest][]digest.Digest
}

type imageCheck struct {
	config core.Descriptor
	layers []core.Descriptor
	what   string
}

type blobRef struct {
	d   core.Descriptor
	ref string
}

// RefError names what refers to content a problem is about.
type RefError struct {
	Digest digest.Digest
	Ref    string
	Err    error
}

func (e *RefError) Error() string {
	return fmt.Sprintf("transport: %s (%s): %v", e.Digest, e.Ref, e.Err)
}

func (e *RefError) Unwrap() error { return e.Err }

func (v *verifier) problem(d digest.Digest, ref string, err error) {
	v.problems = append(v.problems, &RefError{Digest: d, Ref: ref, Err: err})
}

func (v *verifier) document(ctx context.Context, d core.Descriptor, ref string, depth int) {
	if v.seen[d.Digest] || ctx.Err() != nil {
		return
	}
	v.seen[d.Digest] = true
	if depth > maxDepth {
		v.problem(d.Digest, ref, fmt.Errorf("%w: indexes nest deeper than %d", core.ErrInvalidDocument, maxDepth))
		return
	}
	if d.MediaType != "" && !isDocument(v.c.reg, d.MediaType) {
		v.blobs = append(v.blobs, blobRef{d, ref})
		return
	}
	v.c.o.All = true
	n, err := v.c.loadOne(ctx, d)
	if err != nil {
		v.problem(d.Digest, ref, err)
		return
	}
	if v.documentsOnly {
		v.documents = append(v.documents, blobRef{d, ref})
	}
	what := "manifest " + string(d.Digest)
	if n.index != nil {
		for i, e := range n.index.Manifests {
			v.document(ctx, e, fmt.Sprintf("manifests[%d] of index %s", i, d.Digest), depth+1)
		}
		return
	}
	if v.documentsOnly {
		v.configs = append(v.configs, configRef{blobRef{n.manifest.Config, "config of " + what}, *n.manifest})
		return
	}
	v.blobs = append(v.blobs, blobRef{n.manifest.Config, "config of " + what})
	for i, l := range n.manifest.Layers {
		v.blobs = append(v.blobs, blobRef{l, fmt.Sprintf("layers[%d] of %s", i, what)})
	}
	if v.layers && isImageConfig(n.manifest.Config.MediaType) {
		v.images = append(v.images, imageCheck{n.manifest.Config, n.manifest.Layers, what})
	}
}

// isImageConfig says whether a config media type is an image config
// (OCI's or Docker's), whose rootfs lists the layers' diffIDs.
func isImageConfig(mt string) bool {
	return mt == "application/vnd.oci.image.config.v1+json" || mt == "application/vnd.docker.container.image.v1+json"
}

// checkLayer reads a tar layer once, verified: its stream must be a tar
// archive; its diffIDs (in sha256 and the layer's algorithm) are kept.
func (v *verifier) checkLayer(ctx context.Context, b blobRef, comp core.Compression, report func(int64)) error {
	rc, err := v.c.src.Fetch(ctx, b.d)
	if err != nil {
		return err
	}
	defer rc.Close()
	eng := &digesters.Engine{Algorithms: v.c.algs, Progress: report}
	ids, err := eng.CheckLayer(ctx, rc, b.d, comp)
	if err != nil {
		if errors.Is(err, core.ErrSizeMismatch) || errors.Is(err, core.ErrDigestMismatch) || ctx.Err() != nil {
			return err
		}
		// Not a layer of its kind: if it is not the blob either, say that.
		if rc2, ferr := v.c.src.Fetch(ctx, b.d); ferr == nil {
			_, cerr := io.Copy(io.Discard, rc2)
			rc2.Close()
			if cerr != nil {
				return cerr
			}
		}
		return err
	}
	v.diffMu.Lock()
	v.diffIDs[b.d.Digest] = ids
	v.diffMu.Unlock()
	return nil
}

// checkDiffIDs checks every image's config rootfs.diff_ids against the
// diffIDs its layers' reads gave; what could not be read is reported
// already.
func (v *verifier) checkDiffIDs(ctx context.Context) {
	for _, img := range v.images {
		if ctx.Err() != nil {
			return
		}
		rc, err := v.c.src.Fetch(ctx, img.config)
		if err != nil {
			continue
		}
		config, err := readDocument(v.c.algs, rc, img.config, v.c.o.MaxDocumentSize)
		rc.Close()
		if err != nil {
			continue
		}
		ids := make([][]digest.Digest, len(img.layers))
		for i, l := range img.layers {
			ids[i] = v.diffIDs[l.Digest]
		}
		if err := core.CheckDiffIDsOf(config, ids); err != nil {
			v.problem(img.config.Digest, "config of "+img.what, err)
		}
	}
}

func (v *verifier) checkBlobs(ctx context.Context, o VerifyOptions) {
	seen := map[digest.Digest]bool{}
	var todo []blobRef
	var total int64
	for _, b := range v.blobs {
		if !seen[b.d.Digest] {
			seen[b.d.Digest] = true
			todo = append(todo, b)
			total += b.d.Size
		}
	}
	errs := make([]error, len(todo))
	var mu sync.Mutex
	var done int64
	report := func(n int64) {
		if o.Progress == nil {
			return
		}
		mu.Lock()
		done += n
		o.Progress(done, total)
		mu.Unlock()
	}
	sem := make(chan struct{}, v.c.o.Workers)
	var wg sync.WaitGroup
	for i, b := range todo {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if comp, err := core.LayerCompression(b.d.MediaType); err == nil && v.layers {
				if err := v.checkLayer(ctx, b, comp, report); err != nil && !(errors.Is(err, core.ErrNotFound) && len(b.d.URLs) > 0) {
					errs[i] = &RefError{Digest: b.d.Digest, Ref: b.ref, Err: err}
				}
				return
			}
			rc, err := v.c.src.Fetch(ctx, b.d)
			if err != nil {
				if !(errors.Is(err, core.ErrNotFound) && len(b.d.URLs) > 0) {
					errs[i] = &RefError{Digest: b.d.Digest, Ref: b.ref, Err: err}
				}
				return
			}
			defer rc.Close()
			if _, err := io.Copy(countWriter(report), rc); err != nil {
				errs[i] = &RefError{Digest: b.d.Digest, Ref: b.ref, Err: err}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			v.problems = append(v.problems, err)
		}
	}
}

type countWriter func(int64)

func (w countWriter) Write(p []byte) (int, error) {
	w(int64(len(p)))
	return len(p), nil
}

// loadOne reads and decodes one document (no walk below it).
func (c *copier) loadOne(ctx context.Context, d core.Descriptor) (*node, error) {
	all, allp := c.o.All, c.o.AllPlatforms
	c.o.All, c.o.AllPlatforms = false, false
	defer func() { c.o.All, c.o.AllPlatforms = all, allp }()
	return c.load(ctx, d, 0)
}
