package digesters

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

func TestDigestFiles(t *testing.T) {
	data := pattern(2*BufferSize + 32)
	var paths []string
	var blobs [][]byte
	// Sizes around the workers' own buffers for small files (which grow
	// from one file to the next, up to smallBuffer) and the pooled ones.
	for i, n := range []int{0, 9, 4096, 4095, 4097, 8192, smallBuffer - 1, smallBuffer, 1000, smallBuffer + 1, DefaultDirectLimit + 3, BufferSize, 2*BufferSize + 5, 77} {
		b := data[i : i+n]
		blobs = append(blobs, b)
		paths = append(paths, writeFile(t, fmt.Sprintf("f%d", i), b))
	}
	for _, workers := range []int{0, 1, 2, 8} {
		for _, algs := range [][]digest.Algorithm{nil, {core.SHA256, core.SHA512}} {
			e := &Engine{Workers: workers}
			got, err := e.DigestFiles(context.Background(), paths, algs...)
			if err != nil || len(got) != len(paths) {
				t.Fatalf("DigestFiles(workers=%d, %v) = %d results, %v", workers, algs, len(got), err)
			}
			for i := range paths {
				if want := wantResult(blobs[i], algs); !equalResult(got[i], want) {
					t.Errorf("DigestFiles(workers=%d, %v)[%d] = %v, want %v", workers, algs, i, got[i], want)
				}
			}
			rs := make([]io.Reader, len(blobs))
			for i, b := range blobs {
				rs[i] = bytes.NewReader(b)
			}
			gotR, err := e.DigestReaders(context.Background(), rs, algs...)
			if err != nil || len(gotR) != len(rs) {
				t.Fatalf("DigestReaders(workers=%d) = %d results, %v", workers, len(gotR), err)
			}
			for i := range rs {
				if !equalResult(gotR[i], got[i]) {
					t.Errorf("DigestReaders(workers=%d)[%d] = %v, want %v", workers, i, gotR[i], got[i])
				}
			}
		}
	}
	if got, err := DigestFiles(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("DigestFiles(none) = %v, %v; want no results and no error", got, err)
	}
}

func TestDigestFilesProgress(t *testing.T) {
	data := pattern(3 * BufferSize)
	paths := []string{writeFile(t, "a", data), writeFile(t, "b", data[:BufferSize]), writeFile(t, "c", data[:10])}
	var total, inside atomic.Int64
	e := &Engine{Workers: 3, Progress: func(n int64) {
		if inside.Add(1) != 1 {
			t.Errorf("Progress called concurrently")
		}
		total.Add(n)
		inside.Add(-1)
	}}
	if _, err := e.DigestFiles(context.Background(), paths); err != nil {
		t.Fatal(err)
	}
	if want := int64(4*BufferSize + 10); total.Load() != want {
		t.Errorf("Progress reported %d bytes, want %d", total.Load(), want)
	}
}

func TestDigestFilesFirstErrorWins(t *testing.T) {
	ok := writeFile(t, "ok", []byte("fine"))
	missing := filepath.Join(t.TempDir(), "missing")
	got, err := (&Engine{Workers: 1}).DigestFiles(context.Background(), []string{ok, missing, ok})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing") || got != nil {
		t.Errorf("DigestFiles(with a missing file) = %v, %v; want nil and an error naming it", got, err)
	}
}

// failing fails with errBoom after n bytes.
type failing struct {
	n    int
	read int
}

var errBoom = errors.New("boom")

func (f *failing) Read(p []byte) (int, error) {
	if f.read >= f.n {
		return 0, errBoom
	}
	k := min(len(p), f.n-f.read)
	clear(p[:k])
	f.read += k
	return k, nil
}

// TestDigestReadersStopsTheRest: endless readers finish only because
// the first error stops them.
func TestDigestReadersStopsTheRest(t *testing.T) {
	for _, workers := range []int{2, 4} {
		rs := []io.Reader{&endless{}, &failing{n: 3 * BufferSize}, &endless{}, &endless{}}
		got, err := (&Engine{Workers: workers}).DigestReaders(context.Background(), rs)
		if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "reader 1") || got != nil {
			t.Errorf("DigestReaders(workers=%d, endless and failing) = %v, %v; want the failing reader's error", workers, got, err)
		}
	}
}

func TestDigestFilesCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := writeFile(t, "a", []byte("a"))
	if _, err := DigestFiles(ctx, []string{p, p}); !errors.Is(err, context.Canceled) {
		t.Errorf("DigestFiles(cancelled) = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	e := &Engine{Progress: func(int64) { cancel() }}
	if _, err := e.DigestReaders(ctx, []io.Reader{&endless{}, &endless{}, &endless{}}); !errors.Is(err, context.Canceled) {
		t.Errorf("DigestReaders(cancelled midway) = %v, want context.Canceled", err)
	}
}
