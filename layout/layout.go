package layout

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/concil-go/ocispec/core"
)

// Layout is an image layout on disk, open for reading and writing. Its
// methods are safe for concurrent use; writers (in this process and,
// where flock exists, in others) update the layout's root files one at
// a time. Every file is reached through an os.Root on the folder, so no
// name and no symbolic link leads outside it.
type Layout struct {
	path string
	root *os.Root
	reg  *core.Registry
	algs *core.Algorithms // reg's, which hash and check every blob
	opts options

	// blobs holds the blobs; impl is what differs between the kinds
	// (oci.go, dir.go): marker files, where documents live, what names
	// the image and how a write is committed.
	blobs *storage
	impl  kindImpl

	mu     sync.Mutex // serialises writers of index.json, manifest.json and version
	closed bool
	swept  bool // leftovers were swept once under the lock (leftovers.go)

	// pinned is the blobs folder, share-locked from the first blob
	// written until Close, so that GC waits for the writer (gc.go).
	pinMu  sync.Mutex
	pinned *os.File

	// docReads counts the manifests, indexes and top-level documents
	// read, so that tests can bound a walk by what it reads.
	docReads atomic.Int64
}

// kindImpl is what one kind of layout does its own way. Blob storage
// (storage.go) and everything else (listing, selection, encoding,
// concurrent blob writes, verification) are shared.
type kindImpl interface {
	naming
	Kind() Kind
	// create writes the marker files of a new layout into an empty
	// folder; complete finishes one whose creation was cut short.
	create() error
	complete() error
	// checkVersion reads the marker file and refuses a version this
	// package does not read.
	checkVersion() error
	// top returns the top-level entries: index.json's, or a descriptor
	// computed for manifest.json (whose bytes are then returned too).
	top(ctx context.Context) ([]core.Descriptor, []byte, error)
	// readDocument reads the manifest or index d describes, verified,
	// and returns it with the name of its file.
	readDocument(ctx context.Context, d core.Descriptor) ([]byte, string, error)
	// checkTag says whether tag can name an image (nil) or not.
	checkTag(tag string) error
	// commit stores the documents below the root, then the root, which
	// names top as the image; blobs are the image's blobs, stored.
	commit(ctx context.Context, top encoded, blobs []core.Descriptor, docs []encoded, opts *WriteOptions) (core.Descriptor, error)
	// exclusive says whether a write holds the layout's lock from its
	// first blob to its commit (dir:, whose commit removes the files of
	// the image it replaces).
	exclusive() bool
}

// Option changes how a layout is opened.
type Option func(*options)

type options struct {
	reg      *core.Registry
	maxDoc   int64
	maxIndex int64
	workers  int
	// maxNested bounds a walk (see defaultMaxNested); tests lower it.
	maxNested int
}

// WithRegistry sets the registry whose formats decode manifests and
// whose algorithms ([core.Registry.Algorithms]) hash and check blobs
// (default core.Default, with core.DefaultAlgorithms). A registry without
// algorithms hashes sha256 and sha512 only.
func WithRegistry(r *core.Registry) Option {
	return func(o *options) {
		if r != nil {
			o.reg = r
		}
	}
}

// WithMaxDocumentSize sets the largest manifest, index, config or
// index.json read into memory (default core.DefaultMaxDocumentSize,
// 4 MiB); n <= 0 keeps the default. Larger documents are refused before
// they are read.
func WithMaxDocumentSize(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxDoc = n
		}
	}
}

// WithMaxIndexSize sets the largest index.json an OCI layout reads and
// writes (default [DefaultMaxIndexSize], 64 MiB); n <= 0 keeps the
// default. A write that would make index.json larger is refused before
// anything is written, so that the layout stays readable.
func WithMaxIndexSize(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxIndex = n
		}
	}
}

// WithWorkers sets how many blobs are hashed or written at once
// (default GOMAXPROCS); n <= 0 keeps the default.
func WithWorkers(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.workers = n
		}
	}
}

func makeOptions(opts []Option) options {
	o := options{reg: core.Default, maxDoc: core.DefaultMaxDocumentSize, maxIndex: DefaultMaxIndexSize, workers: runtime.GOMAXPROCS(0), maxNested: defaultMaxNested}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// Detect says which kind of layout the folder at path holds: OCI when it
// has an oci-layout file, Dir when it has a version file. A folder with
// neither, or with both, is an error wrapping ErrNotLayout. Detect does
// not check the files' contents; Open does.
func Detect(path string) (Kind, error) {
	root, err := os.OpenRoot(path)
	if err != nil {
		return 0, fmt.Errorf("layout: open %s: %w", path, err)
	}
	defer root.Close()
	return detect(root, path)
}

func detect(root *os.Root, path string) (Kind, error) {
	hasOCI, hasDir, err := markers(root)
	if err != nil {
		return 0, fmt.Errorf("layout: %s: %w", path, err)
	}
	switch {
	case hasOCI && hasDir:
		return 0, fmt.Errorf("%w: %s has both an oci-layout file (OCI image layout) and a version file (dir:)", ErrNotLayout, path)
	case hasOCI:
		return OCI, nil
	case hasDir:
		return Dir, nil
	}
	return 0, fmt.Errorf("%w: %s has neither an oci-layout file (OCI image layout) nor a version file (dir:)", ErrNotLayout, path)
}

// markers reports which of the two marker files the folder has.
func markers(root *os.Root) (hasOCI, hasDir bool, err error) {
	if hasOCI, err = exists(root, ociLayoutFile); err != nil {
		return false, false, err
	}
	hasDir, err = exists(root, dirVersionFile)
	return hasOCI, hasDir, err
}

// Open opens the layout in the folder at path, detecting its kind, and
// checks its version: oci-layout must say imageLayoutVersion 1.0.0; a
// dir: version file must be exactly "Directory Transport Version: 1.1\n"
// or "... 1.2\n". Anything else is refused (ErrNotLayout,
// ErrUnsupportedVersion). Close the layout when done.
func Open(path string, opts ...Option) (*Layout, error) {
	o := makeOptions(opts)
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("layout: open %s: %w", path, err)
	}
	kind, err := detect(root, path)
	if err != nil {
		root.Close()
		return nil, err
	}
	l := newLayout(path, kind, root, o)
	if err := l.impl.checkVersion(); err != nil {
		root.Close()
		return nil, err
	}
	return l, nil
}

// newLayout assembles a layout of the given kind on root.
func newLayout(path string, kind Kind, root *os.Root, o options) *Layout {
	l := &Layout{path: path, root: root, reg: o.reg, algs: o.reg.Algorithms(), opts: o}
	switch kind {
	case OCI:
		l.impl = newOCIKind(l)
	case Dir:
		l.impl = dirKind{l}
	}
	l.blobs = &storage{root: root, algs: l.algs, workers: o.workers, names: l.impl, pin: l.pin}
	return l
}

// Create opens the layout of the given kind at path for writing,
// creating it when the folder does not exist or is empty. A folder that
// holds a layout of the other kind, or that is not empty and holds no
// layout, is refused with an error wrapping ErrNotEmpty: nothing in it
// is touched.
func Create(path string, kind Kind, opts ...Option) (*Layout, error) {
	if kind != OCI && kind != Dir {
		return nil, fmt.Errorf("layout: create %s: unknown kind %v", path, kind)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("layout: create %s: %w", path, err)
	}
	o := makeOptions(opts)
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("layout: create %s: %w", path, err)
	}
	l := newLayout(path, kind, root, o)
	if err := l.initialize(path, kind); err != nil {
		root.Close()
		return nil, err
	}
	return l, nil
}

func (l *Layout) initialize(path string, kind Kind) error {
	unlock, err := lockFolder(context.Background(), l.root)
	if err != nil {
		return fmt.Errorf("layout: lock %s: %w", path, err)
	}
	defer unlock()
	l.sweepLocked(context.Background())
	hasOCI, hasDir, err := markers(l.root)
	if err != nil {
		return fmt.Errorf("layout: %s: %w", path, err)
	}
	if hasOCI || hasDir {
		found, err := detect(l.root, path)
		if err != nil {
			return err
		}
		if found != kind {
			return fmt.Errorf("%w: %s holds a %s layout, not %s", ErrNotEmpty, path, found, kind)
		}
		if err := l.impl.checkVersion(); err != nil {
			return err
		}
		return l.impl.complete()
	}
	d, err := l.root.Open(".")
	if err != nil {
		return fmt.Errorf("layout: %s: %w", path, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("layout: %s: %w", path, err)
	}
	for _, n := range names {
		if !isLeftoverName(n) {
			return fmt.Errorf("%w: %s holds %q and no layout", ErrNotEmpty, path, n)
		}
	}
	// Only what writers keep while they work (live ones' files and
	// folders; the dead ones' were swept above): the folder counts as
	// empty.
	// The marker file goes first: a folder that holds it is ours, so a
	// write cut short can be retried into it; the image itself (a
	// manifest.json, an index.json entry) is what readers look for.
	return l.impl.create()
}

// Path returns the folder the layout was opened at.
func (l *Layout) Path() string { return l.path }

// Kind returns the layout's kind.
func (l *Layout) Kind() Kind { return l.impl.Kind() }

// String returns "oci:PATH" or "dir:PATH".
func (l *Layout) String() string { return l.Kind().String() + ":" + l.path }

// Close releases the layout's folder; later calls fail with an error
// wrapping os.ErrClosed. Readers opened from it stay usable until they
// are closed.
func (l *Layout) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.unpin()
	return l.root.Close()
}

// lock takes the layout's write lock: the mutex for this process, flock
// on the folder for others. The first time, it sweeps the leftovers of
// interrupted writes.
func (l *Layout) lock(ctx context.Context) (func(), error) {
	unlock, err := l.lockOnly(ctx)
	if err == nil {
		l.sweepOnce(ctx)
	}
	return unlock, err
}

// lockOnly is lock without the sweep.
func (l *Layout) lockOnly(ctx context.Context) (func(), error) {
	l.mu.Lock()
	unlockFolder, err := lockFolder(ctx, l.root)
	if err != nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("layout: lock %s: %w", l.path, err)
	}
	return func() {
		unlockFolder()
		l.mu.Unlock()
	}, nil
}
