package transport_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

// writeLayout writes img in a new layout of kind with format (tagged
// tag in an OCI layout) and returns its folder and reference.
func writeLayout(t *testing.T, kind layout.Kind, format string, img testImage, tag string) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	l, err := layout.Create(dir, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := core.Default.Format(format)
	if err != nil {
		t.Fatal(err)
	}
	wo := &layout.WriteOptions{}
	if kind == layout.OCI {
		wo.Tag = tag
	}
	if _, err := l.WriteImage(ctx, f, img.manifest, img.blobs, wo); err != nil {
		t.Fatal(err)
	}
	return dir, layoutRef(kind, dir, tag)
}

func layoutRef(kind layout.Kind, dir, tag string) string {
	if kind == layout.Dir {
		return "dir:" + dir
	}
	return "oci:" + dir + ":" + tag
}

func mustFormat(t *testing.T, name string) core.Format {
	t.Helper()
	f, err := core.Default.Format(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// image returns the image a layout reference names, read by package
// layout (an oracle apart from the transport that wrote it).
func image(t *testing.T, kind layout.Kind, dir, tag string, p *core.Platform) *layout.Image {
	t.Helper()
	l, err := layout.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sel := layout.Selector{Platform: p}
	if kind == layout.OCI {
		sel.Tag = tag
	}
	img, err := l.Image(ctx, sel)
	if err != nil {
		t.Fatalf("Image(%s %s) = %v", dir, tag, err)
	}
	return img
}

// TestCopyLayoutMatrix copies an image between every pair of layout
// kinds, keeping its format or converting it: the blobs keep their
// digests, the manifest is of the wanted format (its bytes unchanged
// without a conversion), and the copy verifies.
func TestCopyLayoutMatrix(t *testing.T) {
	kinds := []layout.Kind{layout.Dir, layout.OCI}
	for _, from := range kinds {
		for _, to := range kinds {
			for _, srcFormat := range []string{"oci", "docker"} {
				for _, dstFormat := range []string{"", "oci", "docker"} {
					t.Run(from.String()+"-"+srcFormat+"/"+to.String()+"-"+dstFormat, func(t *testing.T) {
						img := newImage(t, "amd64", helloFiles)
						srcDir, srcRef := writeLayout(t, from, srcFormat, img, "src")
						dstDir := filepath.Join(t.TempDir(), "dst")
						opts := &transport.CopyOptions{}
						if dstFormat != "" {
							opts.Format = mustFormat(t, dstFormat)
						}
						res := copyRefs(t, layoutRef(to, dstDir, "dst"), srcRef, opts)
						got := image(t, to, dstDir, "dst", nil)
						want := dstFormat
						if want == "" {
							want = srcFormat
						}
						if got.Format.Describe().Name != want || got.Descriptor.Digest != res.Images[0].Descriptor.Digest {
							t.Errorf("copied image: format %s digest %s, want %s %s", got.Format.Describe().Name, got.Descriptor.Digest, want, res.Images[0].Descriptor.Digest)
						}
						if srcImg := image(t, from, srcDir, "src", nil); dstFormat == "" && !bytes.Equal(got.Bytes, srcImg.Bytes) {
							t.Errorf("manifest bytes changed without a conversion")
						}
						if got.Manifest.Config.Digest != img.manifest.Config.Digest || got.Manifest.Layers[0].Digest != img.manifest.Layers[0].Digest {
							t.Errorf("blob digests changed: %+v", got.Manifest)
						}
						f := got.Format
						if got.Manifest.Layers[0].MediaType != f.Describe().Table.MediaType(core.KindTarGzip) || got.Manifest.Config.MediaType != f.Describe().Table.MediaType(core.KindConfig) {
							t.Errorf("media types not converted: %s, %s", got.Manifest.Config.MediaType, got.Manifest.Layers[0].MediaType)
						}
						if err := layout.Verify(ctx, dstDir); err != nil {
							t.Error(err)
						}
					})
				}
			}
		}
	}
}

// TestConvertInPlace converts an image within its own layout: only a
// new manifest is written, the blobs are reused untouched, and the tag
// moves to it.
func TestConvertInPlace(t *testing.T) {
	for _, kind := range []layout.Kind{layout.Dir, layout.OCI} {
		t.Run(kind.String(), func(t *testing.T) {
			img := newImage(t, "amd64", helloFiles)
			dir, ref := writeLayout(t, kind, "docker", img, "v1")
			old := image(t, kind, dir, "v1", nil)
			layer := filepath.Join(dir, img.manifest.Layers[0].Digest.Encoded())
			if kind == layout.OCI {
				layer = filepath.Join(dir, "blobs", "sha256", img.manifest.Layers[0].Digest.Encoded())
			}
			before, _ := os.Stat(layer)
			res := copyRefs(t, ref, ref, &transport.CopyOptions{Format: mustFormat(t, "oci")})
			d := res.Images[0].Descriptor
			if d.Digest == old.Descriptor.Digest {
				t.Fatal("conversion kept the manifest digest")
			}
			after, _ := os.Stat(layer)
			if !os.SameFile(before, after) {
				t.Error("the layer was written again")
			}
			got := image(t, kind, dir, "v1", nil)
			if got.Format.Describe().Name != "oci" || got.Descriptor.Digest != d.Digest {
				t.Fatalf("Image(v1) after conversion = %s %s", got.Format.Describe().Name, got.Descriptor.Digest)
			}
			l, _ := layout.Open(dir)
			entries, _ := l.List(ctx)
			l.Close()
			if len(entries) != 1 {
				t.Errorf("List has %d entries, want 1 (the tag moved)", len(entries))
			}
			if err := layout.Verify(ctx, dir); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCopyIndex copies a multi-platform image whole (AllPlatforms) and
// one platform of it, between layouts and formats.
func TestCopyIndex(t *testing.T) {
	for _, from := range []layout.Kind{layout.Dir, layout.OCI} {
		for _, to := range []layout.Kind{layout.Dir, layout.OCI} {
			for _, conv := range []string{"", "oci"} {
				t.Run(from.String()+"/"+to.String()+"/"+conv, func(t *testing.T) {
					srcDir := filepath.Join(t.TempDir(), "src")
					src, err := layout.Create(srcDir, from)
					if err != nil {
						t.Fatal(err)
					}
					amd := newImage(t, "amd64", map[string]string{"arch": "amd64"})
					arm := newImage(t, "arm64", map[string]string{"arch": "arm64"})
					wo := &layout.WriteOptions{}
					if from == layout.OCI {
						wo.Tag = "multi"
					}
					top, err := src.WriteIndex(ctx, mustFormat(t, "docker"), []layout.Member{
						{Manifest: amd.manifest, Blobs: amd.blobs, Platform: &amd.platform},
						{Manifest: arm.manifest, Blobs: arm.blobs, Platform: &arm.platform},
					}, wo)
					src.Close()
					if err != nil {
						t.Fatal(err)
					}
					opts := &transport.CopyOptions{AllPlatforms: true}
					if conv != "" {
						opts.Format = mustFormat(t, conv)
					}
					dstDir := filepath.Join(t.TempDir(), "all")
					res := copyRefs(t, layoutRef(to, dstDir, "all"), layoutRef(from, srcDir, "multi"), opts)
					if d := res.Images[0].Descriptor; (conv == "") != (d.Digest == top.Digest) {
						t.Errorf("index digest %s, source %s (conversion %q)", d.Digest, top.Digest, conv)
					}
					for _, p := range []testImage{amd, arm} {
						got := image(t, to, dstDir, "all", &p.platform)
						if got.Manifest.Config.Digest != p.manifest.Config.Digest {
							t.Errorf("%s: config %s, want %s", p.platform, got.Manifest.Config.Digest, p.manifest.Config.Digest)
						}
						if conv != "" && got.Format.Describe().Name != conv {
							t.Errorf("%s: format %s, want %s", p.platform, got.Format.Describe().Name, conv)
						}
					}
					if err := layout.Verify(ctx, dstDir); err != nil {
						t.Error(err)
					}
					oneDir := filepath.Join(t.TempDir(), "one")
					res = copyRefs(t, layoutRef(to, oneDir, "one"), layoutRef(from, srcDir, "multi"), &transport.CopyOptions{Platform: &arm.platform})
					if got := image(t, to, oneDir, "one", nil); got.Manifest.Config.Digest != arm.manifest.Config.Digest || got.Descriptor.Digest != res.Images[0].Descriptor.Digest {
						t.Errorf("single-platform copy = %s, want the arm64 manifest", got.Descriptor.Digest)
					}
				})
			}
		}
	}
}

// TestCopyNotConvertible: a zstd layer cannot become a Docker layer
// without Permissive; nothing is written to the destination.
func TestCopyNotConvertible(t *testing.T) {
	img := newImage(t, "amd64", helloFiles)
	img.manifest.Layers[0].MediaType = core.KindTarZstd
	_, srcRef := writeLayout(t, layout.OCI, "oci", img, "z")
	parent := t.TempDir()
	dst := "dir:" + filepath.Join(parent, "d")
	if _, err := tryCopy(dst, srcRef, &transport.CopyOptions{Format: mustFormat(t, "docker")}); !errors.Is(err, core.ErrNotConvertible) {
		t.Fatalf("Copy = %v, want ErrNotConvertible", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("a refused conversion left %d entries", len(entries))
	}
	copyRefs(t, dst, srcRef, &transport.CopyOptions{Format: mustFormat(t, "docker"), Permissive: true})
	if err := layout.Verify(ctx, filepath.Join(parent, "d")); err != nil {
		t.Error(err)
	}
}

// TestForeignLayers: a non-distributable layer with URLs absent from the
// source is left out of the copy, which verifies.
func TestForeignLayers(t *testing.T) {
	img := newImage(t, "amd64", helloFiles)
	foreign := core.DescriptorFromBytes(core.KindNondistributableGzip, []byte("fetched elsewhere"))
	foreign.URLs = []string{"https://example.com/layer.tar.gz"}
	img.manifest.Layers = append(img.manifest.Layers, foreign)
	srcDir, srcRef := writeLayout(t, layout.OCI, "docker", img, "f")
	d := image(t, layout.OCI, srcDir, "f", nil).Descriptor
	for _, dst := range []string{"dir:%s", "oci-archive:%s.tar:f"} {
		out := filepath.Join(t.TempDir(), "out")
		res := copyRefs(t, replace(dst, out), srcRef, nil)
		if res.Images[0].Descriptor.Digest != d.Digest {
			t.Errorf("Copy to %s = %s, want %s", dst, res.Images[0].Descriptor.Digest, d.Digest)
		}
	}
}

func replace(pattern, path string) string {
	return string(bytes.Replace([]byte(pattern), []byte("%s"), []byte(path), 1))
}
