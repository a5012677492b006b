package layer_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"hash"
	"sync/atomic"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layer"
	digest "github.com/opencontainers/go-digest"
)

// countingDigester is sha256 that counts the hashes made and the bytes
// they hash.
type countingDigester struct {
	made, bytes atomic.Int64
}

func (d *countingDigester) Algorithm() digest.Algorithm { return core.SHA256 }
func (d *countingDigester) Size() int                   { return sha256.Size }
func (d *countingDigester) Backend() string             { return "counting" }
func (d *countingDigester) New() hash.Hash {
	d.made.Add(1)
	return &countingHash{Hash: sha256.New(), n: &d.bytes}
}

type countingHash struct {
	hash.Hash
	n *atomic.Int64
}

func (h *countingHash) Write(p []byte) (int, error) {
	h.n.Add(int64(len(p)))
	return h.Hash.Write(p)
}

// TestHashedOnce: an uncompressed layer is hashed once, a compressed one
// once as tar and once compressed.
func TestHashedOnce(t *testing.T) {
	root := t.TempDir()
	compatTree(t, root)
	for _, c := range compressions {
		d := &countingDigester{}
		l, _ := build(t, layer.Options{Compression: c, Digesters: []core.Digester{d}}, layer.FromDir(root))
		wantMade, wantBytes := int64(2), l.Size+l.UncompressedSize
		if c == core.Uncompressed {
			wantMade, wantBytes = 1, l.Size
		}
		if d.made.Load() != wantMade || d.bytes.Load() != wantBytes {
			t.Errorf("%v: %d hashes over %d bytes, want %d over %d", c, d.made.Load(), d.bytes.Load(), wantMade, wantBytes)
		}
	}
}

// writerFunc adapts a function to io.Writer.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestCancel cancels the context from the writer's first write, so the
// pipeline is surely running: Write must return the context's error and
// leave no goroutine behind.
func TestCancel(t *testing.T) {
	root := t.TempDir()
	compatTree(t, root)
	plan, err := layer.Scan(context.Background(), layer.FromDir(root))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			defer verifyNone(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			w := writerFunc(func(p []byte) (int, error) { cancel(); return len(p), nil })
			if _, err := plan.Write(ctx, w, layer.Options{Compression: c}); !errors.Is(err, context.Canceled) {
				t.Errorf("Write cancelled during its first write: error %v, want context.Canceled", err)
			}
			if _, err := plan.Write(ctx, w, layer.Options{Compression: c}); !errors.Is(err, context.Canceled) {
				t.Errorf("Write with a cancelled context: error %v, want context.Canceled", err)
			}
		})
	}
}

// TestCancelWhileWriterBlocks: a writer that blocks until the context
// is done lets Write return the context's error.
func TestCancelWhileWriterBlocks(t *testing.T) {
	defer verifyNone(t)
	root := t.TempDir()
	compatTree(t, root)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	entered := make(chan struct{})
	w := writerFunc(func(p []byte) (int, error) {
		close(entered)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	go func() { <-entered; cancel() }()
	if _, err := layer.Build(ctx, w, layer.Options{Compression: core.Gzip}, layer.FromDir(root)); !errors.Is(err, context.Canceled) {
		t.Errorf("Write cancelled while the writer blocks: error %v, want context.Canceled", err)
	}
}

var errDiskFull = errors.New("disk full")

// TestWriterError: the writer's error ends the write, wrapped, after
// any number of good writes.
func TestWriterError(t *testing.T) {
	root := t.TempDir()
	compatTree(t, root)
	plan, err := layer.Scan(context.Background(), layer.FromDir(root))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compressions {
		for _, after := range []int{0, 1, 2} {
			n := 0
			w := writerFunc(func(p []byte) (int, error) {
				if n++; n > after {
					return 0, errDiskFull
				}
				return len(p), nil
			})
			if _, err := plan.Write(context.Background(), w, layer.Options{Compression: c}); !errors.Is(err, errDiskFull) {
				t.Errorf("%v: Write to a writer failing after %d writes: error %v, want errDiskFull", c, after, err)
			}
			verifyNone(t)
		}
	}
}

// TestWriteSizes: the caller's writer gets writes of 1 MiB but the
// last, not the compressor's small pieces.
func TestWriteSizes(t *testing.T) {
	root := t.TempDir()
	compatTree(t, root)
	for _, c := range compressions {
		var sizes []int
		w := writerFunc(func(p []byte) (int, error) { sizes = append(sizes, len(p)); return len(p), nil })
		if _, err := layer.Build(context.Background(), w, layer.Options{Compression: c}, layer.FromDir(root)); err != nil {
			t.Fatal(err)
		}
		for i, n := range sizes[:len(sizes)-1] {
			if n != 1<<20 {
				t.Errorf("%v: write %d of %d has %d bytes, want 1 MiB", c, i, len(sizes), n)
			}
		}
	}
}
