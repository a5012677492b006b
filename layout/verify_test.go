package layout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// problems splits an error of Verify into its problems.
func problems(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestVerifyBadInput damages a good layout in one way each and checks
// that Verify (and reading) name the blob or file with the right error.
func TestVerifyBadInput(t *testing.T) {
	type damage func(t *testing.T, dir string, img testImage, m core.Descriptor)
	outside := t.TempDir()
	tests := []struct {
		name    string
		kind    layout.Kind
		damage  damage
		want    error  // errors.Is target
		names   string // text the error must contain
		blobErr bool   // every problem is a *layout.BlobError
	}{
		{"missing layer", layout.OCI, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			rm(t, dir, blobRel(layout.OCI, img.manifest.Layers[0].Digest))
		}, core.ErrNotFound, "layers[0] of manifest", true},
		{"missing layer dir", layout.Dir, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			rm(t, dir, blobRel(layout.Dir, img.manifest.Layers[0].Digest))
		}, core.ErrNotFound, "layers[0] of manifest.json", true},
		{"truncated layer", layout.OCI, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			p := filepath.Join(dir, blobRel(layout.OCI, img.manifest.Layers[0].Digest))
			os.Truncate(p, img.manifest.Layers[0].Size-7)
		}, core.ErrSizeMismatch, "layers[0]", true},
		{"longer config dir", layout.Dir, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			p := filepath.Join(dir, blobRel(layout.Dir, img.manifest.Config.Digest))
			os.WriteFile(p, append(img.config, ' '), 0o644)
		}, core.ErrSizeMismatch, "config of manifest.json", true},
		{"flipped byte", layout.OCI, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			flip(t, filepath.Join(dir, blobRel(layout.OCI, img.manifest.Layers[0].Digest)))
		}, core.ErrDigestMismatch, img0Layer, true},
		{"flipped byte dir", layout.Dir, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			flip(t, filepath.Join(dir, blobRel(layout.Dir, img.manifest.Config.Digest)))
		}, core.ErrDigestMismatch, "config", true},
		{"missing manifest", layout.OCI, func(t *testing.T, dir string, _ testImage, m core.Descriptor) {
			rm(t, dir, blobRel(layout.OCI, m.Digest))
		}, core.ErrNotFound, "index.json manifests[0]", true},
		{"flipped manifest", layout.OCI, func(t *testing.T, dir string, _ testImage, m core.Descriptor) {
			flip(t, filepath.Join(dir, blobRel(layout.OCI, m.Digest)))
		}, core.ErrDigestMismatch, "index.json manifests[0]", true},
		{"missing manifest.json", layout.Dir, func(t *testing.T, dir string, _ testImage, _ core.Descriptor) {
			rm(t, dir, "manifest.json")
		}, layout.ErrNoImage, "manifest.json", true},
		{"garbage manifest.json", layout.Dir, func(t *testing.T, dir string, _ testImage, _ core.Descriptor) {
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"schemaVersion":2,"config":7}`), 0o644)
		}, core.ErrInvalidDocument, "manifest.json", true},
		{"missing index.json", layout.OCI, func(t *testing.T, dir string, _ testImage, _ core.Descriptor) {
			rm(t, dir, "index.json")
		}, core.ErrNotFound, "index.json", true},
		{"path digest in index.json", layout.OCI, func(t *testing.T, dir string, _ testImage, m core.Descriptor) {
			b, _ := os.ReadFile(filepath.Join(dir, "index.json"))
			b = bytes.Replace(b, []byte(m.Digest), []byte("sha256:../../../etc/passwd"), 1)
			os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644)
		}, core.ErrInvalidDigest, "index.json", true},
		{"unknown oci-layout version", layout.OCI, func(t *testing.T, dir string, _ testImage, _ core.Descriptor) {
			os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.1.0"}`), 0o644)
		}, layout.ErrUnsupportedVersion, "oci-layout", true},
		{"unknown dir version", layout.Dir, func(t *testing.T, dir string, _ testImage, _ core.Descriptor) {
			os.WriteFile(filepath.Join(dir, "version"), []byte("Directory Transport Version: 1.3\n"), 0o644)
		}, layout.ErrUnsupportedVersion, "version", true},
		{"no version file", layout.Dir, func(t *testing.T, dir string, _ testImage, _ core.Descriptor) {
			rm(t, dir, "version")
		}, layout.ErrNotLayout, "neither", false},
		{"symlink out of blobs", layout.OCI, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			// The link points at a copy of the right bytes: still refused.
			rel := blobRel(layout.OCI, img.manifest.Layers[0].Digest)
			target := filepath.Join(outside, "layer-copy")
			os.WriteFile(target, img.layer, 0o644)
			rm(t, dir, rel)
			if err := os.Symlink(target, filepath.Join(dir, rel)); err != nil {
				t.Fatal(err)
			}
		}, layout.ErrUnsafePath, "layers[0]", true},
		{"symlinked blobs folder", layout.OCI, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			out := filepath.Join(outside, "blobs-copy")
			if err := os.Rename(filepath.Join(dir, "blobs"), out); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(out, filepath.Join(dir, "blobs")); err != nil {
				t.Fatal(err)
			}
		}, layout.ErrUnsafePath, "blobs/", true},
		{"symlink out of dir", layout.Dir, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			rel := blobRel(layout.Dir, img.manifest.Config.Digest)
			target := filepath.Join(outside, "config-copy")
			os.WriteFile(target, img.config, 0o644)
			rm(t, dir, rel)
			os.Symlink("../../../../../../../../.."+target, filepath.Join(dir, rel))
		}, layout.ErrUnsafePath, "config", true},
		{"blob is a directory", layout.OCI, func(t *testing.T, dir string, img testImage, _ core.Descriptor) {
			rel := blobRel(layout.OCI, img.manifest.Layers[0].Digest)
			rm(t, dir, rel)
			os.Mkdir(filepath.Join(dir, rel), 0o755)
		}, core.ErrNotRegular, "layers[0]", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := newTestImage(t, core.SHA256, nil)
			dir, m := writeImage(t, tt.kind, "oci", img, &layout.WriteOptions{Tag: tagFor(tt.kind, "t")})
			tt.damage(t, dir, img, m)
			err := layout.Verify(ctx, dir)
			t.Logf("Verify: %v", err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			names := tt.names
			if names == img0Layer {
				names = img.manifest.Layers[0].Digest.Encoded()
			}
			if !strings.Contains(err.Error(), names) {
				t.Errorf("Verify error %q does not name %q", err, names)
			}
			if tt.blobErr {
				for _, p := range problems(err) {
					var be *layout.BlobError
					if !errors.As(p, &be) {
						t.Errorf("problem %v (%T) is not a *BlobError", p, p)
					}
				}
			}
			// Reading the image fails too, and never hands out bad bytes
			// followed by io.EOF.
			l, oerr := layout.Open(dir)
			if oerr != nil {
				return
			}
			defer l.Close()
			got, ierr := l.Image(ctx, layout.Selector{Tag: tagFor(tt.kind, "t")})
			if ierr != nil {
				return
			}
			for _, d := range append([]core.Descriptor{got.Manifest.Config}, got.Manifest.Layers...) {
				r, err := l.OpenBlob(ctx, d)
				if err != nil {
					return
				}
				_, err = io.ReadAll(r)
				r.Close()
				if err != nil {
					return
				}
			}
			t.Errorf("every blob of the damaged image read without error")
		})
	}
}

const img0Layer = "<layer digest>"

func rm(t *testing.T, dir, rel string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, rel)); err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/3] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyListsEveryProblem damages two images of one layout in
// different ways: Verify reports all of them.
func TestVerifyListsEveryProblem(t *testing.T) {
	dir, l := newLayout(t, layout.OCI)
	f := mustFormat(t, "oci")
	a := newTestImage(t, core.SHA256, map[string]string{"a": "a"})
	b := newTestImage(t, core.SHA512, map[string]string{"b": "b"})
	c := newTestImage(t, core.SHA256, map[string]string{"c": "c"})
	for i, img := range []testImage{a, b, c} {
		if _, err := l.WriteImage(ctx, f, img.manifest, img.blobs, &layout.WriteOptions{Tag: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	rm(t, dir, blobRel(layout.OCI, a.manifest.Layers[0].Digest))
	flip(t, filepath.Join(dir, blobRel(layout.OCI, b.manifest.Layers[0].Digest)))
	os.Truncate(filepath.Join(dir, blobRel(layout.OCI, c.manifest.Config.Digest)), 3)
	err := l.Verify(ctx)
	ps := problems(err)
	if len(ps) != 3 {
		t.Fatalf("Verify found %d problems, want 3: %v", len(ps), err)
	}
	for i, want := range []struct {
		d   digest.Digest
		err error
	}{
		{a.manifest.Layers[0].Digest, core.ErrNotFound},
		{b.manifest.Layers[0].Digest, core.ErrDigestMismatch},
		{c.manifest.Config.Digest, core.ErrSizeMismatch},
	} {
		var be *layout.BlobError
		if !errors.As(ps[i], &be) || be.Digest != want.d || !errors.Is(ps[i], want.err) {
			t.Errorf("problem %d = %v, want %v about %s", i, ps[i], want.err, want.d)
		}
	}
	var dm *core.DigestMismatchError
	if !errors.As(ps[1], &dm) || dm.Want != b.manifest.Layers[0].Digest {
		t.Errorf("problem 1 does not carry a *core.DigestMismatchError: %v", ps[1])
	}
}

// TestReadBadDigests: a digest that is not of the grammar is refused
// before any file is opened; none of them reaches a file outside.
func TestReadBadDigests(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	for _, kind := range []layout.Kind{layout.OCI, layout.Dir} {
		dir, _ := writeImage(t, kind, "oci", img, nil)
		// A file that a traversing digest would reach.
		os.WriteFile(filepath.Join(filepath.Dir(dir), "passwd"), []byte("secret"), 0o644)
		l := mustOpen(t, dir)
		for _, d := range []string{
			"sha256:../../passwd",
			"sha256:../passwd",
			"sha256:abc/def",
			"sha256:a\x00b",
			"sha256:" + strings.ToUpper(img.manifest.Layers[0].Digest.Encoded()),
			"../x:abc",
			"sha256/..:abc",
			"sha256",
			"",
			"SHA256:" + img.manifest.Layers[0].Digest.Encoded(),
			"sha512:" + img.manifest.Layers[0].Digest.Encoded(),
		} {
			desc := core.Descriptor{MediaType: "application/octet-stream", Digest: digest.Digest(d), Size: 6}
			_, err := l.OpenBlob(ctx, desc)
			if !errors.Is(err, core.ErrInvalidDigest) {
				t.Errorf("%s: OpenBlob(%q) = %v, want ErrInvalidDigest", kind, d, err)
			}
			if err := l.PutBlob(ctx, desc, layout.FromBytes([]byte("secret")), nil); !errors.Is(err, core.ErrInvalidDigest) {
				t.Errorf("%s: PutBlob(%q) = %v, want ErrInvalidDigest", kind, d, err)
			}
			if _, err := l.Image(ctx, layout.Selector{Digest: digest.Digest(d)}); d != "" && err == nil {
				t.Errorf("%s: Image(@%q) succeeded", kind, d)
			}
		}
	}
}

// TestReadMismatchAfterBytes: a blob whose content changed hands out
// its bytes and then an error naming it, never io.EOF.
func TestReadMismatchAfterBytes(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	dir, _ := writeImage(t, layout.OCI, "oci", img, nil)
	flip(t, filepath.Join(dir, blobRel(layout.OCI, img.manifest.Layers[0].Digest)))
	l := mustOpen(t, dir)
	r, err := l.OpenBlob(ctx, img.manifest.Layers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if int64(len(got)) != img.manifest.Layers[0].Size {
		t.Errorf("handed out %d bytes before the error, want %d", len(got), img.manifest.Layers[0].Size)
	}
	var be *layout.BlobError
	if !errors.As(err, &be) || be.Digest != img.manifest.Layers[0].Digest || !errors.Is(err, core.ErrDigestMismatch) {
		t.Errorf("ReadAll error = %v, want a *BlobError naming the layer wrapping ErrDigestMismatch", err)
	}
	if !strings.Contains(err.Error(), blobRel(layout.OCI, img.manifest.Layers[0].Digest)) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestVerifyNotALayout(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{}"), 0o644)
	if err := layout.Verify(ctx, dir); !errors.Is(err, layout.ErrNotLayout) {
		t.Errorf("Verify(not a layout) = %v, want ErrNotLayout", err)
	}
	if err := layout.Verify(ctx, filepath.Join(dir, "nope")); err == nil {
		t.Error("Verify(missing folder) = nil")
	}
}

// TestCancel: reading and verifying stop on a cancelled context with an
// error that names the blob.
func TestCancel(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	dir, _ := writeImage(t, layout.OCI, "oci", img, &layout.WriteOptions{Tag: "t"})
	l := mustOpen(t, dir)
	c, cancel := context.WithCancel(ctx)
	r, err := l.OpenBlob(c, img.manifest.Layers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	for name, read := range map[string]func() error{
		"Read":    func() error { _, err := r.Read(make([]byte, 10)); return err },
		"WriteTo": func() error { _, err := io.Copy(io.Discard, r); return err },
	} {
		err := read()
		var be *layout.BlobError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &be) || be.Digest != img.manifest.Layers[0].Digest {
			t.Errorf("%s after cancel = %v, want context.Canceled naming the layer", name, err)
		}
	}
	if err := l.Verify(c); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify(cancelled) = %v, want context.Canceled", err)
	}
}

// TestVerifyProgress: VerifyWith reports every blob byte it checks, with
// the total, never concurrently.
func TestVerifyProgress(t *testing.T) {
	for _, kind := range []layout.Kind{layout.OCI, layout.Dir} {
		t.Run(kind.String(), func(t *testing.T) {
			img := newTestImage(t, core.SHA256, nil)
			_, l := newLayoutAt(t, filepath.Join(t.TempDir(), "img"), kind)
			f := mustFormat(t, "oci")
			if _, err := l.WriteImage(ctx, f, img.manifest, img.blobs, &layout.WriteOptions{Tag: tagFor(kind, "app")}); err != nil {
				t.Fatal(err)
			}
			want := img.manifest.Config.Size
			for _, d := range img.manifest.Layers {
				want += d.Size
			}
			var mu sync.Mutex
			busy := false
			var lastDone, lastTotal int64
			err := l.VerifyWith(ctx, layout.VerifyOptions{Progress: func(done, total int64) {
				mu.Lock()
				if busy {
					t.Error("Progress called concurrently")
				}
				busy = true
				mu.Unlock()
				if done < lastDone {
					t.Errorf("Progress went back from %d to %d", lastDone, done)
				}
				lastDone, lastTotal = done, total
				mu.Lock()
				busy = false
				mu.Unlock()
			}})
			if err != nil {
				t.Fatal(err)
			}
			if lastDone != want || lastTotal != want {
				t.Errorf("last Progress(done=%d, total=%d), want both %d", lastDone, lastTotal, want)
			}
		})
	}
}
