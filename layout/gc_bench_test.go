package layout_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// gcFixture writes, as plain files, an OCI layout of 1,000 tagged
// manifests, each with a config and 8 layers of its own: 10,000 blobs.
func gcFixture(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "img")
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		b.Fatal(err)
	}
	put := func(data []byte) digest.Digest {
		d := digest.FromBytes(data)
		if err := os.WriteFile(filepath.Join(blobs, d.Encoded()), data, 0o644); err != nil {
			b.Fatal(err)
		}
		return d
	}
	var entries []string
	for i := range 1000 {
		config := []byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"n":%d}`, i))
		cd := put(config)
		var layers []string
		for j := range 8 {
			data := []byte(fmt.Sprintf("layer %d of %d", j, i))
			layers = append(layers, fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":%q,"size":%d}`, put(data), len(data)))
		}
		m := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},"layers":[%s]}`, cd, len(config), strings.Join(layers, ",")))
		md := put(m)
		entries = append(entries, fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":%d,"annotations":{"org.opencontainers.image.ref.name":"t%d"}}`, md, len(m), i))
	}
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"schemaVersion":2,"manifests":[`+strings.Join(entries, ",")+`]}`), 0o644)
	return dir
}

// BenchmarkGC marks and sweeps (dry run: nothing to remove, so the
// deletions are not timed) a layout of 10,000 blobs and 1,000
// manifests; docs/op is the documents read (the manifests only: no
// config or layer is read).
func BenchmarkGC(b *testing.B) {
	dir := gcFixture(b)
	l, err := layout.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	var res layout.GCResult
	for b.Loop() {
		if res, err = l.GC(ctx, &layout.GCOptions{DryRun: true}); err != nil {
			b.Fatal(err)
		}
	}
	if res.Kept != 10000 || len(res.Removed) != 0 {
		b.Fatalf("GC kept %d, would remove %d; want 10000 and 0", res.Kept, len(res.Removed))
	}
	b.ReportMetric(float64(res.DocumentsRead), "docs/op")
}
