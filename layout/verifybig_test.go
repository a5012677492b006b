package layout_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layout"
)

// TestVerifyBigLayers: an image of more big uncompressed layers than
// there are cores (read on the hashing goroutine while every core has
// one, the last ones beside a reader goroutine), made by GNU tar, with
// diff_ids computed here by crypto/sha256. It verifies whole; a layer
// cut short inside an entry, a layer whose header is damaged and a wrong
// diff_id are each found, in whichever layer they are.
func TestVerifyBigLayers(t *testing.T) {
	gnuTar := tooltest.Need(t, "tar")
	ctx := context.Background()
	const count = 5
	layers := make([][]byte, count)
	for i := range layers {
		dir := t.TempDir()
		data := make([]byte, 2*digesters.DefaultDirectLimit+i*4096)
		rand.NewChaCha8([32]byte{byte(i)}).Read(data)
		if err := os.WriteFile(filepath.Join(dir, "data"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(gnuTar, "-C", dir, "--format=posix", "-cf", "-", "data").Output()
		if err != nil {
			t.Fatal(err)
		}
		layers[i] = out
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return "sha256:" + hex.EncodeToString(s[:]) }
	for _, tt := range []struct {
		name   string
		change func(layers [][]byte, diffIDs []string)
		want   error
	}{
		{"whole", func([][]byte, []string) {}, nil},
		{"truncated", func(l [][]byte, d []string) { l[0] = l[0][:len(l[0])/2]; d[0] = sum(l[0]) }, digesters.ErrNotTar},
		{"bad header", func(l [][]byte, d []string) {
			l[3] = append([]byte(nil), l[3]...)
			l[3][1024+100] ^= 0xff // the file's header, after the PAX one: its checksum no longer matches
			d[3] = sum(l[3])
		}, digesters.ErrNotTar},
		{"wrong diff_id", func(l [][]byte, d []string) { d[count-1] = sum(l[0]) }, core.ErrDiffIDMismatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ls := append([][]byte(nil), layers...)
			diffIDs := make([]string, count)
			for i, b := range ls {
				diffIDs[i] = sum(b)
			}
			tt.change(ls, diffIDs)
			config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + strings.Join(diffIDs, `","`) + `"]}}`)
			m := core.Manifest{Config: core.DescriptorFromBytes(core.KindConfig, config)}
			blobs := layout.Blobs{m.Config.Digest: layout.FromBytes(config)}
			for _, b := range ls {
				d := core.DescriptorFromBytes(core.KindTar, b)
				m.Layers = append(m.Layers, d)
				blobs[d.Digest] = layout.FromBytes(b)
			}
			l, err := layout.Create(filepath.Join(t.TempDir(), "img"), layout.OCI)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			f, _ := core.Default.Format("oci")
			if _, err := l.WriteImage(ctx, f, m, blobs, nil); err != nil {
				t.Fatal(err)
			}
			err = l.VerifyWith(ctx, layout.VerifyOptions{Layers: true})
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("VerifyWith(Layers) = %v, want %v", err, tt.want)
			}
		})
	}
}
