package digesters

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/internal/tooltest"
	digest "github.com/opencontainers/go-digest"
)

// TestCheckTar has GNU tar say which streams are tar archives, and
// DigestLayerAs with CheckTar must agree, for every compression, while
// the digests stay those of the bytes.
func TestCheckTar(t *testing.T) {
	gnuTar := tooltest.Need(t, "tar")
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	good := makeTar(t, 3*BufferSize)
	cases := []struct {
		name string
		data []byte
	}{
		{"tar", good},
		{"small tar", makeTar(t, 2<<10)},
		{"README.md", readme},
		{"truncated tar", good[:len(good)/2+100]},
		{"empty", nil},
		{"zeros", make([]byte, 4096)},
	}
	for _, tt := range cases {
		cmd := exec.Command(gnuTar, "-tf", "-")
		cmd.Stdin = bytes.NewReader(tt.data)
		gnuSays := cmd.Run() == nil && len(tt.data) > 0
		for _, c := range []core.Compression{core.Uncompressed, core.Gzip, core.Zstd} {
			t.Run(tt.name+"/"+c.String(), func(t *testing.T) {
				blob := tt.data
				switch c {
				case core.Gzip:
					blob = gzipped(t, tt.data)
				case core.Zstd:
					blob = zstded(t, tt.data)
				}
				e := &Engine{CheckTar: true}
				comp, plain, err := e.DigestLayerAs(context.Background(), bytes.NewReader(blob), c)
				if gnuSays {
					if err != nil {
						t.Fatalf("DigestLayerAs = %v; GNU tar reads it", err)
					}
					if comp.Digests[0] != sha(blob) || plain.Digests[0] != sha(tt.data) {
						t.Errorf("digests %s, %s; want %s, %s", comp.Digests[0], plain.Digests[0], sha(blob), sha(tt.data))
					}
					return
				}
				if !errors.Is(err, ErrNotTar) {
					t.Errorf("DigestLayerAs = %v; want ErrNotTar, as GNU tar refuses it", err)
				}
				// Without the check, the same stream hashes.
				if _, _, err := (&Engine{}).DigestLayerAs(context.Background(), bytes.NewReader(blob), c); err != nil {
					t.Errorf("without CheckTar: %v", err)
				}
			})
		}
	}
}

func sha(b []byte) digest.Digest { return digest.FromBytes(b) }
