package layout_test

// Interoperability with the tools that own the two layouts: skopeo
// (containers/image), umoci and oci-image-tool, run as programs. A test
// skips, loudly, only when a tool is not installed, or when a probe
// shows that the installed version lacks a feature (the probe builds a
// minimal layout by hand, without this package, so a skip is about the
// tool, never about what this package writes).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// needTool returns the path of a tool, or skips the test loudly.
func needTool(t *testing.T, name string) string { t.Helper(); return tooltest.Need(t, name) }

// run runs a tool and returns its standard output; a failure is an
// error carrying the tool's output.
func run(t *testing.T, name string, args ...string) ([]byte, error) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, needTool(t, name), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

func mustRun(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := run(t, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func skopeo(t *testing.T, args ...string) ([]byte, error) {
	return run(t, "skopeo", append([]string{"--insecure-policy"}, args...)...)
}

// Probes of the installed skopeo, on minimal layouts written by hand
// (plain files; nothing of this package). Each returns "" when the
// feature works and the tool's complaint otherwise; the result is kept
// for the test run.
var probeOnce sync.Map // name → *probeResult

type probeResult struct {
	once sync.Once
	msg  string
}

func probe(t *testing.T, name string, build func(dir string) []string) string {
	t.Helper()
	v, _ := probeOnce.LoadOrStore(name, &probeResult{})
	p := v.(*probeResult)
	p.once.Do(func() {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("ocispec-probe-%s-%d", name, os.Getpid()))
		os.RemoveAll(dir)
		defer os.RemoveAll(dir)
		os.MkdirAll(dir, 0o755)
		if _, err := skopeo(t, build(dir)...); err != nil {
			p.msg = err.Error()
		}
	})
	return p.msg
}

func writeFiles(dir string, files map[string][]byte) {
	for n, b := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755)
		os.WriteFile(filepath.Join(dir, n), b, 0o644)
	}
}

var probeConfig = []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)

func probeManifest(mediaType, configType string, config digest.Digest) []byte {
	return []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":%q,"digest":%q,"size":%d},"layers":[]}`,
		mediaType, configType, config, len(probeConfig)))
}

// skopeoReadsDirSHA512: a dir: version 1.2 folder with a sha512 config
// named "sha512-<hex>", as containers/image writes since version 1.2.
func skopeoReadsDirSHA512(t *testing.T) string {
	return probe(t, "dir-sha512", func(dir string) []string {
		c := digest.SHA512.FromBytes(probeConfig)
		writeFiles(dir, map[string][]byte{
			"version":               []byte("Directory Transport Version: 1.2\n"),
			"sha512-" + c.Encoded(): probeConfig,
			"manifest.json":         probeManifest(oci.MediaTypeManifest, "application/vnd.oci.image.config.v1+json", c),
		})
		return []string{"inspect", "dir:" + dir}
	})
}

// skopeoReadsOCISHA512: an OCI layout whose manifest and config are
// sha512.
func skopeoReadsOCISHA512(t *testing.T) string {
	return probe(t, "oci-sha512", func(dir string) []string {
		c := digest.SHA512.FromBytes(probeConfig)
		m := probeManifest(oci.MediaTypeManifest, "application/vnd.oci.image.config.v1+json", c)
		md := digest.SHA512.FromBytes(m)
		writeFiles(dir, map[string][]byte{
			"oci-layout":                   []byte(`{"imageLayoutVersion":"1.0.0"}`),
			"blobs/sha512/" + c.Encoded():  probeConfig,
			"blobs/sha512/" + md.Encoded(): m,
			"index.json":                   []byte(fmt.Sprintf(`{"schemaVersion":2,"manifests":[{"mediaType":%q,"digest":%q,"size":%d,"annotations":{"org.opencontainers.image.ref.name":"p"}}]}`, oci.MediaTypeManifest, md, len(m))),
		})
		return []string{"inspect", "oci:" + dir + ":p"}
	})
}

// skopeoReadsDockerInOCI: an OCI layout whose index.json lists a Docker
// schema 2 manifest (containers/image accepts those in newer versions).
func skopeoReadsDockerInOCI(t *testing.T) string {
	return probe(t, "oci-docker", func(dir string) []string {
		c := digest.SHA256.FromBytes(probeConfig)
		m := probeManifest(docker.MediaTypeManifest, "application/vnd.docker.container.image.v1+json", c)
		md := digest.SHA256.FromBytes(m)
		writeFiles(dir, map[string][]byte{
			"oci-layout":                   []byte(`{"imageLayoutVersion":"1.0.0"}`),
			"blobs/sha256/" + c.Encoded():  probeConfig,
			"blobs/sha256/" + md.Encoded(): m,
			"index.json":                   []byte(fmt.Sprintf(`{"schemaVersion":2,"manifests":[{"mediaType":%q,"digest":%q,"size":%d,"annotations":{"org.opencontainers.image.ref.name":"p"}}]}`, docker.MediaTypeManifest, md, len(m))),
		})
		return []string{"inspect", "oci:" + dir + ":p"}
	})
}

func skopeoVersion(t *testing.T) string {
	out, err := run(t, "skopeo", "--version")
	if err != nil {
		return "skopeo (version unknown)"
	}
	return strings.TrimSpace(string(out))
}

// skipUnsupported skips when a probe failed, naming the tool's version,
// the missing feature and the tool's own message.
func skipUnsupported(t *testing.T, probeMsg, feature string) {
	t.Helper()
	if probeMsg != "" {
		tooltest.Skipf(t, "the installed %s does not support %s (a minimal layout written by hand fails the same way), so this case cannot be checked with it:\n%s",
			skopeoVersion(t), feature, probeMsg)
	}
}

type inspectOut struct {
	Digest       digest.Digest
	Architecture string
	Os           string
	Layers       []digest.Digest
}

// TestInteropSkopeoInspect: skopeo inspect accepts what this package
// writes, in both layouts and both formats, sha256 and sha512, and
// reads back the same manifest bytes and config.
func TestInteropSkopeoInspect(t *testing.T) {
	needTool(t, "skopeo")
	for _, kind := range []layout.Kind{layout.Dir, layout.OCI} {
		for _, format := range []string{"oci", "docker"} {
			for _, alg := range []digest.Algorithm{core.SHA256, core.SHA512} {
				t.Run(fmt.Sprintf("%s/%s/%s", kind, format, alg), func(t *testing.T) {
					switch {
					case kind == layout.Dir && alg == core.SHA512:
						skipUnsupported(t, skopeoReadsDirSHA512(t), "dir: version 1.2 (sha512 blobs named sha512-<hex>)")
					case kind == layout.OCI && alg == core.SHA512:
						skipUnsupported(t, skopeoReadsOCISHA512(t), "sha512 digests in an OCI layout")
					}
					if kind == layout.OCI && format == "docker" {
						skipUnsupported(t, skopeoReadsDockerInOCI(t), "Docker schema 2 manifests listed in an OCI layout's index.json")
					}
					img := newTestImage(t, alg, nil)
					dir, d := writeImage(t, kind, format, img, &layout.WriteOptions{Tag: tagFor(kind, "v1")})
					ref := "dir:" + dir
					if kind == layout.OCI {
						ref = "oci:" + dir + ":v1"
					}
					raw, err := skopeo(t, "inspect", "--raw", ref)
					if err != nil {
						t.Fatalf("skopeo refuses what was written: %v", err)
					}
					l := mustOpen(t, dir)
					ours, err := l.Image(ctx, layout.Selector{Tag: tagFor(kind, "v1")})
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(raw, ours.Bytes) {
						t.Errorf("skopeo inspect --raw = %s, want %s", raw, ours.Bytes)
					}
					cfg, err := skopeo(t, "inspect", "--raw", "--config", ref)
					if err != nil || !bytes.Equal(cfg, img.config) {
						t.Errorf("skopeo inspect --config --raw = %s, %v; want %s", cfg, err, img.config)
					}
					out, err := skopeo(t, "inspect", ref)
					if err != nil {
						t.Fatal(err)
					}
					var info inspectOut
					if err := json.Unmarshal(out, &info); err != nil {
						t.Fatal(err)
					}
					if info.Architecture != "amd64" || info.Os != "linux" || !slices.Equal(info.Layers, []digest.Digest{img.manifest.Layers[0].Digest}) {
						t.Errorf("skopeo inspect = %+v", info)
					}
					if kind == layout.OCI && alg == core.SHA256 && info.Digest != d.Digest {
						t.Errorf("skopeo says the manifest digest is %s, we wrote %s", info.Digest, d.Digest)
					}
				})
			}
		}
	}
}

// TestInteropUmociUnpack: skopeo copies a dir: image written here into
// an OCI layout, and umoci unpacks it into exactly the files the layer
// held. umoci also unpacks an OCI layout written here directly.
func TestInteropUmociUnpack(t *testing.T) {
	needTool(t, "skopeo")
	needTool(t, "umoci")
	files := map[string]string{
		"etc/motd":              "hello from ocispec\n",
		"usr/bin/tool":          "#!/bin/sh\necho tool\n",
		"srv/data/deep/file.md": strings.Repeat("data ", 1000),
		"empty":                 "",
	}
	for _, format := range []string{"oci", "docker"} {
		for _, via := range []string{"skopeo", "direct"} {
			if via == "direct" && format == "docker" {
				continue // umoci reads OCI manifests only
			}
			t.Run(format+"/"+via, func(t *testing.T) {
				img := newTestImage(t, core.SHA256, files)
				tmp := t.TempDir()
				oci := filepath.Join(tmp, "oci")
				if via == "skopeo" {
					dirPath, _ := writeImage(t, layout.Dir, format, img, nil)
					mustSkopeo(t, "copy", "dir:"+dirPath, "oci:"+oci+":tag")
				} else {
					oci, _ = writeImage(t, layout.OCI, format, img, &layout.WriteOptions{Tag: "tag"})
				}
				bundle := filepath.Join(tmp, "bundle")
				mustRun(t, "umoci", "unpack", "--rootless", "--image", oci+":tag", bundle)
				rootfs := filepath.Join(bundle, "rootfs")
				got := map[string]string{}
				for _, n := range listFiles(t, rootfs) {
					b, err := os.ReadFile(filepath.Join(rootfs, n))
					if err != nil {
						t.Fatal(err)
					}
					got[n] = string(b)
				}
				if len(got) != len(files) {
					t.Errorf("unpacked %d files, the layer holds %d: %q", len(got), len(files), slices.Sorted(mapKeys(got)))
				}
				for n, c := range files {
					if got[n] != c {
						t.Errorf("unpacked %s = %q, want %q", n, truncateStr(got[n]), truncateStr(c))
					}
				}
				// What skopeo wrote, this package reads and verifies.
				if err := layout.Verify(ctx, oci); err != nil {
					t.Errorf("Verify(%s) = %v", via, err)
				}
			})
		}
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func truncateStr(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func mustSkopeo(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := skopeo(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInteropOCIImageTool: oci-image-tool validates every OCI manifest
// written here (each encoding, sha256 and sha512, both layouts), the
// config, index.json and the whole OCI layout by tag.
func TestInteropOCIImageTool(t *testing.T) {
	needTool(t, "oci-image-tool")
	for _, kind := range []layout.Kind{layout.Dir, layout.OCI} {
		for _, alg := range []digest.Algorithm{core.SHA256, core.SHA512} {
			for _, enc := range core.Encodings {
				t.Run(fmt.Sprintf("%s/%s/%s", kind, alg, enc), func(t *testing.T) {
					img := newTestImage(t, alg, nil)
					dir, d := writeImage(t, kind, "oci", img, &layout.WriteOptions{Tag: tagFor(kind, "v1"), Encoding: enc})
					manifest := filepath.Join(dir, "manifest.json")
					if kind == layout.OCI {
						manifest = filepath.Join(dir, blobRel(kind, d.Digest))
					}
					mustRun(t, "oci-image-tool", "validate", "--type", "manifest", manifest)
					mustRun(t, "oci-image-tool", "validate", "--type", "config", filepath.Join(dir, blobRel(kind, img.manifest.Config.Digest)))
					if kind == layout.OCI {
						mustRun(t, "oci-image-tool", "validate", "--type", "imageIndex", filepath.Join(dir, "index.json"))
						mustRun(t, "oci-image-tool", "validate", "--type", "image", "--ref", "name=v1", dir)
					}
				})
			}
		}
	}
	t.Run("index", func(t *testing.T) {
		_, l := newLayout(t, layout.OCI)
		amd := newTestImage(t, core.SHA256, map[string]string{"arch": "amd64"})
		arm := newTestImage(t, core.SHA256, map[string]string{"arch": "arm64"})
		d, err := l.WriteIndex(ctx, mustFormat(t, "oci"), []layout.Member{
			{Manifest: amd.manifest, Blobs: amd.blobs, Platform: &core.Platform{OS: "linux", Architecture: "amd64"}},
			{Manifest: arm.manifest, Blobs: arm.blobs, Platform: &core.Platform{OS: "linux", Architecture: "arm64"}},
		}, &layout.WriteOptions{Tag: "multi"})
		if err != nil {
			t.Fatal(err)
		}
		mustRun(t, "oci-image-tool", "validate", "--type", "imageIndex", filepath.Join(l.Path(), blobRel(layout.OCI, d.Digest)))
		mustRun(t, "oci-image-tool", "validate", "--type", "image", "--ref", "name=multi", "--ref", "platform.os=linux", l.Path())
	})
}

// TestInteropSkopeoWrites: what skopeo writes from images written here
// (oci: → dir:, dir: → oci:, in both manifest formats, and whole
// multi-platform images with --all), this package reads and verifies.
func TestInteropSkopeoWrites(t *testing.T) {
	needTool(t, "skopeo")
	for _, srcKind := range []layout.Kind{layout.OCI, layout.Dir} {
		for _, destFormat := range []string{"oci", "v2s2"} {
			t.Run(fmt.Sprintf("from-%s/%s", srcKind, destFormat), func(t *testing.T) {
				img := newTestImage(t, core.SHA256, nil)
				src, _ := writeImage(t, srcKind, "oci", img, &layout.WriteOptions{Tag: tagFor(srcKind, "v1")})
				srcRef, dstKind := "dir:"+src, layout.OCI
				if srcKind == layout.OCI {
					srcRef, dstKind = "oci:"+src+":v1", layout.Dir
				}
				dst := filepath.Join(t.TempDir(), "skopeo")
				dstRef := "dir:" + dst
				if dstKind == layout.OCI {
					dstRef = "oci:" + dst + ":copied"
				}
				mustSkopeo(t, "copy", "--format", destFormat, srcRef, dstRef)
				checkSkopeoCopy(t, dst, dstKind, tagFor(dstKind, "copied"), map[string]string{"oci": "oci", "v2s2": "docker"}[destFormat], []testImage{img})
			})
		}
	}
	for _, srcKind := range []layout.Kind{layout.OCI, layout.Dir} {
		t.Run(fmt.Sprintf("all-from-%s", srcKind), func(t *testing.T) {
			srcDir, l := newLayout(t, srcKind)
			amd := newTestImage(t, core.SHA256, map[string]string{"arch": "amd64"})
			arm := newTestImage(t, core.SHA256, map[string]string{"arch": "arm64"})
			if _, err := l.WriteIndex(ctx, mustFormat(t, "oci"), []layout.Member{
				{Manifest: amd.manifest, Blobs: amd.blobs, Platform: &core.Platform{OS: "linux", Architecture: "amd64"}},
				{Manifest: arm.manifest, Blobs: arm.blobs, Platform: &core.Platform{OS: "linux", Architecture: "arm64"}},
			}, &layout.WriteOptions{Tag: tagFor(srcKind, "multi")}); err != nil {
				t.Fatal(err)
			}
			srcRef, dstKind := "dir:"+srcDir, layout.OCI
			if srcKind == layout.OCI {
				srcRef, dstKind = "oci:"+srcDir+":multi", layout.Dir
			}
			dst := filepath.Join(t.TempDir(), "skopeo")
			dstRef := "dir:" + dst
			if dstKind == layout.OCI {
				dstRef = "oci:" + dst + ":copied"
			}
			mustSkopeo(t, "copy", "--all", srcRef, dstRef)
			checkSkopeoCopy(t, dst, dstKind, tagFor(dstKind, "copied"), "oci", []testImage{amd, arm})
		})
	}
}

// checkSkopeoCopy opens a layout skopeo wrote, verifies it, and reads
// each image back: its format, config and layer bytes.
func checkSkopeoCopy(t *testing.T, dir string, kind layout.Kind, tag, format string, imgs []testImage) {
	t.Helper()
	if err := layout.Verify(ctx, dir); err != nil {
		t.Fatalf("Verify(layout written by skopeo) = %v", err)
	}
	l := mustOpen(t, dir)
	if l.Kind() != kind {
		t.Errorf("Kind = %v, want %v", l.Kind(), kind)
	}
	archs := []string{"amd64", "arm64"}
	for i, img := range imgs {
		sel := layout.Selector{Tag: tag}
		if len(imgs) > 1 {
			sel.Platform = &core.Platform{OS: "linux", Architecture: archs[i]}
		}
		got, err := l.Image(ctx, sel)
		if err != nil {
			t.Fatalf("Image(%v) = %v", sel, err)
		}
		if got.Format.Describe().Name != format {
			t.Errorf("format %s, want %s", got.Format.Describe().Name, format)
		}
		cfg, err := l.ReadBlob(ctx, got.Manifest.Config)
		if err != nil || !bytes.Equal(cfg, img.config) {
			t.Errorf("config = %q, %v", cfg, err)
		}
		r, err := l.OpenBlob(ctx, got.Manifest.Layers[0])
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err = buf.ReadFrom(r)
		r.Close()
		if err != nil || !bytes.Equal(buf.Bytes(), img.layer) {
			t.Errorf("layer read back: %d bytes, %v", buf.Len(), err)
		}
	}
}
