package layer_test

import (
	"bytes"
	"github.com/concil-go/ocispec/internal/tooltest"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layer"
)

// goSource returns about n bytes of Go source from GOROOT, as one file.
func goSource(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	goroot, err := exec.Command(tooltest.Need(t, "go"), "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || buf.Len() >= n {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, ".go") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			buf.Write(b)
		}
		return nil
	})
	if err != nil || buf.Len() < n {
		tooltest.Skipf(t, "no %d bytes of Go source in %s: %v", n, src, err)
	}
	return buf.Bytes()[:n]
}

// TestGzipSize compares the size of gzip layers with gzip -6's of the
// same tar stream, on text (Go source, where deflate implementations
// differ most) and on half random bytes: level 8 must be within 1%,
// the default level within 5%.
func TestGzipSize(t *testing.T) {
	src := goSource(t, 16<<20)
	half := append(append([]byte{}, src[:4<<20]...), noise(4<<20)...)
	half = append(half, src[4<<20:8<<20]...)
	for _, in := range []struct {
		name string
		data []byte
	}{{"text", src}, {"half-random", half}} {
		entries := layer.FromEntries(layer.File("data", in.data))
		_, tarball := build(t, layer.Options{}, entries)
		ref := len(run(t, tarball, "gzip", "-6", "-c", "-n"))
		for _, tt := range []struct {
			level int
			limit float64
		}{{8, 1}, {0, 5}} {
			l, _ := build(t, layer.Options{Compression: core.Gzip, GzipLevel: tt.level}, entries)
			over := 100 * (float64(l.Size)/float64(ref) - 1)
			t.Logf("%s, level %d: %d bytes, gzip -6 %d: %+.2f%%", in.name, tt.level, l.Size, ref, over)
			if over > tt.limit {
				t.Errorf("%s: gzip level %d gives %d bytes, %+.2f%% over gzip -6's %d; want at most %+.0f%%", in.name, tt.level, l.Size, over, ref, tt.limit)
			}
		}
	}
}
