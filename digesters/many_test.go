package digesters

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
	"sync/atomic"
	"syscall"
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

// TestDigestFilesFolderRuns: files given in runs from one folder (which
// a worker may open, to open the files relative to it) are read as
// their whole paths name them, however the folder is spelled: absolute
// or relative, with "." or ".." or "//", through a symbolic link; a
// folder part that does not resolve as spelled ("missing/..") fails as
// the path does, and so does a missing file, or a path through a file,
// in the middle of a run.
func TestDigestFilesFolderRuns(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sub, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	const n = 20
	data := pattern(n * 100)
	var blobs [][]byte
	for i := range n {
		b := data[i*50 : i*50+i*40]
		blobs = append(blobs, b)
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%02d", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, sub)
	if err != nil {
		t.Fatal(err)
	}
	in := func(folder string) []string {
		var paths []string
		for i := range n {
			paths = append(paths, folder+fmt.Sprintf("/f%02d", i))
		}
		return paths
	}
	for _, folder := range []string{sub, rel, dir + "/sub/../sub", dir + "/./sub", dir + "//sub", dir + "/link", sub + "/"} {
		for _, workers := range []int{1, 2} {
			got, err := (&Engine{Workers: workers}).DigestFiles(context.Background(), in(folder))
			if err != nil {
				t.Fatalf("DigestFiles(%s/..., workers=%d): %v", folder, workers, err)
			}
			for i := range got {
				if want := wantResult(blobs[i], nil); !equalResult(got[i], want) {
					t.Errorf("DigestFiles(%s/..., workers=%d)[%d] = %v, want %v", folder, workers, i, got[i], want)
				}
			}
		}
	}
	for _, tt := range []struct {
		name  string
		paths []string
		bad   string // the path the error names
		want  error
	}{
		{"a missing folder before ..", in(dir + "/missing/../sub"), dir + "/missing/../sub/f00", fs.ErrNotExist},
		{"a missing file in a run", append(in(sub)[:12], sub+"/none"), sub + "/none", fs.ErrNotExist},
		{"a path through a file", append(in(sub)[:12], sub+"/f03/x"), sub + "/f03/x", syscall.ENOTDIR},
	} {
		_, err := (&Engine{Workers: 1}).DigestFiles(context.Background(), tt.paths)
		var pe *fs.PathError
		if !errors.Is(err, tt.want) || !errors.As(err, &pe) || pe.Path != tt.bad {
			t.Errorf("DigestFiles(%s) = %v, want %v naming %s", tt.name, err, tt.want, tt.bad)
		}
	}
}
