package layout_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// TestCopyMatrix copies an image between every pair of layout kinds,
// keeping its format or converting it: the blobs keep their digests,
// the manifest is of the wanted format, and the copy is whole.
func TestCopyMatrix(t *testing.T) {
	kinds := []layout.Kind{layout.Dir, layout.OCI}
	for _, from := range kinds {
		for _, to := range kinds {
			for _, srcFormat := range []string{"oci", "docker"} {
				for _, dstFormat := range []string{"", "oci", "docker"} {
					name := from.String() + "-" + srcFormat + "/" + to.String() + "-" + dstFormat
					t.Run(name, func(t *testing.T) {
						img := newTestImage(t, core.SHA256, nil)
						srcDir, _ := writeImage(t, from, srcFormat, img, &layout.WriteOptions{Tag: tagFor(from, "src")})
						src := mustOpen(t, srcDir)
						_, dst := newLayout(t, to)
						opts := &layout.CopyOptions{WriteOptions: layout.WriteOptions{Tag: tagFor(to, "dst")}}
						if dstFormat != "" {
							opts.Format = mustFormat(t, dstFormat)
						}
						d, err := layout.Copy(ctx, dst, src, layout.Selector{Tag: tagFor(from, "src")}, opts)
						if err != nil {
							t.Fatalf("Copy = %v", err)
						}
						got, err := dst.Image(ctx, layout.Selector{Tag: tagFor(to, "dst")})
						if err != nil {
							t.Fatal(err)
						}
						wantFormat := dstFormat
						if wantFormat == "" {
							wantFormat = srcFormat
						}
						if got.Format.Describe().Name != wantFormat || got.Descriptor.Digest != d.Digest {
							t.Errorf("copied image: format %s digest %s, want %s %s", got.Format.Describe().Name, got.Descriptor.Digest, wantFormat, d.Digest)
						}
						srcImg, _ := src.Image(ctx, layout.Selector{Tag: tagFor(from, "src")})
						if dstFormat == "" && !bytes.Equal(got.Bytes, srcImg.Bytes) {
							t.Errorf("manifest bytes changed without a conversion")
						}
						if got.Manifest.Config.Digest != img.manifest.Config.Digest || got.Manifest.Layers[0].Digest != img.manifest.Layers[0].Digest {
							t.Errorf("blob digests changed: %+v", got.Manifest)
						}
						f := got.Format
						if got.Manifest.Layers[0].MediaType != f.Describe().Table.MediaType(core.KindTarGzip) || got.Manifest.Config.MediaType != f.Describe().Table.MediaType(core.KindConfig) {
							t.Errorf("media types not converted: %s, %s", got.Manifest.Config.MediaType, got.Manifest.Layers[0].MediaType)
						}
						if err := dst.Verify(ctx); err != nil {
							t.Error(err)
						}
					})
				}
			}
		}
	}
}

// TestConvertInPlace converts an image within its own layout: only a
// new manifest is written, the blobs are reused untouched.
func TestConvertInPlace(t *testing.T) {
	for _, kind := range []layout.Kind{layout.Dir, layout.OCI} {
		t.Run(kind.String(), func(t *testing.T) {
			img := newTestImage(t, core.SHA256, nil)
			dir, old := writeImage(t, kind, "docker", img, &layout.WriteOptions{Tag: tagFor(kind, "v1")})
			l := mustOpen(t, dir)
			layerPath := filepath.Join(dir, blobRel(kind, img.manifest.Layers[0].Digest))
			before, _ := os.Stat(layerPath)
			d, err := layout.Copy(ctx, l, l, layout.Selector{Tag: tagFor(kind, "v1")}, &layout.CopyOptions{Format: mustFormat(t, "oci")})
			if err != nil {
				t.Fatal(err)
			}
			if d.Digest == old.Digest {
				t.Fatal("conversion kept the manifest digest")
			}
			after, _ := os.Stat(layerPath)
			if !os.SameFile(before, after) {
				t.Error("the layer was written again")
			}
			got, err := l.Image(ctx, layout.Selector{Tag: tagFor(kind, "v1")})
			if err != nil || got.Format.Describe().Name != "oci" || got.Descriptor.Digest != d.Digest {
				t.Fatalf("Image(v1) after conversion = %+v, %v", got, err)
			}
			entries, _ := l.List(ctx)
			if len(entries) != 1 {
				t.Errorf("List has %d entries, want 1 (the tag moved)", len(entries))
			}
			if err := l.Verify(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCopyIndex copies a multi-platform image whole (All) and one
// platform of it, between layouts and formats.
func TestCopyIndex(t *testing.T) {
	for _, from := range []layout.Kind{layout.Dir, layout.OCI} {
		for _, to := range []layout.Kind{layout.Dir, layout.OCI} {
			for _, conv := range []string{"", "oci"} {
				t.Run(from.String()+"/"+to.String()+"/"+conv, func(t *testing.T) {
					_, src := newLayout(t, from)
					amd := newTestImage(t, core.SHA256, map[string]string{"arch": "amd64"})
					arm := newTestImage(t, core.SHA256, map[string]string{"arch": "arm64"})
					amdP := &core.Platform{OS: "linux", Architecture: "amd64"}
					armP := &core.Platform{OS: "linux", Architecture: "arm64"}
					top, err := src.WriteIndex(ctx, mustFormat(t, "docker"), []layout.Member{
						{Manifest: amd.manifest, Blobs: amd.blobs, Platform: amdP},
						{Manifest: arm.manifest, Blobs: arm.blobs, Platform: armP},
					}, &layout.WriteOptions{Tag: tagFor(from, "multi")})
					if err != nil {
						t.Fatal(err)
					}
					opts := &layout.CopyOptions{All: true, WriteOptions: layout.WriteOptions{Tag: tagFor(to, "all")}}
					if conv != "" {
						opts.Format = mustFormat(t, conv)
					}
					_, dst := newLayout(t, to)
					d, err := layout.Copy(ctx, dst, src, layout.Selector{Tag: tagFor(from, "multi")}, opts)
					if err != nil {
						t.Fatal(err)
					}
					if (conv == "") != (d.Digest == top.Digest) {
						t.Errorf("index digest %s, source %s (conversion %q)", d.Digest, top.Digest, conv)
					}
					for _, p := range []struct {
						plat *core.Platform
						img  testImage
					}{{amdP, amd}, {armP, arm}} {
						got, err := dst.Image(ctx, layout.Selector{Tag: tagFor(to, "all"), Platform: p.plat})
						if err != nil {
							t.Fatal(err)
						}
						if got.Manifest.Config.Digest != p.img.manifest.Config.Digest {
							t.Errorf("%s: config %s, want %s", p.plat, got.Manifest.Config.Digest, p.img.manifest.Config.Digest)
						}
						if conv != "" && got.Format.Describe().Name != conv {
							t.Errorf("%s: format %s, want %s", p.plat, got.Format.Describe().Name, conv)
						}
					}
					if err := dst.Verify(ctx); err != nil {
						t.Error(err)
					}
					// One platform only.
					_, one := newLayout(t, to)
					d1, err := layout.Copy(ctx, one, src, layout.Selector{Tag: tagFor(from, "multi"), Platform: armP}, &layout.CopyOptions{WriteOptions: layout.WriteOptions{Tag: tagFor(to, "one")}})
					if err != nil {
						t.Fatal(err)
					}
					got, err := one.Image(ctx, layout.Selector{Tag: tagFor(to, "one")})
					if err != nil || got.Manifest.Config.Digest != arm.manifest.Config.Digest || got.Descriptor.Digest != d1.Digest {
						t.Errorf("single-platform copy = %+v, %v", got, err)
					}
				})
			}
		}
	}
}

// TestCopyNotConvertible: a zstd layer cannot become a Docker layer
// without Permissive; nothing is written to the destination.
func TestCopyNotConvertible(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	img.manifest.Layers[0].MediaType = core.KindTarZstd
	srcDir, _ := writeImage(t, layout.OCI, "oci", img, &layout.WriteOptions{Tag: "z"})
	src := mustOpen(t, srcDir)
	dstDir, dst := newLayout(t, layout.Dir)
	before := listFiles(t, dstDir)
	_, err := layout.Copy(ctx, dst, src, layout.Selector{Tag: "z"}, &layout.CopyOptions{Format: mustFormat(t, "docker")})
	if !errors.Is(err, core.ErrNotConvertible) {
		t.Fatalf("Copy = %v, want ErrNotConvertible", err)
	}
	if after := listFiles(t, dstDir); !slices.Equal(after, before) {
		t.Errorf("destination changed: %q", after)
	}
	if _, err := layout.Copy(ctx, dst, src, layout.Selector{Tag: "z"}, &layout.CopyOptions{Format: mustFormat(t, "docker"), Permissive: true}); err != nil {
		t.Errorf("permissive Copy = %v", err)
	}
	if err := dst.Verify(ctx); err != nil {
		t.Error(err)
	}
}

// TestForeignLayers: a non-distributable layer with URLs may be absent
// from a layout; writing, verifying and copying leave it out.
func TestForeignLayers(t *testing.T) {
	img := newTestImage(t, core.SHA256, nil)
	foreign := core.DescriptorFromBytes(core.KindNondistributableGzip, []byte("fetched elsewhere"))
	foreign.URLs = []string{"https://example.com/layer.tar.gz"}
	img.manifest.Layers = append(img.manifest.Layers, foreign)
	srcDir, d := writeImage(t, layout.OCI, "docker", img, &layout.WriteOptions{Tag: "f"})
	if _, err := os.Stat(filepath.Join(srcDir, blobRel(layout.OCI, foreign.Digest))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("foreign layer was written: %v", err)
	}
	if err := layout.Verify(ctx, srcDir); err != nil {
		t.Errorf("Verify = %v", err)
	}
	src := mustOpen(t, srcDir)
	_, dst := newLayout(t, layout.Dir)
	c, err := layout.Copy(ctx, dst, src, layout.Selector{Tag: "f"}, nil)
	if err != nil || c.Digest != d.Digest {
		t.Fatalf("Copy = %v, %v", c, err)
	}
	if err := dst.Verify(ctx); err != nil {
		t.Errorf("Verify(copy) = %v", err)
	}
}

// TestVerifyOtherContent: index.json may list content that is not a
// manifest; Verify checks its size and digest only.
func TestVerifyOtherContent(t *testing.T) {
	dir, l := newLayout(t, layout.OCI)
	data := []byte("some signature, say")
	d := core.DescriptorFromBytes("application/vnd.example.thing", data)
	if err := l.PutBlob(ctx, d, layout.FromBytes(data), nil); err != nil {
		t.Fatal(err)
	}
	img := newTestImage(t, core.SHA256, nil)
	if _, err := l.WriteImage(ctx, mustFormat(t, "oci"), img.manifest, img.blobs, nil); err != nil {
		t.Fatal(err)
	}
	ix, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	entry := fmt.Sprintf(`{"mediaType":"application/vnd.example.thing","digest":"%s","size":%d},`, d.Digest, d.Size)
	ix = bytes.Replace(ix, []byte(`"manifests":[`), []byte(`"manifests":[`+entry), 1)
	os.WriteFile(filepath.Join(dir, "index.json"), ix, 0o644)
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify = %v", err)
	}
	flip(t, filepath.Join(dir, blobRel(layout.OCI, d.Digest)))
	if err := l.Verify(ctx); !errors.Is(err, core.ErrDigestMismatch) {
		t.Errorf("Verify(damaged other content) = %v, want ErrDigestMismatch", err)
	}
}
