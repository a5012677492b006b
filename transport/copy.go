package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
	"golang.org/x/sync/errgroup"
)

// CopyOptions control [Copy]. The zero value (or nil) copies the image
// the source reference names, as it is (the manifest's bytes and digest
// kept), the manifest of the running machine's platform when it is an
// index.
type CopyOptions struct {
	// All copies every platform of an index (and, when the source
	// reference names no image, every image of the source, each with its
	// names). Without it, an index is resolved to the manifest of
	// Platform, which is copied alone.
	All bool
	// AllPlatforms copies every platform of an index, as All does, but
	// only the image the source reference names (the only one, when it
	// names none).
	AllPlatforms bool
	// Platform chooses the manifest of an index (nil: the running
	// machine's). For an image that is a single manifest, a platform its
	// config contradicts is an error naming both.
	Platform *core.Platform
	// Format converts the manifests (and indexes) to this format,
	// encoded in Encoding; nil keeps the source's documents byte for
	// byte, so that their digests are kept.
	Format   core.Format
	Encoding core.Encoding
	// Permissive lets a conversion write kinds the target cannot express
	// faithfully, and drop fields it lacks (core.ConvertOptions).
	Permissive bool
	// Algorithm, when set, rewrites the copied tree in this digest
	// algorithm: every blob of another algorithm is stored under its new
	// digest (its source digest verified in the same read that computes
	// the new one), and every manifest and index is re-encoded (in the
	// source's format, or Format, and Encoding) to name the new digests,
	// subjects included. An image that has referrers in the source
	// (a manifest whose subject it is, a cosign .sig, .att or .sbom tag)
	// is refused with an error wrapping ErrReferrers, since they would
	// name the old digests, unless IgnoreReferrers.
	Algorithm       digest.Algorithm
	IgnoreReferrers bool
	// Referrers also copies the referrers the source holds of every
	// manifest and index copied (signatures, attestations, SBOMs: see
	// [ReferrerLister]), and theirs, each with the names the source gives
	// it (untagged otherwise), byte for byte. A copy that changes digests
	// (Format, Algorithm) rewrites their subjects to name the new
	// digests, and so re-encodes them too (in the target format, which
	// must be able to say subject): an SBOM or attestation stays attached
	// to its image, but a signature over the old digest does not verify
	// against the new one. A source that cannot list referrers is an
	// error wrapping ErrUnsupported.
	Referrers bool
	// Names name the image in the destination (one image only). Unset,
	// the destination reference's tag or name does, else the names the
	// source gives it.
	Names []string
	// Registry decodes the documents (default core.Default).
	Registry *core.Registry
	// MaxDocumentSize bounds the documents read (<= 0: the default).
	MaxDocumentSize int64
	// Workers is how many blobs are copied at once (<= 0: GOMAXPROCS).
	Workers int
	// Progress, when set, is called as blobs are copied, from several
	// goroutines at once: it must be safe for concurrent use.
	Progress func(Progress)
}

// Progress reports a copy's progress, blob by blob.
type Progress struct {
	// Descriptor is the blob being copied.
	Descriptor core.Descriptor
	// Delta is the number of bytes copied since the last report for this
	// blob: the sum over a copy is the total size of its blobs.
	Delta int64
	// Skipped is set when the destination had the blob; Placement when
	// the blob was linked, cloned or copied by the kernel rather than
	// read and written (Delta is then its size).
	Skipped   bool
	Placement layout.Placement
}

// CopyResult says what a copy did.
type CopyResult struct {
	// Images are the images committed, as the destination names them.
	Images []Image
	// Missing lists the manifests of an index that were left out because
	// the source lacks their content (see [Copy]).
	Missing []Missing
	// Blobs counts the blobs copied, Skipped those the destination had,
	// Linked those put in place without a copy through this process.
	Blobs, Skipped, Linked int
	// Referrers counts the referrers copied with CopyOptions.Referrers.
	Referrers int
}

// Missing is a manifest of an index that the source does not hold whole.
type Missing struct {
	Index    core.Descriptor // the index listing it
	Manifest core.Descriptor // the entry, with its platform
	Err      error           // what is not there
}

// Note says, in one sentence per index, what a copy left out; "" when it
// left out nothing.
func (r *CopyResult) Note() string {
	if r == nil || len(r.Missing) == 0 {
		return ""
	}
	var lines []string
	byIndex := map[digest.Digest][]Missing{}
	var order []digest.Digest
	for _, m := range r.Missing {
		if byIndex[m.Index.Digest] == nil {
			order = append(order, m.Index.Digest)
		}
		byIndex[m.Index.Digest] = append(byIndex[m.Index.Digest], m)
	}
	for _, ix := range order {
		var what []string
		for _, m := range byIndex[ix] {
			s := string(m.Manifest.Digest)
			if m.Manifest.Platform != nil {
				s = m.Manifest.Platform.String() + " " + s
			}
			what = append(what, s)
		}
		lines = append(lines, fmt.Sprintf("index %s: left out %d manifests whose content the source does not have (%s); the index written lists the others", ix, len(what), strings.Join(what, ", ")))
	}
	return strings.Join(lines, "\n")
}

// node is a manifest or index of the copy.
type node struct {
	desc     core.Descriptor // as its parent lists it
	raw      []byte
	format   core.Format
	manifest *core.Manifest
	index    *core.Index
	children []*node           // the entries of an index that are copied
	entries  []core.Descriptor // their descriptors as the index lists them
	blobs    []core.Descriptor // an index's entries that are not documents

	done   bool
	out    core.Descriptor // as written
	outRaw []byte
}

type copier struct {
	src     Source
	dst     Destination
	o       CopyOptions
	reg     *core.Registry
	algs    *core.Algorithms
	res     *CopyResult
	visited map[digest.Digest]*node
	mu      sync.Mutex

	// With Algorithm: the new digest of each rehashed blob, and the
	// folder they are spooled in.
	newDigests  map[digest.Digest]digest.Digest
	spoolDir    string
	unlockSpool func()
}

// Copy copies images from src to dst and commits them: the image src's
// reference names (or, with All and a reference naming none, every
// image), each verified once and never hashed twice: a blob is hashed
// as the destination writes it, or, between two folders on one file
// system, hashed once and then linked (or cloned, or copied by the
// kernel) into place. Blobs the destination has are skipped. Unless
// opts.Format asks for a conversion, manifests and indexes are copied
// byte for byte and keep their digests. With All, an index whose other
// manifests' content the source lacks (docker save and containerd export
// some platforms only) is copied for the platforms present, the index
// rewritten to list them, and CopyResult.Missing says what was left out.
// Every walk over the source's documents reads each one once. The
// destination is committed last: on any error nothing is named.
func Copy(ctx context.Context, dst Destination, src Source, opts *CopyOptions) (*CopyResult, error) {
	c := newCopier(dst, src, opts)
	if c.o.Platform != nil {
		if err := core.CheckPlatform(*c.o.Platform); err != nil {
			return nil, fmt.Errorf("transport: %w", err)
		}
	}
	if sp, ok := src.(spooler); ok {
		if td, ok := dst.(tempDirer); ok {
			sp.spoolIn(td.tempDir())
		}
	}
	if c.o.Algorithm != "" {
		if err := c.algs.Check(c.o.Algorithm); err != nil {
			return nil, fmt.Errorf("transport: %w", err)
		}
		defer c.dropSpool()
	}
	imgs, err := c.images(ctx)
	if err != nil {
		return nil, err
	}
	var roots []*node
	var commit []Image
	for _, img := range imgs {
		n, platform, err := c.root(ctx, img)
		if err != nil {
			return nil, err
		}
		roots = append(roots, n)
		commit = append(commit, Image{Descriptor: core.Descriptor{Platform: platform}, Names: img.Names})
	}
	if err := c.name(commit); err != nil {
		return nil, err
	}
	if c.o.Referrers {
		if roots, commit, err = c.addReferrers(ctx, roots, commit); err != nil {
			return nil, err
		}
	}
	if c.o.Algorithm != "" {
		// The documents name the blobs' new digests: copy those first.
		if err := c.checkReferrers(ctx); err != nil {
			return nil, err
		}
		if err := c.copyBlobs(ctx, roots); err != nil {
			return nil, err
		}
	}
	for _, n := range roots {
		if err := c.convert(ctx, n); err != nil {
			return nil, err
		}
	}
	if c.o.Algorithm == "" {
		if err := c.copyBlobs(ctx, roots); err != nil {
			return nil, err
		}
	}
	pushed := map[digest.Digest]bool{}
	for i, n := range roots {
		if err := c.pushDocuments(ctx, n, pushed); err != nil {
			return nil, err
		}
		commit[i].Descriptor = core.Descriptor{MediaType: n.out.MediaType, Size: n.out.Size, Digest: n.out.Digest, Platform: commit[i].Descriptor.Platform}
	}
	out, err := dst.Commit(ctx, commit)
	if err != nil {
		return nil, err
	}
	c.res.Images = out
	return c.res, nil
}

// whole says whether indexes are copied whole.
func (c *copier) whole() bool { return c.o.All || c.o.AllPlatforms }

// images returns the images to copy.
func (c *copier) images(ctx context.Context) ([]Image, error) {
	if c.o.All && c.src.Reference().Selection() == "" {
		imgs, err := c.src.Images(ctx)
		if err == nil && len(imgs) == 0 {
			err = fmt.Errorf("%w: %s holds no image", core.ErrNotFound, c.src.Reference())
		}
		return imgs, err
	}
	imgs, err := c.src.Resolve(ctx)
	if err != nil || len(imgs) <= 1 || c.whole() {
		return imgs, err
	}
	// One image given as an entry per platform: choose one.
	ix := core.Index{}
	for _, img := range imgs {
		if img.Descriptor.Platform == nil {
			return nil, fmt.Errorf("%w: %s names %d entries, not all with a platform: %s", ErrAmbiguous, c.src.Reference(), len(imgs), describeImages(imgs))
		}
		ix.Manifests = append(ix.Manifests, img.Descriptor)
	}
	d, err := core.SelectManifest(ix, c.o.Platform)
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", c.src.Reference(), err)
	}
	for _, img := range imgs {
		if img.Descriptor.Digest == d.Digest {
			return []Image{img}, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", core.ErrNotFound, c.src.Reference())
}

// name sets the names the images get in the destination.
func (c *copier) name(imgs []Image) error {
	names := c.o.Names
	if len(names) == 0 {
		if sel := c.dst.Reference().Selection(); sel != "" {
			names = []string{sel}
		}
	}
	if len(names) == 0 {
		return nil
	}
	if len(imgs) > 1 {
		return fmt.Errorf("%w: %s names one image, and %d are copied", ErrInvalidReference, strings.Join(names, ","), len(imgs))
	}
	imgs[0].Names = names
	return nil
}

// root loads an image to copy: the whole graph with All, else the
// manifest of the wanted platform. It returns the platform to record.
func (c *copier) root(ctx context.Context, img Image) (*node, *core.Platform, error) {
	n, err := c.load(ctx, img.Descriptor, 0)
	if err != nil {
		return nil, nil, err
	}
	platform := img.Descriptor.Platform
	if c.whole() {
		return n, platform, nil
	}
	for depth := 0; n.index != nil; depth++ {
		if depth >= maxDepth {
			return nil, nil, fmt.Errorf("transport: %s: %w: indexes nest deeper than %d", c.src.Reference(), core.ErrInvalidDocument, maxDepth)
		}
		d, err := core.SelectManifest(*n.index, c.o.Platform)
		if err != nil {
			return nil, nil, fmt.Errorf("transport: %s: index %s: %w", c.src.Reference(), n.desc.Digest, err)
		}
		if n, err = c.load(ctx, d, depth+1); err != nil {
			return nil, nil, err
		}
		platform = d.Platform
		if n.manifest != nil {
			if err := c.available(ctx, n); err != nil {
				return nil, nil, fmt.Errorf("transport: %s: the %s manifest %s of index %s: %w", c.src.Reference(), d.Platform, d.Digest, img.Descriptor.Digest, err)
			}
		}
	}
	if c.o.Platform != nil && platform == nil && n.manifest != nil {
		if err := c.checkPlatform(ctx, n); err != nil {
			return nil, nil, err
		}
	} else if c.o.Platform != nil && platform != nil && !platform.Matches(*c.o.Platform) {
		return nil, nil, fmt.Errorf("%w: %s: %s is for %s, not %s", layout.ErrPlatformMismatch, c.src.Reference(), n.desc.Digest, platform, c.o.Platform)
	}
	return n, platform, nil
}

// checkPlatform compares an image's config with the platform asked for.
func (c *copier) checkPlatform(ctx context.Context, n *node) error {
	cfg := n.manifest.Config
	if cfg.Size > c.o.MaxDocumentSize {
		return nil
	}
	rc, err := c.src.Fetch(ctx, cfg)
	if err != nil {
		return err
	}
	raw, err := readDocument(c.algs, rc, cfg, c.o.MaxDocumentSize)
	rc.Close()
	if err != nil {
		return fmt.Errorf("transport: %s: config: %w", c.src.Reference(), err)
	}
	if p, ok := core.ConfigPlatform(raw); ok && !p.Matches(*c.o.Platform) {
		return fmt.Errorf("%w: %s: %s is for %s (its config says so), not %s", layout.ErrPlatformMismatch, c.src.Reference(), n.desc.Digest, p, c.o.Platform)
	}
	return nil
}

// load reads and decodes a document, once however many parents list
// it, and with All the documents below it.
func (c *copier) load(ctx context.Context, d core.Descriptor, depth int) (*node, error) {
	if n, ok := c.visited[d.Digest]; ok {
		return n, nil
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("transport: %s: %w: indexes nest deeper than %d", c.src.Reference(), core.ErrInvalidDocument, maxDepth)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rc, err := c.src.Fetch(ctx, d)
	if err != nil {
		return nil, err
	}
	raw, err := readDocument(c.algs, rc, d, c.o.MaxDocumentSize)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %w", c.src.Reference(), err)
	}
	dec, err := c.reg.Decode(ctx, raw, core.WithMaxSize(c.o.MaxDocumentSize))
	if err != nil {
		return nil, fmt.Errorf("transport: %s: %s: %w", c.src.Reference(), d.Digest, err)
	}
	n := &node{desc: d, raw: raw, format: dec.Format, manifest: dec.Manifest, index: dec.Index}
	c.visited[d.Digest] = n
	if n.index == nil || !c.whole() {
		return n, nil
	}
	for _, e := range n.index.Manifests {
		if !isDocument(c.reg, e.MediaType) {
			n.blobs = append(n.blobs, e) // an index may list other content
			n.entries = append(n.entries, e)
			n.children = append(n.children, nil)
			continue
		}
		cn, err := c.load(ctx, e, depth+1)
		if err == nil && cn.manifest != nil {
			err = c.available(ctx, cn)
		}
		if errors.Is(err, core.ErrNotFound) {
			c.res.Missing = append(c.res.Missing, Missing{Index: d, Manifest: e, Err: err})
			continue
		}
		if err != nil {
			return nil, err
		}
		n.children = append(n.children, cn)
		n.entries = append(n.entries, e)
	}
	if len(n.children) == 0 {
		return nil, fmt.Errorf("%w: %s: index %s: %w: the source holds none of its %d manifests", ErrPartial, c.src.Reference(), d.Digest, core.ErrNotFound, len(n.index.Manifests))
	}
	return n, nil
}

// available checks that the source has a manifest's config and layers
// (non-distributable layers with URLs aside), without reading them.
func (c *copier) available(ctx context.Context, n *node) error {
	for _, b := range manifestBlobs(*n.manifest) {
		if b.Data != nil {
			continue
		}
		rc, err := c.src.Fetch(ctx, b)
		if err != nil {
			if len(b.URLs) > 0 && errors.Is(err, core.ErrNotFound) {
				continue
			}
			return err
		}
		rc.Close()
	}
	return nil
}

func manifestBlobs(m core.Manifest) []core.Descriptor {
	return append([]core.Descriptor{m.Config}, m.Layers...)
}

// convert sets what is written for n (and the nodes below it): its
// bytes as they are, or converted to opts.Format, or re-encoded when
// entries of an index were left out or changed.
func (c *copier) convert(ctx context.Context, n *node) error {
	if n.done {
		return nil
	}
	n.done = true
	cv := core.ConvertOptions{Permissive: c.o.Permissive}
	alg := core.AlgorithmOf(n.desc.Digest)
	if c.o.Algorithm != "" {
		alg = c.o.Algorithm
	}
	if n.manifest != nil {
		m, changed := *n.manifest, false
		if c.o.Algorithm != "" || c.o.Referrers && m.Subject != nil {
			m, changed = c.rehashManifest(m)
			changed = changed || core.AlgorithmOf(n.desc.Digest) != alg
		}
		if c.o.Format == nil && !changed {
			n.out, n.outRaw = documentDesc(n.desc, n.format.Describe().ManifestMediaType), n.raw
			return nil
		}
		to := c.o.Format
		if to == nil {
			to = n.format
		} else {
			var err error
			if m, err = core.ConvertManifest(m, n.format, to, cv); err != nil {
				return fmt.Errorf("transport: convert %s manifest %s to %s: %w", n.format.Describe().Name, n.desc.Digest, to.Describe().Name, err)
			}
		}
		raw, err := to.EncodeManifest(ctx, m, c.o.Encoding)
		if err != nil {
			return fmt.Errorf("transport: encode %s manifest: %w", to.Describe().Name, err)
		}
		return c.setOut(n, raw, to.Describe().ManifestMediaType, alg)
	}
	changed := len(n.entries) != len(n.index.Manifests) || c.o.Algorithm != "" && core.AlgorithmOf(n.desc.Digest) != alg
	out := n.index.Clone()
	out.Manifests = nil
	for i, e := range n.entries {
		e = e.Clone()
		if cn := n.children[i]; cn != nil {
			if err := c.convert(ctx, cn); err != nil {
				return err
			}
			changed = changed || cn.out.Digest != e.Digest
			e.MediaType, e.Size, e.Digest = cn.out.MediaType, cn.out.Size, cn.out.Digest
		} else if nd := c.rehashed(e); nd.Digest != e.Digest {
			changed, e = true, nd
		}
		out.Manifests = append(out.Manifests, e)
	}
	if out.Subject != nil && (c.o.Algorithm != "" || c.o.Referrers) {
		if sn, ok := c.visited[out.Subject.Digest]; ok && sn.done && sn.out.Digest != "" {
			changed = changed || sn.out.Digest != out.Subject.Digest
			out.Subject.Digest, out.Subject.Size = sn.out.Digest, sn.out.Size
		}
	}
	if c.o.Format == nil && !changed {
		n.out, n.outRaw = documentDesc(n.desc, n.format.Describe().IndexMediaType), n.raw
		return nil
	}
	to := c.o.Format
	if to == nil {
		to = n.format
	}
	conv, err := core.ConvertIndex(out, n.format, to, cv)
	if err != nil {
		return fmt.Errorf("transport: convert %s index %s to %s: %w", n.format.Describe().Name, n.desc.Digest, to.Describe().Name, err)
	}
	for i := range conv.Manifests {
		conv.Manifests[i].MediaType = out.Manifests[i].MediaType
	}
	raw, err := core.EncodeIndex(ctx, to, conv, c.o.Encoding)
	if err != nil {
		return fmt.Errorf("transport: encode %s index: %w", to.Describe().Name, err)
	}
	return c.setOut(n, raw, to.Describe().IndexMediaType, alg)
}

func (c *copier) setOut(n *node, raw []byte, mediaType string, alg digest.Algorithm) error {
	d, err := c.algs.FromBytes(alg, raw)
	if err != nil {
		return err
	}
	n.out, n.outRaw = core.Descriptor{MediaType: mediaType, Size: int64(len(raw)), Digest: d}, raw
	return nil
}

// documentDesc is a document's descriptor as written: the media type
// its format says when its parent did not.
func documentDesc(d core.Descriptor, mediaType string) core.Descriptor {
	out := core.Descriptor{MediaType: d.MediaType, Size: d.Size, Digest: d.Digest}
	if out.MediaType == "" {
		out.MediaType = mediaType
	}
	return out
}

// copyBlobs copies every blob the documents refer to, each once, with
// the workers.
func (c *copier) copyBlobs(ctx context.Context, roots []*node) error {
	seen, walked := map[digest.Digest]bool{}, map[*node]bool{}
	var blobs []core.Descriptor
	var walk func(n *node)
	walk = func(n *node) {
		var ds []core.Descriptor
		if n.manifest != nil {
			ds = manifestBlobs(*n.manifest)
		}
		ds = append(ds, n.blobs...)
		for _, d := range ds {
			if !seen[d.Digest] {
				seen[d.Digest] = true
				blobs = append(blobs, d)
			}
		}
		for _, cn := range n.children {
			if cn != nil && !walked[cn] {
				walked[cn] = true
				walk(cn)
			}
		}
	}
	for _, n := range roots {
		walk(n)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.o.Workers)
	for _, d := range blobs {
		g.Go(func() error { return c.copyBlob(gctx, d) })
	}
	return g.Wait()
}

func (c *copier) copyBlob(ctx context.Context, d core.Descriptor) error {
	if c.needsRehash(d) {
		return c.rehash(ctx, d)
	}
	ok, err := c.dst.Exists(ctx, d)
	if err != nil {
		return err
	}
	if ok {
		c.count(func(r *CopyResult) { r.Skipped++ })
		c.report(Progress{Descriptor: d, Delta: d.Size, Skipped: true})
		return nil
	}
	if d.Data != nil {
		return c.push(ctx, d, io.NopCloser(bytes.NewReader(d.Data)))
	}
	if fs, ok := c.src.(fileSource); ok {
		if fd, ok := c.dst.(fileDestination); ok {
			f, verified, err := fs.openFile(ctx, d)
			switch {
			case err == nil:
				how, err := fd.putFile(ctx, d, f, verified)
				f.Close()
				if err != nil {
					return err
				}
				c.count(func(r *CopyResult) {
					r.Blobs++
					if how == layout.Linked || how == layout.Cloned {
						r.Linked++
					}
				})
				c.report(Progress{Descriptor: d, Delta: d.Size, Placement: how})
				return nil
			case errors.Is(err, core.ErrNotFound) && len(d.URLs) > 0:
				return nil // non-distributable: fetched from its URLs
			case !errors.Is(err, errNoFile):
				return err
			}
		}
	}
	var rc io.ReadCloser
	if rs, ok := c.src.(rawSource); ok {
		rc, err = rs.fetchRaw(ctx, d) // the destination hashes what it writes
	} else if rf, ok := c.src.(UnverifiedFetcher); ok {
		rc, err = rf.FetchUnverified(ctx, d)
	} else {
		rc, err = c.src.Fetch(ctx, d)
	}
	if err != nil {
		if errors.Is(err, core.ErrNotFound) && len(d.URLs) > 0 {
			return nil
		}
		return err
	}
	return c.push(ctx, d, rc)
}

func (c *copier) push(ctx context.Context, d core.Descriptor, rc io.ReadCloser) error {
	defer rc.Close()
	if fp, ok := c.dst.(FilePusher); ok {
		if f, ok := rc.(*os.File); ok {
			var progress func(int64)
			if c.o.Progress != nil {
				progress = func(n int64) { c.o.Progress(Progress{Descriptor: d, Delta: n}) }
			}
			if err := fp.PushFile(ctx, d, f, progress); err != nil {
				return err
			}
			c.count(func(r *CopyResult) { r.Blobs++ })
			return nil
		}
	}
	var r io.Reader = rc
	if c.o.Progress != nil {
		r = &progressReader{r: rc, d: d, fn: c.o.Progress}
	}
	if err := c.dst.Push(ctx, d, r); err != nil {
		return err
	}
	c.count(func(r *CopyResult) { r.Blobs++ })
	return nil
}

func (c *copier) count(fn func(*CopyResult)) {
	c.mu.Lock()
	fn(c.res)
	c.mu.Unlock()
}

func (c *copier) report(p Progress) {
	if c.o.Progress != nil {
		c.o.Progress(p)
	}
}

type progressReader struct {
	r  io.Reader
	d  core.Descriptor
	fn func(Progress)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.fn(Progress{Descriptor: p.d, Delta: int64(n)})
	}
	return n, err
}

// pushDocuments pushes n's documents, those below it first.
func (c *copier) pushDocuments(ctx context.Context, n *node, pushed map[digest.Digest]bool) error {
	if pushed[n.out.Digest] {
		return nil
	}
	for _, cn := range n.children {
		if cn != nil {
			if err := c.pushDocuments(ctx, cn, pushed); err != nil {
				return err
			}
		}
	}
	pushed[n.out.Digest] = true
	ok, err := c.dst.Exists(ctx, n.out)
	if err != nil || ok {
		return err
	}
	return c.dst.Push(ctx, n.out, bytes.NewReader(n.outRaw))
}

// mergeLayout copies every image of src into dst (a new layout that lost
// the race to its name, into the one that won).
func mergeLayout(ctx context.Context, dst, src *layout.Layout, reg *core.Registry, maxDoc int64) error {
	s := &layoutSource{ref: LayoutReference{Kind: src.Kind(), Path: src.Path()}, l: src, reg: reg}
	d := &layoutDest{ref: LayoutReference{Kind: dst.Kind(), Path: dst.Path()}, final: dst.Path(), reg: reg, maxDoc: maxDoc, l: dst, docs: map[digest.Digest][]byte{}}
	_, err := Copy(ctx, d, s, &CopyOptions{All: true, Registry: reg, MaxDocumentSize: maxDoc})
	return err
}
