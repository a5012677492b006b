package image_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	_ "github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/image"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layer"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
)

// countingSource counts the bytes fetched of each blob.
type countingSource struct {
	transport.Source
	mu   sync.Mutex
	read map[digest.Digest]int64
}

func (s *countingSource) Fetch(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	rc, err := s.Source.Fetch(ctx, d)
	if err != nil {
		return nil, err
	}
	return &countingReader{rc, s, d.Digest}, nil
}

type countingReader struct {
	io.ReadCloser
	s *countingSource
	d digest.Digest
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.s.mu.Lock()
	r.s.read[r.d] += int64(n)
	r.s.mu.Unlock()
	return n, err
}

// buildLayer writes a layer of entries into a file and describes it.
func buildLayer(t *testing.T, dir string, entries ...layer.Entry) (layer.Layer, string) {
	t.Helper()
	f, err := os.CreateTemp(dir, "layer-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := layer.Build(context.Background(), f, layer.Options{Compression: core.Gzip}, layer.FromEntries(entries...))
	if err != nil {
		t.Fatal(err)
	}
	return l, f.Name()
}

// base writes an image of one layer (etc/base.txt) tagged "base" into
// a new OCI layout and returns the layout's path.
func base(t *testing.T) (string, layer.Layer) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "layout")
	l, err := layout.Create(path, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	bl, file := buildLayer(t, dir, layer.Directory("etc"), layer.File("etc/base.txt", []byte("from the base\n")))
	img := image.New(oci.Format, core.Platform{OS: "linux", Architecture: "amd64"}, time.Time{})
	if err := img.AppendLayer(bl.Descriptor(), bl.DiffID, layout.FromFile(file), &image.History{CreatedBy: "base"}); err != nil {
		t.Fatal(err)
	}
	img.Config.SetCmd([]string{"/bin/base"})
	if _, err := img.Write(context.Background(), l, &layout.WriteOptions{Tag: "base"}); err != nil {
		t.Fatal(err)
	}
	return path, bl
}

func open(t *testing.T, ref string) *countingSource {
	t.Helper()
	r, err := transport.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.NewSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &countingSource{Source: s, read: map[digest.Digest]int64{}}
}

func blobCount(t *testing.T, path string) int {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(path, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// TestOnBase appends a layer to a base in the base's own layout: the
// base's layer is never read, umoci unpacks the base's file and the new
// one, and the config keeps the base's Cmd.
func TestOnBase(t *testing.T) {
	ctx := context.Background()
	path, bl := base(t)
	src := open(t, "oci:"+path+":base")
	img, err := image.FromSource(ctx, src, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	nl, file := buildLayer(t, t.TempDir(), layer.Directory("app"), layer.File("app/new.txt", []byte("new\n")))
	if err := img.AppendLayer(nl.Descriptor(), nl.DiffID, layout.FromFile(file), &image.History{CreatedBy: "app"}); err != nil {
		t.Fatal(err)
	}
	if err := img.Config.SetEnv("PORT", "8080"); err != nil {
		t.Fatal(err)
	}
	l, err := layout.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := img.Write(ctx, l, &layout.WriteOptions{Tag: "app"}); err != nil {
		t.Fatal(err)
	}
	if n := src.read[bl.Digest]; n != 0 {
		t.Errorf("the base's layer was read: %d bytes", n)
	}
	if err := l.VerifyWith(ctx, layout.VerifyOptions{Layers: true}); err != nil {
		t.Errorf("VerifyWith(Layers) = %v", err)
	}
	umoci := tooltest.Need(t, "umoci")
	bundle := filepath.Join(t.TempDir(), "bundle")
	if out, err := exec.Command(umoci, "unpack", "--rootless", "--image", path+":app", bundle).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, out)
	}
	for name, want := range map[string]string{"etc/base.txt": "from the base\n", "app/new.txt": "new\n"} {
		if got, err := os.ReadFile(filepath.Join(bundle, "rootfs", name)); err != nil || string(got) != want {
			t.Errorf("umoci's rootfs/%s = %q, %v; want %q", name, got, err, want)
		}
	}
	b, _ := os.ReadFile(filepath.Join(bundle, "config.json")) // umoci's runtime config
	var rt struct {
		Process struct {
			Args []string
			Env  []string
		}
	}
	json.Unmarshal(b, &rt)
	if strings.Join(rt.Process.Args, " ") != "/bin/base" || !strings.Contains(strings.Join(rt.Process.Env, " "), "PORT=8080") {
		t.Errorf("umoci's runtime config: args %q env %q; want /bin/base and PORT=8080", rt.Process.Args, rt.Process.Env)
	}
}

// TestMutate changes the config and annotations: only a new config and
// manifest are written, and no layer is read.
func TestMutate(t *testing.T) {
	ctx := context.Background()
	path, bl := base(t)
	before := blobCount(t, path)
	src := open(t, "oci:"+path+":base")
	img, err := image.FromSource(ctx, src, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	img.Config.SetEntrypoint([]string{"/bin/sh", "-c"})
	img.Config.SetLabel("org.example", "yes")
	img.Annotations["org.opencontainers.image.version"] = "2"
	l, err := layout.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d, err := img.Write(ctx, l, &layout.WriteOptions{Tag: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if n := src.read[bl.Digest]; n != 0 {
		t.Errorf("a layer was read: %d bytes", n)
	}
	if got := blobCount(t, path); got != before+2 {
		t.Errorf("%d blobs after the mutation, %d before; want a new config and manifest only", got, before)
	}
	m, _, raw, err := l.ReadManifest(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if m.Layers[0].Digest != bl.Digest || m.Annotations["org.opencontainers.image.version"] != "2" || !bytes.Contains(raw, []byte(`"2"`)) {
		t.Errorf("mutated manifest %s", raw)
	}
	cfg, err := l.ReadBlob(ctx, m.Config)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Config struct {
			Entrypoint, Cmd []string
			Labels          map[string]string
		}
	}
	if err := json.Unmarshal(cfg, &c); err != nil || strings.Join(c.Config.Entrypoint, " ") != "/bin/sh -c" || c.Config.Cmd[0] != "/bin/base" || c.Config.Labels["org.example"] != "yes" {
		t.Errorf("config %s", cfg)
	}
}
