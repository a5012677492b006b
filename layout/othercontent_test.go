package layout_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// TestVerifyOtherContent: index.json may list content that is not a
// manifest; Verify checks its size and digest only.
func TestVerifyOtherContent(t *testing.T) {
	dir, l := newLayout(t, layout.OCI)
	data := []byte("some signature, say")
	d := core.DescriptorFromBytes("application/vnd.example.thing", data)
	if err := l.PutBlob(ctx, d, layout.FromBytes(data), nil); err != nil {
		t.Fatal(err)
	}
	img := newTestImage(t, core.SHA256, nil)
	if _, err := l.WriteImage(ctx, mustFormat(t, "oci"), img.manifest, img.blobs, nil); err != nil {
		t.Fatal(err)
	}
	ix, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	entry := fmt.Sprintf(`{"mediaType":"application/vnd.example.thing","digest":"%s","size":%d},`, d.Digest, d.Size)
	ix = bytes.Replace(ix, []byte(`"manifests":[`), []byte(`"manifests":[`+entry), 1)
	os.WriteFile(filepath.Join(dir, "index.json"), ix, 0o644)
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify = %v", err)
	}
	flip(t, filepath.Join(dir, blobRel(layout.OCI, d.Digest)))
	if err := l.Verify(ctx); !errors.Is(err, core.ErrDigestMismatch) {
		t.Errorf("Verify(damaged other content) = %v, want ErrDigestMismatch", err)
	}
}
