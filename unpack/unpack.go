package unpack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/transport"
)

// Options control [Unpack], [Export] and [Apply]. The zero value (or
// nil) unpacks the running machine's platform with core.Default's
// formats and algorithms, refuses device nodes, and sets owners only
// when running as root.
type Options struct {
	// Registry decodes the manifests and hashes with its algorithms.
	Registry *core.Registry
	// Platform chooses the manifest of an index (nil: this machine's).
	Platform *core.Platform
	// MaxDocumentSize bounds the manifests and config read (<= 0:
	// core.DefaultMaxDocumentSize).
	MaxDocumentSize int64
	// Devices says what becomes of character and block devices
	// (default DevicesRefuse). Export writes them whatever it says.
	Devices DeviceMode
	// IgnoreOwners leaves every file owned by the unpacking process;
	// otherwise, as root, each gets the owner its entry names (a process
	// that is not root cannot, and does not try).
	IgnoreOwners bool
}

func (o *Options) orZero() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Registry == nil {
		out.Registry = core.Default
	}
	if out.MaxDocumentSize <= 0 {
		out.MaxDocumentSize = core.DefaultMaxDocumentSize
	}
	return out
}

// Result says what was unpacked or exported.
type Result struct {
	// Manifest describes the image's manifest, with its platform when an
	// index chose it; Index the index it was chosen from, if any.
	Manifest core.Descriptor
	Index    *core.Descriptor
	// Layers is how many layers were applied; Entries how many tar
	// entries they held (whiteouts included).
	Layers  int
	Entries int
}

// image is the manifest of the image a source resolves to, and the
// diffIDs its config gives.
type image struct {
	m       *transport.Manifest
	diffIDs []digest.Digest
}

func readImage(ctx context.Context, src transport.Source, o Options) (*image, error) {
	m, err := transport.ReadManifest(ctx, src, o.Platform, &transport.CopyOptions{Registry: o.Registry, MaxDocumentSize: o.MaxDocumentSize})
	if err != nil {
		return nil, err
	}
	img := &image{m: m}
	// A config that names no diffIDs (an artifact's, a config too large
	// to read) leaves the layers checked by their digests alone.
	if m.Config == nil {
		return img, nil
	}
	if ids, err := core.ConfigDiffIDs(m.Config); err == nil && len(ids) > 0 {
		if len(ids) != len(m.Manifest.Layers) {
			return nil, fmt.Errorf("%w: the config lists %d diffIDs for %d layers", ErrDiffID, len(ids), len(m.Manifest.Layers))
		}
		img.diffIDs = ids
	}
	return img, nil
}

func (img *image) result() *Result {
	return &Result{Manifest: img.m.Descriptor, Index: img.m.Index, Layers: len(img.m.Manifest.Layers)}
}

// eachLayer opens the image's layers in order, each as its
// uncompressed tar stream, and calls fn with it. The stream is read to
// its end after fn returns, so that every byte of the blob is checked
// against its digest and the uncompressed bytes against the diffID.
func (img *image) eachLayer(ctx context.Context, src transport.Source, o Options, fn func(i int, r io.Reader) error) error {
	for i, d := range img.m.Manifest.Layers {
		var diffID digest.Digest
		if img.diffIDs != nil {
			diffID = img.diffIDs[i]
		}
		if err := openLayer(ctx, src, o, i, d, diffID, fn); err != nil {
			return err
		}
	}
	return nil
}

func openLayer(ctx context.Context, src transport.Source, o Options, i int, d core.Descriptor, diffID digest.Digest, fn func(i int, r io.Reader) error) error {
	fail := func(err error) error { return &LayerError{Layer: i, Digest: string(d.Digest), Err: err} }
	c, err := core.LayerCompression(d.MediaType)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrNotLayer, err))
	}
	var h hash.Hash
	if diffID != "" {
		algs := o.Registry.Algorithms()
		if err := algs.ValidateDigest(diffID); err != nil {
			return fail(fmt.Errorf("%w: %w", ErrDiffID, err))
		}
		if h, err = algs.NewHash(diffID.Algorithm()); err != nil {
			return fail(fmt.Errorf("%w: %w", ErrDiffID, err))
		}
	}
	rc, err := src.Fetch(ctx, d)
	if err != nil {
		return fail(err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<20)
	var tarStream io.Reader = br
	switch c {
	case core.Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fail(fmt.Errorf("%w: gzip: %w", ErrNotLayer, err))
		}
		defer zr.Close()
		tarStream = zr
	case core.Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(digesters.MaxZstdWindow), zstd.WithDecoderLowmem(true))
		if err != nil {
			return fail(fmt.Errorf("%w: zstd: %w", ErrNotLayer, err))
		}
		defer zr.Close()
		tarStream = zr
	}
	if h != nil {
		tarStream = io.TeeReader(tarStream, h)
	}
	if err := fn(i, tarStream); err != nil {
		return err
	}
	// What follows the tar's end (its padding, trailing zeros) counts in
	// the diffID, and the rest of the blob in its digest.
	if _, err := io.Copy(io.Discard, tarStream); err != nil {
		return fail(layerReadError(c, err))
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return fail(err)
	}
	if h != nil {
		if got := digest.NewDigest(diffID.Algorithm(), h); got != diffID {
			return fail(fmt.Errorf("%w: want %s, got %s", ErrDiffID, diffID, got))
		}
	}
	return nil
}

// layerReadError says whether a read failed in the blob (its digest or
// size) or in its decompression.
func layerReadError(c core.Compression, err error) error {
	if errors.Is(err, core.ErrDigestMismatch) || errors.Is(err, core.ErrSizeMismatch) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %v: %w", ErrNotLayer, c, err)
}

// Unpack extracts the filesystem of the image src resolves to (the
// manifest of opts.Platform in an index) into the folder dir: its
// layers applied in order, OCI whiteouts (".wh.NAME", ".wh..wh..opq")
// removing what lower layers put there; modes (setuid, setgid and
// sticky included), times, extended attributes and, as root, owners as
// the entries say. dir must not exist or be an empty folder. The tree
// is built in a new folder beside it and renamed into place only when
// whole, so nothing half written is ever under dir: on any error, dir
// is as it was.
//
// Every blob is verified while it is read (digest and size, and the
// uncompressed stream against the config's diffID); layers are tar,
// tar+gzip or tar+zstd. Hostile layers are refused with a
// [*LayerError] naming the entry: a name that is absolute or holds
// "..", a path or a hard link that would leave the folder (a symbolic
// link pointing outside, then a file written through it), a device
// node unless opts.Devices allows it. Every file is reached through an
// os.Root of the new folder; chunks of zeros become holes, so a sparse
// file of 10 GiB takes the room of its data.
func Unpack(ctx context.Context, src transport.Source, dir string, opts *Options) (*Result, error) {
	o := opts.orZero()
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	img, err := readImage(ctx, src, o)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".unpack-")
	if err != nil {
		return nil, fmt.Errorf("unpack: a folder cannot be made beside %s: %w", dir, err)
	}
	done := false
	defer func() {
		if !done {
			removeTree(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	root, err := os.OpenRoot(tmp)
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	defer root.Close()
	a := newApplier(root, o)
	err = img.eachLayer(ctx, src, o, func(i int, r io.Reader) error {
		a.layer, a.digest = i, string(img.m.Manifest.Layers[i].Digest)
		return a.apply(ctx, r)
	})
	if err == nil {
		err = a.finish()
	}
	if err != nil {
		return nil, err
	}
	root.Close()
	if err := renameDir(tmp, dir); err != nil {
		if errors.Is(err, fs.ErrExist) || errors.Is(err, errNotEmptyRename) {
			return nil, fmt.Errorf("%w: %s (written meanwhile)", ErrNotEmpty, dir)
		}
		return nil, fmt.Errorf("unpack: %w", err)
	}
	done = true
	res := img.result()
	res.Entries = a.entries
	return res, nil
}

// Apply applies one uncompressed tar layer to the folder of root, as
// [Unpack] applies each layer: whiteouts remove what root holds, and
// hostile entries are refused. Folders' times and modes are set once
// the layer is applied.
func Apply(ctx context.Context, root *os.Root, layer io.Reader, opts *Options) error {
	a := newApplier(root, opts.orZero())
	a.layer, a.digest = 0, "-"
	if err := a.apply(ctx, layer); err != nil {
		return err
	}
	return a.finish()
}

// checkEmpty refuses a dir that exists and is not an empty folder.
func checkEmpty(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a folder", ErrNotEmpty, dir)
	}
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	defer f.Close()
	if names, _ := f.Readdirnames(1); len(names) > 0 {
		return fmt.Errorf("%w: %s holds %s", ErrNotEmpty, dir, names[0])
	}
	return nil
}

// removeTree removes a tree that a layer may have made unwritable.
func removeTree(dir string) {
	if os.RemoveAll(dir) == nil {
		return
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	os.RemoveAll(dir)
}
