package layout_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// TestPutBlobFile: a blob of one layout put into another on the same
// file system is a hard link to the same inode (Linux), or a file of its
// own with NoLink; a file whose bytes are not the blob's is refused and
// leaves nothing; the image committed from the documents keeps its
// manifest digest and verifies.
func TestPutBlobFile(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	srcDir, md := writeImage(t, layout.OCI, "oci", img, &layout.WriteOptions{Tag: "v1"})
	src := mustOpen(t, srcDir)
	for _, tt := range []struct {
		name   string
		kind   layout.Kind
		noLink bool
		want   []layout.Placement
	}{
		{"oci link", layout.OCI, false, []layout.Placement{layout.Linked}},
		{"dir link", layout.Dir, false, []layout.Placement{layout.Linked}},
		{"oci no link", layout.OCI, true, []layout.Placement{layout.Cloned, layout.Copied}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dstDir, dst := newLayout(t, tt.kind)
			for _, d := range append([]core.Descriptor{img.manifest.Config}, img.manifest.Layers...) {
				f, err := src.OpenBlobFile(ctx, d)
				if err != nil {
					t.Fatal(err)
				}
				how, err := dst.PutBlobFile(ctx, d, f, &layout.FileOptions{NoLink: tt.noLink})
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				want := tt.want
				if runtime.GOOS != "linux" {
					want = []layout.Placement{layout.Copied}
				}
				if !slices.Contains(want, how) {
					t.Errorf("PutBlobFile(%s) = %v, want one of %v", d.Digest, how, want)
				}
				same := inode(t, filepath.Join(srcDir, blobRel(layout.OCI, d.Digest))) == inode(t, filepath.Join(dstDir, blobRel(tt.kind, d.Digest)))
				if same != (how == layout.Linked) {
					t.Errorf("PutBlobFile(%s) = %v, and the two files share an inode: %v", d.Digest, how, same)
				}
				// A second time: in place already.
				f, _ = src.OpenBlobFile(ctx, d)
				how, err = dst.PutBlobFile(ctx, d, f, nil)
				f.Close()
				if err != nil || how != layout.Present {
					t.Errorf("PutBlobFile again = %v, %v; want Present", how, err)
				}
			}
			raw, err := src.ReadDocument(ctx, md)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dst.WriteDocuments(ctx, layout.Document{Descriptor: md, Bytes: raw}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Digest != md.Digest {
				t.Errorf("WriteDocuments = %s, want the digest kept: %s", got.Digest, md.Digest)
			}
			if err := dst.Verify(ctx); err != nil {
				t.Error(err)
			}
		})
	}

	t.Run("not the blob", func(t *testing.T) {
		dstDir, dst := newLayout(t, layout.OCI)
		d := img.manifest.Layers[0]
		other := filepath.Join(t.TempDir(), "other")
		b := append([]byte(nil), img.layer...)
		b[len(b)/2] ^= 1
		os.WriteFile(other, b, 0o644)
		f, _ := os.Open(other)
		defer f.Close()
		before := listFiles(t, dstDir)
		_, err := dst.PutBlobFile(ctx, d, f, nil)
		if !errors.Is(err, core.ErrDigestMismatch) {
			t.Fatalf("PutBlobFile of other bytes = %v, want ErrDigestMismatch", err)
		}
		if after := listFiles(t, dstDir); !slices.Equal(after, before) {
			t.Errorf("files after a refused PutBlobFile = %q, want %q", after, before)
		}
	})

	t.Run("missing blob", func(t *testing.T) {
		_, dst := newLayout(t, layout.OCI)
		_, err := dst.WriteDocuments(ctx, layout.Document{Descriptor: md, Bytes: mustReadDoc(t, src, md)}, nil, nil)
		if !errors.Is(err, layout.ErrNoSource) {
			t.Errorf("WriteDocuments without the blobs = %v, want ErrNoSource", err)
		}
	})
}

func mustReadDoc(t *testing.T, l *layout.Layout, d core.Descriptor) []byte {
	t.Helper()
	b, err := l.ReadDocument(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
