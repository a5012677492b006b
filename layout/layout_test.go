package layout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

var ctx = context.Background()

func tagFor(kind layout.Kind, tag string) string {
	if kind == layout.OCI {
		return tag
	}
	return ""
}

// TestRoundTrip writes an image in every layout, format, algorithm and
// encoding, and reads it back: the same manifest bytes, the same blobs.
func TestRoundTrip(t *testing.T) {
	for _, kind := range []layout.Kind{layout.Dir, layout.OCI} {
		for _, format := range []string{"oci", "docker"} {
			for _, alg := range []digest.Algorithm{core.SHA256, core.SHA512} {
				for _, enc := range core.Encodings {
					name := fmt.Sprintf("%s/%s/%s/%s", kind, format, alg, enc)
					t.Run(name, func(t *testing.T) {
						img := newTestImage(t, alg, nil)
						dir, d := writeImage(t, kind, format, img, &layout.WriteOptions{Encoding: enc, Tag: tagFor(kind, "v1")})
						if d.Digest.Algorithm() != alg {
							t.Errorf("manifest digest %s, want algorithm %s", d.Digest, alg)
						}
						f := mustFormat(t, format)
						want, _ := f.EncodeManifest(context.Background(), img.manifest, enc)
						l := mustOpen(t, dir)
						if l.Kind() != kind {
							t.Errorf("Kind() = %v, want %v", l.Kind(), kind)
						}
						got, err := l.Image(ctx, layout.Selector{Tag: tagFor(kind, "v1")})
						if err != nil {
							t.Fatalf("Image = %v", err)
						}
						if !bytes.Equal(got.Bytes, want) {
							t.Errorf("manifest bytes differ:\n got %s\nwant %s", got.Bytes, want)
						}
						if got.Format.Describe().Name != format {
							t.Errorf("Format = %s, want %s", got.Format.Describe().Name, format)
						}
						if got.Manifest.Config.Digest != img.manifest.Config.Digest || got.Manifest.Config.MediaType != f.Describe().Table.MediaType(core.KindConfig) {
							t.Errorf("config = %+v", got.Manifest.Config)
						}
						cfg, err := l.ReadBlob(ctx, got.Manifest.Config)
						if err != nil || !bytes.Equal(cfg, img.config) {
							t.Errorf("ReadBlob(config) = %q, %v", cfg, err)
						}
						r, err := l.OpenBlob(ctx, got.Manifest.Layers[0])
						if err != nil {
							t.Fatal(err)
						}
						layer, err := io.ReadAll(r)
						r.Close()
						if err != nil || !bytes.Equal(layer, img.layer) {
							t.Errorf("layer read back: %d bytes, %v", len(layer), err)
						}
						if err := layout.Verify(ctx, dir); err != nil {
							t.Errorf("Verify = %v", err)
						}
					})
				}
			}
		}
	}
}

// TestDirFiles checks the exact files of a dir: image: the version
// file, blob names, and nothing else.
func TestDirFiles(t *testing.T) {
	for _, tt := range []struct {
		alg     digest.Algorithm
		version string
		prefix  string
	}{
		{core.SHA256, "Directory Transport Version: 1.1\n", ""},
		{core.SHA512, "Directory Transport Version: 1.2\n", "sha512-"},
	} {
		t.Run(string(tt.alg), func(t *testing.T) {
			img := newTestImage(t, tt.alg, nil)
			dir, _ := writeImage(t, layout.Dir, "oci", img, nil)
			v, err := os.ReadFile(filepath.Join(dir, "version"))
			if err != nil || string(v) != tt.version {
				t.Errorf("version = %q, %v; want %q", v, err, tt.version)
			}
			want := []string{"manifest.json", "version"}
			for _, d := range []digest.Digest{img.manifest.Config.Digest, img.manifest.Layers[0].Digest} {
				want = append(want, tt.prefix+d.Encoded())
			}
			slices.Sort(want)
			if got := listFiles(t, dir); !slices.Equal(got, want) {
				t.Errorf("files = %q, want %q", got, want)
			}
		})
	}
}

// TestOCIFiles checks the files of an OCI layout.
func TestOCIFiles(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	dir, d := writeImage(t, layout.OCI, "oci", img, &layout.WriteOptions{Tag: "latest"})
	b, err := os.ReadFile(filepath.Join(dir, "oci-layout"))
	if err != nil || string(b) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout = %q, %v", b, err)
	}
	want := []string{"index.json", "oci-layout"}
	for _, x := range []digest.Digest{d.Digest, img.manifest.Config.Digest, img.manifest.Layers[0].Digest} {
		want = append(want, "blobs/sha256/"+x.Encoded())
	}
	slices.Sort(want)
	if got := listFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	ix, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	wantIx := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}`, d.Digest, d.Size)
	if string(ix) != wantIx {
		t.Errorf("index.json =\n%s\nwant\n%s", ix, wantIx)
	}
}

// TestDirReplace writes one image over another in a dir: folder: the
// version file follows the digests, and the old image's files go.
func TestDirReplace(t *testing.T) {
	dir, l := newLayout(t, layout.Dir)
	f := mustFormat(t, "docker")
	// A file that is not part of any image stays.
	os.WriteFile(filepath.Join(dir, "README"), []byte("mine"), 0o644)
	steps := []struct {
		alg     digest.Algorithm
		files   map[string]string
		version string
	}{
		{core.SHA256, map[string]string{"a": "1"}, layout.DirVersion11},
		{core.SHA512, map[string]string{"b": "2"}, layout.DirVersion12},
		{core.SHA256, map[string]string{"c": "3"}, layout.DirVersion11},
	}
	for i, s := range steps {
		img := newTestImage(t, s.alg, s.files)
		if _, err := l.WriteImage(ctx, f, img.manifest, img.blobs, nil); err != nil {
			t.Fatalf("step %d: WriteImage = %v", i, err)
		}
		v, _ := os.ReadFile(filepath.Join(dir, "version"))
		if string(v) != s.version {
			t.Errorf("step %d: version = %q, want %q", i, v, s.version)
		}
		prefix := ""
		if s.alg != core.SHA256 {
			prefix = string(s.alg) + "-"
		}
		want := []string{"README", "manifest.json", "version", prefix + img.manifest.Config.Digest.Encoded(), prefix + img.manifest.Layers[0].Digest.Encoded()}
		slices.Sort(want)
		if got := listFiles(t, dir); !slices.Equal(got, want) {
			t.Errorf("step %d: files = %q, want %q", i, got, want)
		}
		if err := l.Verify(ctx); err != nil {
			t.Errorf("step %d: Verify = %v", i, err)
		}
	}
}

// TestNoRewrite: blobs already present with the right digest are not
// written again; a present blob with wrong content is replaced.
func TestNoRewrite(t *testing.T) {
	for _, kind := range []layout.Kind{layout.Dir, layout.OCI} {
		t.Run(kind.String(), func(t *testing.T) {
			img := newTestImage(t, core.SHA256, nil)
			dir, _ := writeImage(t, kind, "oci", img, nil)
			l := mustOpen(t, dir)
			f := mustFormat(t, "oci")
			layerPath := filepath.Join(dir, blobRel(kind, img.manifest.Layers[0].Digest))
			before, _ := os.Stat(layerPath)
			var mu sync.Mutex
			var events []layout.Progress
			opts := &layout.WriteOptions{Progress: func(p layout.Progress) {
				mu.Lock()
				events = append(events, p)
				mu.Unlock()
			}}
			// No sources at all: the blobs are in the layout.
			if _, err := l.WriteImage(ctx, f, img.manifest, nil, opts); err != nil {
				t.Fatalf("WriteImage without sources = %v", err)
			}
			after, _ := os.Stat(layerPath)
			if !os.SameFile(before, after) {
				t.Errorf("layer file was replaced")
			}
			for _, p := range events {
				if p.Descriptor.Digest == img.manifest.Layers[0].Digest && !p.Skipped {
					t.Errorf("layer reported written: %+v", p)
				}
			}
			// Corrupt the layer in place: the next write replaces it.
			b, _ := os.ReadFile(layerPath)
			b[len(b)/2] ^= 0xff
			os.WriteFile(layerPath, b, 0o644)
			if _, err := l.WriteImage(ctx, f, img.manifest, img.blobs, nil); err != nil {
				t.Fatal(err)
			}
			if err := l.Verify(ctx); err != nil {
				t.Errorf("Verify after rewrite = %v", err)
			}
		})
	}
}

func blobRel(kind layout.Kind, d digest.Digest) string {
	if kind == layout.OCI {
		return "blobs/" + string(d.Algorithm()) + "/" + d.Encoded()
	}
	if d.Algorithm() == core.SHA256 {
		return d.Encoded()
	}
	return string(d.Algorithm()) + "-" + d.Encoded()
}

// TestProgress checks that the bytes reported add up to the blob sizes.
func TestProgress(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	var mu sync.Mutex
	total := map[digest.Digest]int64{}
	opts := &layout.WriteOptions{Tag: "x", Progress: func(p layout.Progress) {
		mu.Lock()
		defer mu.Unlock()
		total[p.Descriptor.Digest] += p.Delta
		if p.Written > p.Descriptor.Size {
			t.Errorf("Written %d > size %d", p.Written, p.Descriptor.Size)
		}
	}}
	_, d := writeImage(t, layout.OCI, "oci", img, opts)
	for _, b := range []core.Descriptor{img.manifest.Config, img.manifest.Layers[0], {Digest: d.Digest, Size: d.Size}} {
		if total[b.Digest] != b.Size {
			t.Errorf("progress for %s = %d bytes, want %d", b.Digest, total[b.Digest], b.Size)
		}
	}
}

// TestSources writes blobs from files, readers and bytes.
func TestSources(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	tmp := t.TempDir()
	layerFile := filepath.Join(tmp, "layer.tar.gz")
	os.WriteFile(layerFile, img.layer, 0o644)
	blobs := layout.Blobs{
		img.manifest.Config.Digest:    layout.FromReader(bytes.NewReader(img.config)),
		img.manifest.Layers[0].Digest: layout.FromFile(layerFile),
	}
	l, err := layout.Create(filepath.Join(tmp, "out"), layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f := mustFormat(t, "oci")
	if _, err := l.WriteImage(ctx, f, img.manifest, blobs, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(ctx); err != nil {
		t.Error(err)
	}
	// A reader source is used up.
	if _, err := blobs[img.manifest.Config.Digest].Open(ctx); err == nil {
		t.Error("FromReader source opened twice")
	}
}

// TestImplicitBlobs: embedded data and the empty "{}" need no source.
func TestImplicitBlobs(t *testing.T) {
	empty := core.DescriptorFromBytes(oci.MediaTypeEmpty, []byte("{}"))
	data := []byte("tiny layer")
	layer := core.DescriptorFromBytes(core.KindTar, data)
	layer.Data = data
	m := core.Manifest{ArtifactType: "application/vnd.example+type", Config: empty, Layers: []core.Descriptor{layer}}
	dir, l := newLayout(t, layout.OCI)
	f := mustFormat(t, "oci")
	if _, err := l.WriteImage(ctx, f, m, nil, &layout.WriteOptions{Tag: "artifact"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []core.Descriptor{empty, layer} {
		b, err := os.ReadFile(filepath.Join(dir, blobRel(layout.OCI, d.Digest)))
		if err != nil || int64(len(b)) != d.Size {
			t.Errorf("blob %s: %q, %v", d.Digest, b, err)
		}
	}
	if err := l.Verify(ctx); err != nil {
		t.Error(err)
	}
}

// TestMissingSources: every blob without a source is reported at once,
// and nothing is written.
func TestMissingSources(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	dir, l := newLayout(t, layout.OCI)
	f := mustFormat(t, "oci")
	_, err := l.WriteImage(ctx, f, img.manifest, nil, nil)
	if !errors.Is(err, layout.ErrNoSource) {
		t.Fatalf("WriteImage = %v, want ErrNoSource", err)
	}
	for _, d := range []digest.Digest{img.manifest.Config.Digest, img.manifest.Layers[0].Digest} {
		if !strings.Contains(err.Error(), d.Encoded()) {
			t.Errorf("error does not name %s: %v", d, err)
		}
	}
	if got := listFiles(t, dir); !slices.Equal(got, []string{"index.json", "oci-layout"}) {
		t.Errorf("files after failed write = %q", got)
	}
}

// TestTagsAndPlatforms stores several images in one OCI layout and
// selects them by tag, digest and platform.
func TestTagsAndPlatforms(t *testing.T) {
	_, l := newLayout(t, layout.OCI)
	f := mustFormat(t, "oci")
	amd := &core.Platform{OS: "linux", Architecture: "amd64"}
	arm := &core.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	write := func(files map[string]string, tag string, p *core.Platform) core.Descriptor {
		img := newTestImage(t, core.SHA256, files)
		d, err := l.WriteImage(ctx, f, img.manifest, img.blobs, &layout.WriteOptions{Tag: tag, Platform: p})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	v1amd := write(map[string]string{"v": "1 amd"}, "v1", amd)
	v1arm := write(map[string]string{"v": "1 arm"}, "v1", arm)
	v2 := write(map[string]string{"v": "2"}, "v2", nil)
	v2b := write(map[string]string{"v": "2b"}, "v2", nil) // moves the tag
	untagged := write(map[string]string{"v": "none"}, "", nil)

	entries, err := l.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Tag+"@"+string(e.Descriptor.Digest))
	}
	want := []string{"v1@" + string(v1amd.Digest), "v1@" + string(v1arm.Digest), "v2@" + string(v2b.Digest), "@" + string(untagged.Digest)}
	if !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}

	tests := []struct {
		sel  layout.Selector
		want digest.Digest
		err  error
	}{
		{layout.Selector{Tag: "v1", Platform: amd}, v1amd.Digest, nil},
		{layout.Selector{Tag: "v1", Platform: arm}, v1arm.Digest, nil},
		{layout.Selector{Tag: "v1", Platform: &core.Platform{OS: "linux", Architecture: "aarch64"}}, v1arm.Digest, nil},
		{layout.Selector{Tag: "v1", Platform: &core.Platform{OS: "linux", Architecture: "s390x"}}, "", core.ErrNotFound},
		{layout.Selector{Tag: "v2"}, v2b.Digest, nil},
		{layout.Selector{Digest: untagged.Digest}, untagged.Digest, nil},
		{layout.Selector{Digest: v2.Digest}, "", core.ErrNotFound},
		{layout.Selector{Tag: "v2", Digest: v1amd.Digest}, "", core.ErrNotFound},
		{layout.Selector{Tag: "nope"}, "", core.ErrNotFound},
		{layout.Selector{}, "", layout.ErrAmbiguous},
		{layout.Selector{Tag: "bad tag"}, "", layout.ErrInvalidTag},
		{layout.Selector{Digest: "sha256:../../etc/passwd"}, "", core.ErrInvalidDigest},
	}
	for _, tt := range tests {
		t.Run(tt.sel.String(), func(t *testing.T) {
			img, err := l.Image(ctx, tt.sel)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Image(%q) = %v, want %v", tt.sel.String(), err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Image(%q) = %v", tt.sel.String(), err)
			}
			if img.Descriptor.Digest != tt.want {
				t.Errorf("Image(%q) = %s, want %s", tt.sel.String(), img.Descriptor.Digest, tt.want)
			}
		})
	}
	// Tag and Untag.
	if err := l.Tag(ctx, layout.Selector{Digest: untagged.Digest}, "named"); err != nil {
		t.Fatal(err)
	}
	if img, err := l.Image(ctx, layout.Selector{Tag: "named"}); err != nil || img.Descriptor.Digest != untagged.Digest {
		t.Errorf("after Tag: Image(named) = %v, %v", img, err)
	}
	if err := l.Untag(ctx, "named"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Image(ctx, layout.Selector{Tag: "named"}); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("after Untag: Image(named) = %v, want ErrNotFound", err)
	}
	if err := l.Untag(ctx, "named"); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Untag twice = %v, want ErrNotFound", err)
	}
	if err := l.Verify(ctx); err != nil {
		t.Error(err)
	}
}

// TestWriteIndex writes a multi-platform image in both layouts and
// selects each platform from it.
func TestWriteIndex(t *testing.T) {
	for _, kind := range []layout.Kind{layout.Dir, layout.OCI} {
		for _, format := range []string{"oci", "docker"} {
			t.Run(kind.String()+"/"+format, func(t *testing.T) {
				_, l := newLayout(t, kind)
				f := mustFormat(t, format)
				amd := newTestImage(t, core.SHA256, map[string]string{"arch": "amd64"})
				arm := newTestImage(t, core.SHA256, map[string]string{"arch": "arm64"})
				members := []layout.Member{
					{Manifest: amd.manifest, Blobs: amd.blobs, Platform: &core.Platform{OS: "linux", Architecture: "amd64"}},
					{Manifest: arm.manifest, Blobs: arm.blobs, Platform: &core.Platform{OS: "linux", Architecture: "arm64"}},
				}
				top, err := l.WriteIndex(ctx, f, members, &layout.WriteOptions{Tag: tagFor(kind, "multi")})
				if err != nil {
					t.Fatal(err)
				}
				if top.MediaType != f.Describe().IndexMediaType {
					t.Errorf("index media type %s, want %s", top.MediaType, f.Describe().IndexMediaType)
				}
				entries, err := l.List(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(entries) != 3 || !entries[0].Index || entries[1].Parent != top.Digest || entries[2].Depth != 1 {
					t.Errorf("List = %+v", entries)
				}
				for _, m := range []struct {
					arch string
					img  testImage
				}{{"amd64", amd}, {"arm64", arm}} {
					img, err := l.Image(ctx, layout.Selector{Tag: tagFor(kind, "multi"), Platform: &core.Platform{OS: "linux", Architecture: m.arch}})
					if err != nil {
						t.Fatal(err)
					}
					if img.Manifest.Config.Digest != m.img.manifest.Config.Digest || img.Index == nil || img.Index.Digest != top.Digest {
						t.Errorf("Image(%s) = %+v", m.arch, img)
					}
				}
				if err := l.Verify(ctx); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

func TestCreateRefuses(t *testing.T) {
	tmp := t.TempDir()
	notEmpty := filepath.Join(tmp, "notempty")
	os.MkdirAll(notEmpty, 0o755)
	os.WriteFile(filepath.Join(notEmpty, "precious.txt"), []byte("keep me"), 0o644)
	oci := filepath.Join(tmp, "oci")
	if _, err := layout.Create(oci, layout.OCI); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "dir")
	if _, err := layout.Create(dir, layout.Dir); err != nil {
		t.Fatal(err)
	}
	wrongVersion := filepath.Join(tmp, "wrongversion")
	os.MkdirAll(wrongVersion, 0o755)
	os.WriteFile(filepath.Join(wrongVersion, "version"), []byte("Directory Transport Version: 1.0\n"), 0o644)
	// A creation cut short after the marker file: completed.
	markerOnly := filepath.Join(tmp, "markeronly")
	os.MkdirAll(markerOnly, 0o755)
	os.WriteFile(filepath.Join(markerOnly, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	if l, err := layout.Open(markerOnly); err != nil {
		t.Fatal(err)
	} else {
		if _, err := l.Image(ctx, layout.Selector{}); !errors.Is(err, layout.ErrNoImage) {
			t.Errorf("Image(layout without index.json) = %v, want ErrNoImage", err)
		}
		l.Close()
	}
	stale := filepath.Join(tmp, "stale")
	os.MkdirAll(stale, 0o755)
	os.WriteFile(filepath.Join(stale, ".ocispec-tmp-0123abcd"), []byte("cut short"), 0o644)
	tests := []struct {
		path string
		kind layout.Kind
		err  error
	}{
		{stale, layout.OCI, nil}, // only a temporary file of a creation cut short
		{markerOnly, layout.OCI, nil},
		{notEmpty, layout.OCI, layout.ErrNotEmpty},
		{notEmpty, layout.Dir, layout.ErrNotEmpty},
		{oci, layout.Dir, layout.ErrNotEmpty},
		{dir, layout.OCI, layout.ErrNotEmpty},
		{wrongVersion, layout.Dir, layout.ErrUnsupportedVersion},
		{oci, layout.OCI, nil},
		{dir, layout.Dir, nil},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path)+"/"+tt.kind.String(), func(t *testing.T) {
			l, err := layout.Create(tt.path, tt.kind)
			if l != nil {
				l.Close()
			}
			if !errors.Is(err, tt.err) && !(tt.err == nil && err == nil) {
				t.Errorf("Create(%q, %v) = %v, want %v", tt.path, tt.kind, err, tt.err)
			}
		})
	}
	for _, p := range []string{stale, markerOnly} {
		if got := listFiles(t, p); !slices.Equal(got, []string{"index.json", "oci-layout"}) {
			t.Errorf("%s after Create holds %q", filepath.Base(p), got)
		}
	}
	if got := listFiles(t, notEmpty); !slices.Equal(got, []string{"precious.txt"}) {
		t.Errorf("refused folder now holds %q", got)
	}
}

func TestDetectAndOpen(t *testing.T) {
	tmp := t.TempDir()
	mk := func(name string, files map[string]string) string {
		p := filepath.Join(tmp, name)
		os.MkdirAll(p, 0o755)
		for n, c := range files {
			os.WriteFile(filepath.Join(p, n), []byte(c), 0o644)
		}
		return p
	}
	tests := []struct {
		name  string
		files map[string]string
		kind  layout.Kind
		err   error
	}{
		{"oci", map[string]string{"oci-layout": `{"imageLayoutVersion":"1.0.0"}`, "index.json": `{"schemaVersion":2,"manifests":[]}`}, layout.OCI, nil},
		{"oci-spaces", map[string]string{"oci-layout": "{\n  \"imageLayoutVersion\": \"1.0.0\"\n}\n"}, layout.OCI, nil},
		{"oci-v2", map[string]string{"oci-layout": `{"imageLayoutVersion":"2.0.0"}`}, layout.OCI, layout.ErrUnsupportedVersion},
		{"oci-garbage", map[string]string{"oci-layout": `not json`}, layout.OCI, layout.ErrNotLayout},
		{"oci-noversion", map[string]string{"oci-layout": `{}`}, layout.OCI, layout.ErrNotLayout},
		{"dir11", map[string]string{"version": "Directory Transport Version: 1.1\n"}, layout.Dir, nil},
		{"dir12", map[string]string{"version": "Directory Transport Version: 1.2\n"}, layout.Dir, nil},
		{"dir13", map[string]string{"version": "Directory Transport Version: 1.3\n"}, layout.Dir, layout.ErrUnsupportedVersion},
		{"dir20", map[string]string{"version": "Directory Transport Version: 2.0\n"}, layout.Dir, layout.ErrUnsupportedVersion},
		{"dir-nonl", map[string]string{"version": "Directory Transport Version: 1.1"}, layout.Dir, layout.ErrNotLayout},
		{"dir-other", map[string]string{"version": "1.1\n"}, layout.Dir, layout.ErrNotLayout},
		{"both", map[string]string{"version": "Directory Transport Version: 1.1\n", "oci-layout": `{"imageLayoutVersion":"1.0.0"}`}, 0, layout.ErrNotLayout},
		{"manifest-only", map[string]string{"manifest.json": "{}"}, 0, layout.ErrNotLayout},
		{"empty", nil, 0, layout.ErrNotLayout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mk(tt.name, tt.files)
			kind, derr := layout.Detect(p)
			if tt.kind != 0 && (derr != nil || kind != tt.kind) {
				t.Errorf("Detect = %v, %v; want %v", kind, derr, tt.kind)
			}
			l, err := layout.Open(p)
			if l != nil {
				l.Close()
			}
			if tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("Open(%q) = %v, want %v", tt.name, err, tt.err)
			}
		})
	}
}

func TestNoImage(t *testing.T) {
	for _, kind := range []layout.Kind{layout.Dir, layout.OCI} {
		t.Run(kind.String(), func(t *testing.T) {
			_, l := newLayout(t, kind)
			if _, err := l.Image(ctx, layout.Selector{}); !errors.Is(err, layout.ErrNoImage) {
				t.Errorf("Image on an empty layout = %v, want ErrNoImage", err)
			}
		})
	}
}

func TestDirNoTags(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	dir, _ := writeImage(t, layout.Dir, "oci", img, nil)
	l := mustOpen(t, dir)
	f := mustFormat(t, "oci")
	if _, err := l.WriteImage(ctx, f, img.manifest, img.blobs, &layout.WriteOptions{Tag: "v1"}); !errors.Is(err, layout.ErrNoTags) {
		t.Errorf("WriteImage with a tag in dir: = %v, want ErrNoTags", err)
	}
	if _, err := l.Image(ctx, layout.Selector{Tag: "v1"}); !errors.Is(err, layout.ErrNoTags) {
		t.Errorf("Image(tag) in dir: = %v, want ErrNoTags", err)
	}
	// The dir: manifest can be selected by its digest in any algorithm.
	entries, _ := l.List(ctx)
	raw, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	d512, _ := core.DefaultAlgorithms.FromBytes(core.SHA512, raw)
	for _, d := range []digest.Digest{entries[0].Descriptor.Digest, d512} {
		if _, err := l.Image(ctx, layout.Selector{Digest: d}); err != nil {
			t.Errorf("Image(@%s) = %v", d, err)
		}
	}
}

func TestParseSelectorAndReference(t *testing.T) {
	d := digest.Digest("sha256:" + strings.Repeat("a", 64))
	sels := []struct {
		in   string
		want layout.Selector
		ok   bool
	}{
		{"", layout.Selector{}, true},
		{"latest", layout.Selector{Tag: "latest"}, true},
		{"@" + string(d), layout.Selector{Digest: d}, true},
		{"v1.2@" + string(d), layout.Selector{Tag: "v1.2", Digest: d}, true},
		{"@sha256:abc", layout.Selector{}, false},
		{"bad tag", layout.Selector{}, false},
	}
	for _, tt := range sels {
		got, err := layout.ParseSelector(tt.in)
		if (err == nil) != tt.ok || tt.ok && (got.Tag != tt.want.Tag || got.Digest != tt.want.Digest) {
			t.Errorf("ParseSelector(%q) = %+v, %v; want %+v (ok=%v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
	refs := []struct {
		in   string
		want layout.Reference
		ok   bool
	}{
		{"dir:/a/b", layout.Reference{Kind: layout.Dir, Path: "/a/b"}, true},
		{"dir:/a:b", layout.Reference{Kind: layout.Dir, Path: "/a:b"}, true},
		{"oci:/a/b", layout.Reference{Kind: layout.OCI, Path: "/a/b"}, true},
		{"oci:/a/b:v1", layout.Reference{Kind: layout.OCI, Path: "/a/b", Selector: layout.Selector{Tag: "v1"}}, true},
		{"oci:rel:@" + string(d), layout.Reference{Kind: layout.OCI, Path: "rel", Selector: layout.Selector{Digest: d}}, true},
		{"oci:/a/b:", layout.Reference{}, false},
		{"docker://x", layout.Reference{}, false},
		{"dir:", layout.Reference{}, false},
		{"nocolon", layout.Reference{}, false},
	}
	for _, tt := range refs {
		got, err := layout.ParseReference(tt.in)
		if (err == nil) != tt.ok || tt.ok && (got.Kind != tt.want.Kind || got.Path != tt.want.Path || got.Selector.Tag != tt.want.Selector.Tag || got.Selector.Digest != tt.want.Selector.Digest) {
			t.Errorf("ParseReference(%q) = %+v, %v; want %+v (ok=%v)", tt.in, got, err, tt.want, tt.ok)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("ParseReference(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestValidateTag(t *testing.T) {
	for _, tt := range []struct {
		tag string
		ok  bool
	}{
		{"latest", true}, {"v1.2.3", true}, {"a--b", true}, {"example.com/app:v1", true}, {"A_b+c@d", true},
		{"", false}, {"-a", false}, {"a-", false}, {"a..b", false}, {"a---b", false}, {"a b", false},
		{"a//b", false}, {"/a", false}, {"a\x00b", false}, {"ü", false}, {strings.Repeat("a", 256), false},
	} {
		if err := layout.ValidateTag(tt.tag); (err == nil) != tt.ok {
			t.Errorf("ValidateTag(%q) = %v, want ok=%v", tt.tag, err, tt.ok)
		}
	}
}

// TestConcurrentWriters writes images from several goroutines into one
// OCI layout: every tag survives (index.json updates are serialised).
func TestConcurrentWriters(t *testing.T) {
	dir, l := newLayout(t, layout.OCI)
	// A second handle on the same folder, as another process would have.
	l2 := mustOpen(t, dir)
	f := mustFormat(t, "oci")
	var wg sync.WaitGroup
	const n = 8
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			img := newTestImage(t, core.SHA256, map[string]string{"n": fmt.Sprint(i)})
			w := l
			if i%2 == 1 {
				w = l2
			}
			if _, err := w.WriteImage(ctx, f, img.manifest, img.blobs, &layout.WriteOptions{Tag: fmt.Sprintf("t%d", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	entries, err := l.List(ctx)
	if err != nil || len(entries) != n {
		t.Fatalf("List = %d entries, %v; want %d", len(entries), err, n)
	}
	if err := l.Verify(ctx); err != nil {
		t.Error(err)
	}
}

// TestDamagedIndexIsolated: an index whose blob is gone does not hide
// the other images of the layout.
func TestDamagedIndexIsolated(t *testing.T) {
	dir, l := newLayout(t, layout.OCI)
	f := mustFormat(t, "oci")
	a := newTestImage(t, core.SHA256, map[string]string{"a": "a"})
	b := newTestImage(t, core.SHA256, map[string]string{"b": "b"})
	ix, err := l.WriteIndex(ctx, f, []layout.Member{{Manifest: a.manifest, Blobs: a.blobs, Platform: &core.Platform{OS: "linux", Architecture: "amd64"}}}, &layout.WriteOptions{Tag: "multi"})
	if err != nil {
		t.Fatal(err)
	}
	single, err := l.WriteImage(ctx, f, b.manifest, b.blobs, &layout.WriteOptions{Tag: "single"})
	if err != nil {
		t.Fatal(err)
	}
	rm(t, dir, blobRel(layout.OCI, ix.Digest))
	entries, err := l.List(ctx)
	if err != nil || len(entries) != 2 || !errors.Is(entries[0].Err, core.ErrNotFound) || entries[1].Err != nil {
		t.Fatalf("List = %+v, %v", entries, err)
	}
	if img, err := l.Image(ctx, layout.Selector{Tag: "single"}); err != nil || img.Descriptor.Digest != single.Digest {
		t.Errorf("Image(single) = %v, %v", img, err)
	}
	if _, err := l.Image(ctx, layout.Selector{Tag: "multi"}); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Image(multi) = %v, want ErrMissing", err)
	}
	if _, err := l.Image(ctx, layout.Selector{Digest: a.manifest.Config.Digest}); !errors.Is(err, core.ErrNotFound) || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("Image(@unknown) = %v, want ErrNotFound mentioning the unreadable index", err)
	}
}

// TestDirLegacySHA512Names reads a dir: folder of version 1.1 whose
// sha512 blobs carry the bare hex name containers/image gave them
// before version 1.2.
func TestDirLegacySHA512Names(t *testing.T) {
	img := newTestImage(t, core.SHA512, nil)
	dir, _ := writeImage(t, layout.Dir, "oci", img, nil)
	for _, d := range []digest.Digest{img.manifest.Config.Digest, img.manifest.Layers[0].Digest} {
		if err := os.Rename(filepath.Join(dir, "sha512-"+d.Encoded()), filepath.Join(dir, d.Encoded())); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "version"), []byte(layout.DirVersion11), 0o644)
	if err := layout.Verify(ctx, dir); err != nil {
		t.Errorf("Verify(legacy names) = %v", err)
	}
	l := mustOpen(t, dir)
	got, err := l.Image(ctx, layout.Selector{})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := l.ReadBlob(ctx, got.Manifest.Config); err != nil || !bytes.Equal(b, img.config) {
		t.Errorf("ReadBlob(config) = %q, %v", b, err)
	}
}

func TestOptions(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	dir, d := writeImage(t, layout.OCI, "docker", img, &layout.WriteOptions{Tag: "t"})
	ix, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	limit := int64(len(ix)) // index.json fits, the manifest does not
	if d.Size <= limit {
		t.Fatalf("manifest of %d bytes is not larger than index.json (%d)", d.Size, limit)
	}
	small, err := layout.Open(dir, layout.WithMaxDocumentSize(limit))
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	_, err = small.Image(ctx, layout.Selector{Tag: "t"})
	var be *layout.BlobError
	if !errors.Is(err, core.ErrTooLarge) || !errors.As(err, &be) || be.Digest != d.Digest {
		t.Errorf("Image with a %d-byte limit = %v, want ErrDocumentTooLarge naming the manifest", limit, err)
	}
	reg := core.NewRegistry(nil)
	reg.RegisterFormat(mustFormat(t, "oci"))
	ociOnly, err := layout.Open(dir, layout.WithRegistry(reg), layout.WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer ociOnly.Close()
	if _, err := ociOnly.Image(ctx, layout.Selector{Tag: "t"}); !errors.Is(err, core.ErrUnknownFormat) {
		t.Errorf("Image of a Docker manifest without the docker format = %v, want ErrUnknownFormat", err)
	}
}

// TestTagMoves: a tag written with a platform names one image per
// platform; written without one, it moves off all of them.
func TestTagMoves(t *testing.T) {
	_, l := newLayout(t, layout.OCI)
	f := mustFormat(t, "oci")
	write := func(v string, p *core.Platform) core.Descriptor {
		img := newTestImage(t, core.SHA256, map[string]string{"v": v})
		d, err := l.WriteImage(ctx, f, img.manifest, img.blobs, &layout.WriteOptions{Tag: "v1", Platform: p})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	count := func() int {
		es, err := l.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	write("amd", &core.Platform{OS: "linux", Architecture: "amd64"})
	write("arm", &core.Platform{OS: "linux", Architecture: "arm64"})
	write("amd2", &core.Platform{OS: "linux", Architecture: "amd64"})
	if n := count(); n != 2 {
		t.Errorf("after three writes for two platforms: %d entries, want 2", n)
	}
	all := write("all", nil)
	if n := count(); n != 1 {
		t.Errorf("after a write without platform: %d entries, want 1", n)
	}
	if img, err := l.Image(ctx, layout.Selector{Tag: "v1"}); err != nil || img.Descriptor.Digest != all.Digest {
		t.Errorf("Image(v1) = %v, %v; want %s", img, err, all.Digest)
	}
}
