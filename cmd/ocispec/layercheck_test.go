package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// TestLayersAreChecked: what umoci refuses to unpack (a tar layer that
// is not a tar, a config whose diff_ids do not match its layers) pack
// and digest --layer refuse, and verify reports.
func TestLayersAreChecked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	readme := filepath.Join(repoRoot, "README.md")

	// README.md as a tar layer: umoci says "invalid tar header".
	fails(t, 1, []string{"README.md", "not a tar archive", "invalid tar header"}, "pack", "--layer", "tar="+readme, filepath.Join(dir, "readme"))
	fails(t, 1, []string{"not a tar archive"}, "digest", "--layer", readme)
	ok(t, "digest", readme) // without --layer, any file

	// A config whose diff_ids name another layer.
	pack(t, exampleDir(), filepath.Join(dir, "good"))
	in := inspect(t, filepath.Join(dir, "good"))
	wrong := filepath.Join(dir, "wrong-config.json")
	writeFile(t, wrong, `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1"]}}`)
	fails(t, 1, []string{"--config", "diff_ids", "rootfs.diff_ids[0]"}, "pack", "--config", wrong, exampleDir(), filepath.Join(dir, "mismatch"))
	if _, err := os.Stat(filepath.Join(dir, "mismatch")); !os.IsNotExist(err) {
		t.Errorf("a refused pack left %s behind (%v)", filepath.Join(dir, "mismatch"), err)
	}

	// The same image written by the library, which checks no diffIDs:
	// umoci refuses it, and so does verify.
	bad := filepath.Join(dir, "bad")
	l, err := layout.Create(bad, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mustRead(t, wrong)
	config := core.DescriptorFromBytes(core.KindConfig, cfg)
	config.MediaType = "application/vnd.oci.image.config.v1+json"
	lay := core.Descriptor{MediaType: in.Layers[0].MediaType, Digest: digestOf(in.Layers[0].Digest), Size: in.Layers[0].Size}
	f, _ := core.Default.Format("oci")
	layerFile := filepath.Join(dir, "good", "blobs", "sha256", strings.TrimPrefix(in.Layers[0].Digest, "sha256:"))
	if _, err := l.WriteImage(context.Background(), f, core.Manifest{Config: config, Layers: []core.Descriptor{lay}},
		layout.Blobs{config.Digest: layout.FromBytes(cfg), lay.Digest: layout.FromFile(layerFile)}, &layout.WriteOptions{Tag: "latest"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	need(t, "umoci")
	if err := umociUnpack(bad+":latest", filepath.Join(t.TempDir(), "bundle")); err == nil || !strings.Contains(err.Error(), "diffid") {
		t.Errorf("umoci unpack of the mismatched image: %v; want a diffid mismatch", err)
	}
	fails(t, 1, []string{"diff_ids", "1 problem"}, "verify", bad)
	// The same in an archive, which verify reads through its transport.
	archive := filepath.Join(dir, "bad.tar")
	ok(t, "copy", "oci:"+bad+":latest", "oci-archive:"+archive)
	fails(t, 1, []string{"diff_ids", "1 problem"}, "verify", "oci-archive:"+archive)
	goodArchive := filepath.Join(dir, "good.tar")
	ok(t, "copy", "oci:"+filepath.Join(dir, "good")+":latest", "oci-archive:"+goodArchive)
	ok(t, "verify", "oci-archive:"+goodArchive)
	ok(t, "verify", filepath.Join(dir, "good"))
	if err := umociUnpack(filepath.Join(dir, "good")+":latest", filepath.Join(t.TempDir(), "bundle")); err != nil {
		t.Errorf("umoci unpack of the good image: %v", err)
	}
}
