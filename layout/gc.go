package layout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// GCOptions control [Layout.GC].
type GCOptions struct {
	// DryRun reports what would be removed and removes nothing (not the
	// leftovers either).
	DryRun bool
	// OnWait, when set, is called once if GC has to wait for writers
	// that are putting blobs into the layout (in this process or
	// others) to close it.
	OnWait func()
}

// GCResult is what [Layout.GC] removed, or would remove.
type GCResult struct {
	// Kept is the number of blobs kept.
	Kept int
	// Removed lists the blobs removed (or to be removed), by digest.
	Removed []digest.Digest
	// Bytes is their total size.
	Bytes int64
	// Leftovers are the leftovers of interrupted writes swept (or to be
	// swept).
	Leftovers []Leftover
	// DocumentsRead counts the manifests and indexes read to mark what
	// is kept; no config or layer is read.
	DocumentsRead int
}

// GC removes the blobs of an OCI layout that nothing keeps, and the
// leftovers of interrupted writes ([Layout.Sweep]). A blob is kept when
// it is reachable from index.json: every descriptor of every manifest
// and index reached (config, layers, manifests, subject, whatever their
// media types), through nested indexes, and along subject chains in
// both directions: the subject of a kept manifest is kept, and so is
// every manifest of the layout whose subject is kept (a signature of a
// kept image, a signature of that signature, and so on). Each document
// is read once, so cycles end and the cost is linear in the documents;
// configs and layers are never read. A manifest or index that is not
// in the layout is passed over (nothing can reach what it would name);
// one that is damaged is an error, and nothing is removed. To find referrers that nothing
// else names, the blobs not otherwise kept that are small enough to be
// a manifest are looked at (those beginning with '{' are read, up to
// the document limit).
//
// GC is safe beside other writers: every Layout holds a shared lock on
// the blobs folder from its first blob written until it is closed, and
// GC takes it exclusively (then the layout's lock), so a writer that
// started before GC keeps every blob it wrote, and one that starts
// during GC waits for it (blobs this Layout put itself and has not yet
// committed are not protected from its own GC). A dir: layout holds one
// image and its writes remove what it no longer uses: GC refuses it.
// gcBeforeSweep, set by tests, runs between GC's mark and its sweep.
var gcBeforeSweep func()

func (l *Layout) GC(ctx context.Context, opts *GCOptions) (GCResult, error) {
	if opts == nil {
		opts = &GCOptions{}
	}
	if _, ok := l.impl.(*ociKind); !ok {
		return GCResult{}, fmt.Errorf("layout: gc %s: %w: a dir: layout holds one image, and writing it removes the files it no longer uses", l, errors.ErrUnsupported)
	}
	unpin, err := l.pinExclusive(ctx, opts.OnWait)
	if err != nil {
		return GCResult{}, fmt.Errorf("layout: gc %s: %w", l, err)
	}
	defer unpin()
	unlock, err := l.lockOnly(ctx)
	if err != nil {
		return GCResult{}, err
	}
	defer unlock()

	var res GCResult
	if opts.DryRun {
		res.Leftovers, err = l.leftovers(ctx, false)
	} else {
		res.Leftovers, err = l.sweepLocked(ctx)
	}
	if err != nil {
		return res, err
	}
	m := &marker{l: l, kept: map[digest.Digest]bool{}}
	top, _, err := l.impl.top(ctx)
	if err != nil {
		return res, err
	}
	for _, d := range top {
		if err := m.mark(ctx, d); err != nil {
			return res, err
		}
	}
	stored, err := l.storedBlobs(ctx)
	if err != nil {
		return res, err
	}
	if err := m.referrers(ctx, stored); err != nil {
		return res, err
	}
	res.DocumentsRead = m.reads
	if gcBeforeSweep != nil {
		gcBeforeSweep()
	}
	for _, b := range stored {
		if m.kept[b.d] {
			res.Kept++
			continue
		}
		if !opts.DryRun {
			if err := l.root.Remove(b.name); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // gone meanwhile
				}
				return res, fmt.Errorf("layout: gc %s: %w", l, err)
			}
		}
		res.Removed = append(res.Removed, b.d)
		res.Bytes += b.size
	}
	if !opts.DryRun && len(res.Removed) > 0 {
		for _, alg := range m.algDirs(stored) {
			if err := syncDir(l.root, alg); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// storedBlob is a file of blobs/ named by a valid digest.
type storedBlob struct {
	d    digest.Digest
	name string
	size int64
}

// storedBlobs lists the blobs under blobs/, in name order; files whose
// names are not valid digests of a known algorithm are left out (and
// alone).
func (l *Layout) storedBlobs(ctx context.Context) ([]storedBlob, error) {
	algs, err := readNames(l.root.FS(), ociBlobsDir)
	if err != nil {
		return nil, fmt.Errorf("layout: %s: %w", l, err)
	}
	var out []storedBlob
	for _, alg := range algs {
		dir := ociBlobsDir + "/" + alg
		entries, err := fs.ReadDir(l.root.FS(), dir)
		if err != nil {
			continue // not a folder
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			d := digest.Digest(alg + ":" + e.Name())
			if l.algs.ValidateDigest(d) != nil {
				continue
			}
			fi, err := e.Info()
			if err != nil {
				continue // removed meanwhile
			}
			out = append(out, storedBlob{d: d, name: dir + "/" + e.Name(), size: fi.Size()})
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// gcDoc is what GC reads of a manifest or index: every descriptor it
// holds, whatever its format (OCI and Docker manifests and indexes, the
// image-spec 1.1-rc artifact manifest's blobs, schema 1's fsLayers).
type gcDoc struct {
	MediaType string   `json:"mediaType"`
	Config    *gcDesc  `json:"config"`
	Layers    []gcDesc `json:"layers"`
	Manifests []gcDesc `json:"manifests"`
	Blobs     []gcDesc `json:"blobs"`
	Subject   *gcDesc  `json:"subject"`
	FSLayers  []struct {
		Blob digest.Digest `json:"blobSum"`
	} `json:"fsLayers"`
}

type gcDesc struct {
	MediaType string        `json:"mediaType"`
	Digest    digest.Digest `json:"digest"`
	Size      int64         `json:"size"`
}

func (d gcDesc) desc() core.Descriptor {
	return core.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

// marker marks what GC keeps, reading each document once.
type marker struct {
	l     *Layout
	kept  map[digest.Digest]bool
	reads int
}

// mark keeps d and, when it is a manifest or index, everything it names.
func (m *marker) mark(ctx context.Context, d core.Descriptor) error {
	if m.kept[d.Digest] || d.Digest == "" {
		return nil
	}
	m.kept[d.Digest] = true
	if d.MediaType != "" && !m.l.isDocumentType(d.MediaType) {
		return nil // a blob of another kind, listed by an index
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b, _, err := m.l.readDocument(ctx, d)
	switch {
	case err == nil:
	case errors.Is(err, core.ErrNotFound):
		// Not in the layout (a subject kept elsewhere, a platform not
		// copied): no reader reaches what it would name.
		return nil
	case d.MediaType == "":
		return nil // untyped and not a document: kept as a blob
	default:
		// Damaged: what it names may be wanted once it is repaired.
		return fmt.Errorf("layout: gc %s: nothing removed: %w", m.l, err)
	}
	m.reads++
	var doc gcDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		if d.MediaType == "" {
			return nil
		}
		return fmt.Errorf("layout: gc %s: nothing removed: %w", m.l, &BlobError{Digest: d.Digest, Err: fmt.Errorf("%w: %v", core.ErrInvalidDocument, err)})
	}
	return m.markDoc(ctx, doc)
}

func (m *marker) markDoc(ctx context.Context, doc gcDoc) error {
	var ds []core.Descriptor
	if doc.Config != nil {
		ds = append(ds, doc.Config.desc())
	}
	for _, set := range [][]gcDesc{doc.Layers, doc.Blobs} {
		for _, x := range set {
			m.kept[x.Digest] = true // never read
		}
	}
	for _, f := range doc.FSLayers {
		m.kept[f.Blob] = true
	}
	for _, x := range doc.Manifests {
		ds = append(ds, x.desc())
	}
	if doc.Subject != nil {
		ds = append(ds, doc.Subject.desc())
	}
	for _, d := range ds {
		if d.Digest == "" {
			continue
		}
		if doc.Config != nil && d.Digest == doc.Config.Digest && !m.l.isDocumentType(d.MediaType) {
			m.kept[d.Digest] = true
			continue
		}
		if err := m.mark(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// referrers keeps the stored manifests whose subject is kept, until no
// more are found (a referrer of a referrer, ...). Only blobs not kept
// already and small enough to be a document are looked at.
func (m *marker) referrers(ctx context.Context, stored []storedBlob) error {
	type cand struct {
		b   storedBlob
		doc gcDoc
	}
	var cands []cand
	for _, b := range stored {
		if m.kept[b.d] || b.size > m.l.opts.maxDoc || b.size < 2 {
			continue
		}
		doc, ok := m.sniff(ctx, b)
		if ok && doc.Subject != nil {
			cands = append(cands, cand{b, doc})
		}
	}
	for changed := true; changed; {
		changed = false
		for _, c := range cands {
			if m.kept[c.b.d] || !m.kept[c.doc.Subject.Digest] {
				continue
			}
			m.kept[c.b.d] = true
			if err := m.markDoc(ctx, c.doc); err != nil {
				return err
			}
			changed = true
		}
	}
	return nil
}

// sniff reads a stored blob that may be a manifest: one whose first
// byte is '{', verified against its digest.
func (m *marker) sniff(ctx context.Context, b storedBlob) (gcDoc, bool) {
	f, _, err := openRegular(m.l.root, b.name)
	if err != nil {
		return gcDoc{}, false
	}
	var first [1]byte
	_, err = io.ReadFull(f, first[:])
	f.Close()
	if err != nil || first[0] != '{' {
		return gcDoc{}, false
	}
	raw, err := m.l.blobs.readFile(ctx, b.name, core.Descriptor{Digest: b.d, Size: b.size})
	if err != nil {
		return gcDoc{}, false
	}
	var doc gcDoc
	if json.Unmarshal(raw, &doc) != nil || doc.Subject == nil || doc.Subject.Digest == "" {
		return gcDoc{}, false
	}
	m.reads++
	return doc, true
}

// algDirs lists the algorithm folders of the blobs removed, to sync.
func (m *marker) algDirs(stored []storedBlob) []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range stored {
		if dir := path.Dir(b.name); !m.kept[b.d] && !seen[dir] {
			seen[dir] = true
			out = append(out, dir)
		}
	}
	return out
}

// pin holds a shared lock on the blobs folder from the first blob this
// Layout writes until it is closed, so that GC (which takes it
// exclusively) never removes a blob a writer has put but not yet
// committed. dir: layouts, whose writes hold the layout's lock
// throughout, are not pinned.
func (l *Layout) pin(ctx context.Context) error {
	if _, ok := l.impl.(*ociKind); !ok {
		return nil
	}
	l.pinMu.Lock()
	defer l.pinMu.Unlock()
	if l.pinned != nil {
		return nil
	}
	f, err := l.root.Open(ociBlobsDir)
	if err != nil {
		return fmt.Errorf("layout: %s: %w", l, err)
	}
	if err := flockWait(ctx, f, false, nil); err != nil {
		f.Close()
		return fmt.Errorf("layout: %s: wait for gc: %w", l, err)
	}
	l.pinned = f
	return nil
}

// pinExclusive takes the blobs folder's lock exclusively (upgrading this
// Layout's own shared lock, if it holds one), and returns the function
// that gives it back.
// Until then, writers of this Layout wait too (they take pinMu).
func (l *Layout) pinExclusive(ctx context.Context, onWait func()) (func(), error) {
	l.pinMu.Lock()
	if l.pinned != nil {
		f := l.pinned
		if err := flockWait(ctx, f, true, onWait); err != nil {
			l.pinMu.Unlock()
			return nil, err
		}
		return func() {
			flockWait(context.Background(), f, false, nil)
			l.pinMu.Unlock()
		}, nil
	}
	f, err := l.root.Open(ociBlobsDir)
	if err != nil {
		l.pinMu.Unlock()
		return nil, err
	}
	if err := flockWait(ctx, f, true, onWait); err != nil {
		f.Close()
		l.pinMu.Unlock()
		return nil, err
	}
	return func() {
		f.Close()
		l.pinMu.Unlock()
	}, nil
}

// unpin gives up the shared lock (at Close).
func (l *Layout) unpin() {
	l.pinMu.Lock()
	defer l.pinMu.Unlock()
	if l.pinned != nil {
		l.pinned.Close()
		l.pinned = nil
	}
}
