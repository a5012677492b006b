package layout

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// Verify checks the image layout at path (either kind, detected): every
// manifest and index it names, and every config and layer they refer
// to, must exist and match its descriptor's size and digest, and every
// document must decode. It returns nil when the layout is whole;
// otherwise an error that lists every problem found, not only the
// first: errors.Join of *BlobError values, each naming the blob or file
// and what refers to it. A folder that is not a layout, or that holds
// no image, is a single error.
func Verify(ctx context.Context, path string) error {
	l, err := Open(path)
	if err != nil {
		return err
	}
	defer l.Close()
	return l.Verify(ctx)
}

// Verify checks the layout as the package-level [Verify] does, hashing
// blobs with the layout's workers. Each blob is read once however many
// manifests refer to it.
func (l *Layout) Verify(ctx context.Context) error {
	return l.VerifyWith(ctx, VerifyOptions{})
}

// VerifyOptions control [Layout.VerifyWith].
type VerifyOptions struct {
	// Progress, when set, is called as blob bytes are checked, with the
	// bytes checked so far and the total size of the blobs to check
	// (known once every document has been read). It is never called
	// concurrently.
	Progress func(done, total int64)
	// Leftover, when set, is called for each leftover of an interrupted
	// write in or beside the layout (see [Layout.Leftovers]), after the
	// check. Leftovers are not problems: the image is whole without
	// them, and the next writer or [Layout.GC] removes them.
	Leftover func(Leftover)
	// Layers also checks each image's layers as layers, in the read
	// that hashes them: a layer of a tar media type must decompress to
	// a tar archive (an error wrapping digesters.ErrNotTar), and an
	// image config's rootfs.diff_ids must name the layers'
	// uncompressed streams (core.ErrDiffIDMismatch). It costs no second
	// read: the diffID comes from the same pass as the digest.
	Layers bool
}

// VerifyWith is [Layout.Verify] with options.
func (l *Layout) VerifyWith(ctx context.Context, opts VerifyOptions) error {
	v := &verifier{l: l, seen: map[digest.Digest]bool{}, queued: map[blobKey]bool{}, progress: opts.Progress, layers: opts.Layers, diffIDs: map[digest.Digest][]digest.Digest{}}
	top, raw, err := l.impl.top(ctx)
	if err != nil {
		return errors.Join(err)
	}
	if raw != nil {
		// dir:'s manifest.json, which nothing lists.
		det, err := l.reg.Detect(ctx, raw, core.WithMaxSize(l.opts.maxDoc))
		if err != nil {
			return errors.Join(&BlobError{Path: dirManifestFile, Err: err})
		}
		v.seen[top[0].Digest] = true
		v.decoded(ctx, top[0], dirManifestFile, det.Index, raw, "", 0)
	} else {
		for i, d := range top {
			v.document(ctx, d, fmt.Sprintf("index.json manifests[%d]", i), 0)
		}
	}
	v.checkBlobs(ctx)
	v.checkDiffIDs(ctx)
	if err := ctx.Err(); err != nil {
		v.problems = append(v.problems, err)
	}
	if opts.Leftover != nil {
		los, _ := l.Leftovers(ctx)
		for _, lo := range los {
			opts.Leftover(lo)
		}
	}
	return errors.Join(v.problems...)
}

type blobKey struct {
	d    digest.Digest
	size int64
}

type blobCheck struct {
	d   core.Descriptor
	ref string
}

type verifier struct {
	l        *Layout
	seen     map[digest.Digest]bool // documents visited
	queued   map[blobKey]bool
	blobs    []blobCheck
	problems []error

	progress    func(done, total int64)
	progressMu  sync.Mutex
	done, total int64

	// images are the manifests whose config diff_ids are checked
	// against the diffIDs the layers' reads gave (diffIDs, by layer
	// digest, under diffMu).
	layers  bool
	images  []imageCheck
	diffMu  sync.Mutex
	diffIDs map[digest.Digest][]digest.Digest
}

// imageCheck is a manifest whose config is checked against its layers.
type imageCheck struct {
	config core.Descriptor
	layers []core.Descriptor
	what   string
}

// advance reports n more bytes checked.
func (v *verifier) advance(n int64) {
	if v.progress == nil || n == 0 {
		return
	}
	v.progressMu.Lock()
	defer v.progressMu.Unlock()
	v.done += n
	v.progress(v.done, v.total)
}

// verifyCounter counts the bytes of a blob as they are checked.
type verifyCounter struct{ v *verifier }

func (w verifyCounter) Write(p []byte) (int, error) {
	w.v.advance(int64(len(p)))
	return len(p), nil
}

func (v *verifier) problem(path string, d digest.Digest, ref string, err error) {
	v.problems = append(v.problems, blobErr(path, d, ref, err))
}

// document checks a manifest or index a parent refers to.
func (v *verifier) document(ctx context.Context, d core.Descriptor, ref string, depth int) {
	if v.seen[d.Digest] || ctx.Err() != nil {
		return
	}
	v.seen[d.Digest] = true
	if depth > maxDepth {
		v.problem("", d.Digest, ref, fmt.Errorf("%w: indexes nest deeper than %d", core.ErrInvalidDocument, maxDepth))
		return
	}
	if d.MediaType != "" && !v.l.isDocumentType(d.MediaType) {
		// Not a manifest or index of any known format (the image-spec
		// lets an index list other content): checked as a blob.
		v.queue(d, ref)
		return
	}
	raw, name, err := v.l.readDocument(ctx, d)
	if err != nil {
		v.problems = append(v.problems, withRef(err, ref))
		return
	}
	det, err := v.l.reg.Detect(ctx, raw, core.WithMaxSize(v.l.opts.maxDoc))
	if err != nil {
		v.problem(name, d.Digest, ref, err)
		return
	}
	if d.MediaType != "" && core.NormalizeMediaType(d.MediaType) != core.NormalizeMediaType(det.MediaType) {
		v.problem(name, d.Digest, ref, fmt.Errorf("%w: the descriptor says media type %q, the document is %q", core.ErrInvalidDocument, d.MediaType, det.MediaType))
	}
	v.decoded(ctx, d, name, det.Index, raw, ref, depth)
}

// decoded checks the content of a manifest or index that was read.
func (v *verifier) decoded(ctx context.Context, d core.Descriptor, name string, isIndex bool, raw []byte, ref string, depth int) {
	reg := v.l.reg
	what := "manifest " + string(d.Digest)
	if name == dirManifestFile {
		what = dirManifestFile
	}
	if isIndex {
		ix, _, err := reg.DecodeIndex(ctx, raw, core.WithMaxSize(v.l.opts.maxDoc))
		if err != nil {
			v.problem(name, d.Digest, ref, err)
			return
		}
		if name != dirManifestFile {
			what = "index " + string(d.Digest)
		}
		for i, c := range ix.Manifests {
			v.document(ctx, c, fmt.Sprintf("manifests[%d] of %s", i, what), depth+1)
		}
		return
	}
	m, _, err := reg.DecodeManifest(ctx, raw, core.WithMaxSize(v.l.opts.maxDoc))
	if err != nil {
		v.problem(name, d.Digest, ref, err)
		return
	}
	v.queue(m.Config, "config of "+what)
	for i, l := range m.Layers {
		v.queue(l, fmt.Sprintf("layers[%d] of %s", i, what))
	}
	if v.layers && isImageConfig(m.Config.MediaType) {
		v.images = append(v.images, imageCheck{config: m.Config, layers: m.Layers, what: what})
	}
}

// isImageConfig says whether a config media type is an image config
// (OCI's or Docker's), whose rootfs lists the layers' diffIDs.
func isImageConfig(mt string) bool {
	return mt == "application/vnd.oci.image.config.v1+json" || mt == "application/vnd.docker.container.image.v1+json"
}

func (v *verifier) queue(d core.Descriptor, ref string) {
	k := blobKey{d.Digest, d.Size}
	if v.queued[k] {
		return
	}
	v.queued[k] = true
	v.blobs = append(v.blobs, blobCheck{d, ref})
}

// checkBlobs hashes the queued blobs with the layout's workers, the
// largest first so that one big blob started last does not leave the
// other workers idle, and records their problems in queue order.
func (v *verifier) checkBlobs(ctx context.Context) {
	order := make([]int, len(v.blobs))
	for i, b := range v.blobs {
		order[i] = i
		if b.d.Size > 0 {
			v.total += b.d.Size
		}
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(v.blobs[j].d.Size, v.blobs[i].d.Size) })
	errs := make([]error, len(v.blobs))
	workers := v.l.opts.workers
	sem := make(chan struct{}, workers)
	// While every core has a big blob of its own to hash, each reads
	// its blob on its own goroutine, with no reader goroutine beside it
	// to take turns with the hashes on the same cores (as DigestFiles
	// does). A big blob that starts with cores to spare, counting the
	// big blobs still being hashed, reads on a goroutine of its own
	// while it hashes.
	big := 0
	for _, b := range v.blobs {
		if b.d.Size > digesters.DefaultDirectLimit {
			big++
		}
	}
	var running atomic.Int64 // big blobs being hashed
	var wg sync.WaitGroup
	for _, i := range order {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		isBig := v.blobs[i].d.Size > digesters.DefaultDirectLimit
		direct := big+int(running.Load()) >= workers && workers >= runtime.GOMAXPROCS(0)
		if isBig {
			big--
			running.Add(1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if isBig {
				defer running.Add(-1)
			}
			errs[i] = v.checkBlob(ctx, v.blobs[i], direct)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			v.problems = append(v.problems, err)
		}
	}
}

// checkBlob checks one blob; direct reads a layer on this goroutine
// only (see checkBlobs).
func (v *verifier) checkBlob(ctx context.Context, b blobCheck, direct bool) error {
	d := b.d
	if d.Data != nil {
		if err := v.l.algs.VerifyBytes(d.Data, d.Size, d.Digest); err != nil {
			return &BlobError{Digest: d.Digest, Ref: b.ref + ", embedded data", Err: err}
		}
	}
	name, err := v.l.impl.readName(d.Digest)
	if err != nil {
		return withRef(&BlobError{Digest: d.Digest, Err: err}, b.ref)
	}
	d.Data = nil
	if comp, err := core.LayerCompression(d.MediaType); err == nil && v.layers {
		return v.checkLayer(ctx, b, name, comp, direct)
	}
	r, err := v.l.blobs.openFile(ctx, name, d)
	if err != nil {
		if errors.Is(err, core.ErrNotFound) && len(d.URLs) > 0 {
			return nil // non-distributable: fetched from its URLs
		}
		return withRef(err, b.ref)
	}
	defer r.Close()
	var dst io.Writer = io.Discard
	if v.progress != nil {
		dst = verifyCounter{v}
	}
	if _, err := io.Copy(dst, r); err != nil {
		return withRef(err, b.ref)
	}
	return nil
}

// withRef adds what refers to a blob to its error.
func withRef(err error, ref string) error {
	var be *BlobError
	if errors.As(err, &be) {
		return blobErr(be.Path, be.Digest, ref, err)
	}
	return &BlobError{Ref: ref, Err: err}
}

// checkLayer checks a tar layer in one read: its size and digest, that
// its (decompressed) stream is a tar archive, and its diffID, kept for
// checkDiffIDs, in sha256 and in the layer's own algorithm.
func (v *verifier) checkLayer(ctx context.Context, b blobCheck, name string, comp core.Compression, direct bool) error {
	d := b.d
	f, err := v.l.blobs.openChecked(ctx, name, d)
	if err != nil {
		if errors.Is(err, core.ErrNotFound) && len(d.URLs) > 0 {
			return nil
		}
		return withRef(err, b.ref)
	}
	defer f.Close()
	eng := &digesters.Engine{Algorithms: v.l.algs}
	if direct {
		eng.DirectLimit = math.MaxInt64
	}
	if v.progress != nil {
		eng.Progress = v.advance
	}
	ids, err := eng.CheckLayer(ctx, f, d, comp)
	switch {
	case err != nil && ctx.Err() == nil && !errors.Is(err, core.ErrSizeMismatch) && !errors.Is(err, core.ErrDigestMismatch):
		// Not a layer of its kind: if it is not the blob either, that
		// is what to say.
		if r, oerr := v.l.blobs.openFile(ctx, name, d); oerr == nil {
			_, cerr := io.Copy(io.Discard, r)
			r.Close()
			if cerr != nil {
				return withRef(cerr, b.ref)
			}
		}
		return blobErr(name, d.Digest, b.ref, err)
	case err != nil:
		return blobErr(name, d.Digest, b.ref, err)
	}
	v.diffMu.Lock()
	v.diffIDs[d.Digest] = ids
	v.diffMu.Unlock()
	return nil
}

// checkDiffIDs checks every image's config rootfs.diff_ids against the
// diffIDs its layers' reads gave. A config or layer that could not be
// read is reported already; its diffID is taken as unknown.
func (v *verifier) checkDiffIDs(ctx context.Context) {
	for _, img := range v.images {
		if ctx.Err() != nil {
			return
		}
		config, err := v.l.blobs.read(ctx, img.config)
		if err != nil {
			continue
		}
		ids := make([][]digest.Digest, len(img.layers))
		for i, l := range img.layers {
			ids[i] = v.diffIDs[l.Digest]
		}
		if err := core.CheckDiffIDsOf(config, ids); err != nil {
			v.problem("", img.config.Digest, "config of "+img.what, err)
		}
	}
}
