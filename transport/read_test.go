package transport_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/transport"
)

// TestVerify: every image of a source checks out; a layer damaged inside
// an archive (in place and compressed) and a layer absent from an index
// are problems naming the layer and what refers to it.
func TestVerify(t *testing.T) {
	ociFmt, _ := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, _ := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar")
	copyRefs(t, "oci-archive:"+good, "oci:"+ociDir+":v1", nil)
	data, _ := os.ReadFile(good)
	layer := img.manifest.Layers[0]
	a, err := archive.New(ctx, bytesReaderAt(data), int64(len(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := a.Lookup("blobs/sha256/" + layer.Digest.Encoded())
	bad := append([]byte(nil), data...)
	bad[e.Offset+e.Size/2] ^= 1
	damaged := filepath.Join(dir, "damaged.tar")
	os.WriteFile(damaged, bad, 0o644)
	gzipFile(t, damaged, damaged+".gz")
	partial, _, arm := partialLayout(t)

	verify := func(ref string) error {
		s, err := parse(t, ref).NewSource(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return transport.Verify(ctx, s, nil)
	}
	for _, ref := range []string{"oci-archive:" + good, "oci:" + ociDir, good} {
		if err := verify(ref); err != nil {
			t.Errorf("Verify(%s) = %v", ref, err)
		}
	}
	for _, tt := range []struct {
		ref   string
		want  error
		names []string
	}{
		{"oci-archive:" + damaged, core.ErrDigestMismatch, []string{string(layer.Digest), "layers[0] of manifest"}},
		{"oci-archive:" + damaged + ".gz", core.ErrDigestMismatch, []string{layer.Digest.Encoded()}},
		{"oci:" + partial, core.ErrNotFound, []string{string(arm.manifest.Layers[0].Digest), "layers[0] of manifest"}},
	} {
		err := verify(tt.ref)
		if !errors.Is(err, tt.want) {
			t.Errorf("Verify(%s) = %v, want %v", tt.ref, err, tt.want)
			continue
		}
		for _, n := range tt.names {
			if !strings.Contains(err.Error(), n) {
				t.Errorf("Verify(%s) = %q, want it to name %q", tt.ref, err, n)
			}
		}
	}
}

// TestReadManifest resolves an index to a platform's manifest and reads
// its config; a manifest of the wrong platform is refused.
func TestReadManifest(t *testing.T) {
	partial, amd, arm := partialLayout(t)
	s, err := parse(t, "oci:"+partial+":multi").NewSource(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := transport.ReadManifest(ctx, s, &amd.platform, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Manifest.Config.Digest != amd.manifest.Config.Digest || m.Index == nil || string(m.Config) != string(amd.config) || m.Descriptor.Platform.Architecture != "amd64" {
		t.Errorf("ReadManifest(amd64) = %+v", m)
	}
	if _, err := transport.ReadManifest(ctx, s, &core.Platform{OS: "linux", Architecture: "s390x"}, nil); !errors.Is(err, core.ErrNoMatchingPlatform) {
		t.Errorf("ReadManifest(s390x) = %v, want ErrNoMatchingPlatform", err)
	}
	_ = arm
}
