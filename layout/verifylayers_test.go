package layout_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/layout"
)

// TestVerifyLayers: with Layers, a config whose diff_ids do not name
// the layers, and a tar layer that is not a tar, are problems; the
// plain verify (digests only) passes both.
func TestVerifyLayers(t *testing.T) {
	ctx := context.Background()
	good, goodBlobs := tarImage()
	wrongConfig := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}`)
	notTar := []byte("# not a tar\n")
	notTarConfig := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(core.DescriptorFromBytes(core.KindTar, notTar).Digest) + `"]}}`)
	tests := []struct {
		name  string
		m     core.Manifest
		blobs layout.Blobs
		want  error
	}{
		{"good", good, goodBlobs, nil},
		{"diff_ids mismatch", func() core.Manifest {
			m := good
			m.Config = core.DescriptorFromBytes(core.KindConfig, wrongConfig)
			return m
		}(), layout.Blobs{core.DescriptorFromBytes(core.KindConfig, wrongConfig).Digest: layout.FromBytes(wrongConfig), good.Layers[0].Digest: goodBlobs[good.Layers[0].Digest]}, core.ErrDiffIDMismatch},
		{"not a tar", core.Manifest{
			Config: core.DescriptorFromBytes(core.KindConfig, notTarConfig),
			Layers: []core.Descriptor{core.DescriptorFromBytes(core.KindTar, notTar)},
		}, layout.Blobs{core.DescriptorFromBytes(core.KindConfig, notTarConfig).Digest: layout.FromBytes(notTarConfig), core.DescriptorFromBytes(core.KindTar, notTar).Digest: layout.FromBytes(notTar)}, digesters.ErrNotTar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := layout.Create(filepath.Join(t.TempDir(), "img"), layout.OCI)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			f, _ := core.Default.Format("oci")
			if _, err := l.WriteImage(ctx, f, tt.m, tt.blobs, nil); err != nil {
				t.Fatal(err)
			}
			if err := l.Verify(ctx); err != nil {
				t.Errorf("Verify = %v, want nil (digests only)", err)
			}
			err = l.VerifyWith(ctx, layout.VerifyOptions{Layers: true})
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("VerifyWith(Layers) = %v, want %v", err, tt.want)
			}
		})
	}
}
