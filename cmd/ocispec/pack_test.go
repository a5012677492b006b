package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	_ "github.com/concil-go/ocispec/digesters"
	_ "github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layout"
)

// blob is a descriptor in inspect's output.
type blob struct {
	Kind         string            `json:"kind"`
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	Platform     string            `json:"platform"`
	ArtifactType string            `json:"artifactType"`
	URLs         []string          `json:"urls"`
	Annotations  map[string]string `json:"annotations"`
}

// inspection is inspect's JSON output.
type inspection struct {
	Source       string            `json:"source"`
	Layout       string            `json:"layout"`
	Tag          string            `json:"tag"`
	Format       string            `json:"format"`
	Document     string            `json:"document"`
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	Digests      map[string]string `json:"digests"`
	Platform     string            `json:"platform"`
	ArtifactType string            `json:"artifactType"`
	Index        *blob             `json:"index"`
	Config       *blob             `json:"config"`
	Layers       []blob            `json:"layers"`
	Manifests    []blob            `json:"manifests"`
	Subject      *blob             `json:"subject"`
	Annotations  map[string]string `json:"annotations"`
}

func inspect(t *testing.T, args ...string) inspection {
	t.Helper()
	r := ok(t, append([]string{"inspect", "--json"}, args...)...)
	var in inspection
	jsonLine(t, r, &in)
	return in
}

// manifestBytes reads the manifest of the only image of a layout.
func manifestBytes(t *testing.T, path string) []byte {
	t.Helper()
	l, err := layout.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	img, err := l.Image(context.Background(), layout.Selector{})
	if err != nil {
		t.Fatal(err)
	}
	return img.Bytes
}

func TestPackInspectVerify(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out", "hello")
	for _, tt := range []struct {
		format, layout, wantLayout, wantTag, manifestType, layerType string
	}{
		{"oci", "", "oci", "latest", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.layer.v1.tar+gzip"},
		{"docker", "", "dir", "", "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.image.rootfs.diff.tar.gzip"},
		{"docker", "oci", "oci", "latest", "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.image.rootfs.diff.tar.gzip"},
		{"oci", "dir", "dir", "", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.layer.v1.tar+gzip"},
	} {
		t.Run(tt.format+"-"+tt.wantLayout, func(t *testing.T) {
			dst := out + "-" + tt.format + "-" + tt.wantLayout
			args := []string{"--format", tt.format}
			if tt.layout != "" {
				args = append(args, "--layout", tt.layout)
			}
			line := pack(t, append(args, exampleDir(), dst)...)
			if line.Path != dst || line.Layout != tt.wantLayout || line.Format != tt.format || line.Tag != tt.wantTag || line.MediaType != tt.manifestType {
				t.Errorf("pack printed %+v, want path %s, layout %s, format %s, tag %q, media type %s", line, dst, tt.wantLayout, tt.format, tt.wantTag, tt.manifestType)
			}
			raw := manifestBytes(t, dst)
			if got := core.DigestOf(raw); string(got) != line.Digest || int64(len(raw)) != line.Size {
				t.Errorf("pack printed digest %s size %d; the layout's manifest is %s, %d bytes", line.Digest, line.Size, got, len(raw))
			}

			in := inspect(t, dst)
			if in.Digest != line.Digest || in.Format != tt.format || in.Document != "manifest" || in.Layout != tt.wantLayout || in.Tag != tt.wantTag {
				t.Errorf("inspect = %+v, want digest %s, format %s, layout %s, tag %q", in, line.Digest, tt.format, tt.wantLayout, tt.wantTag)
			}
			if in.Platform != core.CurrentPlatform().String() {
				t.Errorf("inspect platform = %q, want %q", in.Platform, core.CurrentPlatform())
			}
			if in.Digests["sha256"] != line.Digest || !strings.HasPrefix(in.Digests["sha512"], "sha512:") {
				t.Errorf("inspect digests = %v, want the sha256 %s and a sha512", in.Digests, line.Digest)
			}
			if in.Config == nil || in.Config.Kind != "config" || len(in.Layers) != 1 || in.Layers[0].Kind != "tar+gzip" || in.Layers[0].MediaType != tt.layerType {
				t.Fatalf("inspect config %+v, layers %+v; want a config and one tar+gzip layer of %s", in.Config, in.Layers, tt.layerType)
			}

			human := ok(t, "inspect", dst)
			for _, want := range []string{line.Digest, in.Layers[0].Digest, in.Config.Digest, "tar+gzip", tt.format + " manifest"} {
				if !strings.Contains(human.stdout, want) {
					t.Errorf("inspect lacks %q:\n%s", want, human.stdout)
				}
			}

			// Blobs are readable by others as the tools that write
			// layouts leave them (a layer was once left 0600).
			filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					if fi, err := d.Info(); err == nil && fi.Mode().Perm()&0o044 != 0o044 {
						t.Errorf("%s has mode %v, want it readable by group and others", p, fi.Mode().Perm())
					}
				}
				return nil
			})

			v := ok(t, "verify", dst)
			if v.stdout != dst+": ok\n" {
				t.Errorf("verify printed %q, want %q", v.stdout, dst+": ok\n")
			}
			ref := tt.wantLayout + ":" + dst
			if in2 := inspect(t, ref); in2.Digest != line.Digest {
				t.Errorf("inspect %s = %s, want %s", ref, in2.Digest, line.Digest)
			}
		})
	}
}

// TestPackReproducible packs the example twice, and a copy of it with
// other times and permissions, and wants the same digests.
func TestPackReproducible(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyDir := filepath.Join(dir, "copy")
	copyTree(t, exampleDir(), copyDir, 0o600, time.Now().Add(-time.Hour))
	for _, kind := range []string{"tar", "tar+gzip", "tar+zstd"} {
		t.Run(kind, func(t *testing.T) {
			a := pack(t, "--layer", kind+"="+exampleDir(), filepath.Join(dir, kind, "a"))
			b := pack(t, "--layer", kind+"="+exampleDir(), filepath.Join(dir, kind, "b"))
			c := pack(t, "--layer", kind+"="+copyDir, filepath.Join(dir, kind, "c"))
			if a.Digest != b.Digest {
				t.Errorf("two packs of the same folder: %s and %s", a.Digest, b.Digest)
			}
			if a.Digest != c.Digest {
				t.Errorf("a copy with other times and modes: %s, want %s", c.Digest, a.Digest)
			}
			ia, ic := inspect(t, filepath.Join(dir, kind, "a")), inspect(t, filepath.Join(dir, kind, "c"))
			if ia.Layers[0].Digest != ic.Layers[0].Digest || ia.Layers[0].Kind != kind {
				t.Errorf("layers %+v and %+v, want the same %s layer", ia.Layers[0], ic.Layers[0], kind)
			}
		})
	}
	// SOURCE_DATE_EPOCH changes the times, so the digest.
	epoch := runIn(t, repoRoot, []string{"SOURCE_DATE_EPOCH=1700000000"}, "pack", exampleDir(), filepath.Join(dir, "epoch"))
	if epoch.code != 0 {
		t.Fatalf("pack with SOURCE_DATE_EPOCH: exit %d\n%s", epoch.code, epoch.stderr)
	}
	var e imageLine
	jsonLine(t, epoch, &e)
	plain := pack(t, exampleDir(), filepath.Join(dir, "plain"))
	if e.Digest == plain.Digest {
		t.Errorf("SOURCE_DATE_EPOCH did not change the digest %s", e.Digest)
	}
	late := runIn(t, repoRoot, []string{"SOURCE_DATE_EPOCH=253402300800"}, "pack", exampleDir(), filepath.Join(dir, "late"))
	if late.code != 1 || !strings.Contains(late.stderr, "9999") || strings.Contains(late.stderr, "json") {
		t.Errorf("pack with SOURCE_DATE_EPOCH past 9999: exit %d, stderr %q; want 1 naming the limit", late.code, late.stderr)
	}
	bad := runIn(t, repoRoot, []string{"SOURCE_DATE_EPOCH=yesterday"}, "pack", exampleDir(), filepath.Join(dir, "bad"))
	if bad.code != 1 || !strings.Contains(bad.stderr, "SOURCE_DATE_EPOCH") {
		t.Errorf("pack with SOURCE_DATE_EPOCH=yesterday: exit %d, stderr %q; want 1 naming the variable", bad.code, bad.stderr)
	}
}

// TestPackReadByTools has skopeo and umoci read what pack wrote.
func TestPackReadByTools(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t.Run("skopeo", func(t *testing.T) {
		skopeo := need(t, "skopeo")
		for _, tt := range []struct{ format, layout, ref string }{
			{"oci", "oci", "oci:%s:latest"},
			{"docker", "dir", "dir:%s"},
			{"oci", "dir", "dir:%s"},
		} {
			out := filepath.Join(dir, "skopeo-"+tt.format+"-"+tt.layout)
			line := pack(t, "--format", tt.format, "--layout", tt.layout, exampleDir(), out)
			cmd := exec.Command(skopeo, "inspect", strings.Replace(tt.ref, "%s", out, 1))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr // warnings stay out of the JSON
			b, err := cmd.Output()
			if err != nil {
				t.Fatalf("skopeo inspect %s: %v\n%s%s", tt.ref, err, b, stderr.Bytes())
			}
			var got struct {
				Digest       string
				Architecture string
				Os           string
				Layers       []string
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("skopeo inspect: %v\n%s", err, b)
			}
			in := inspect(t, out)
			if got.Digest != line.Digest || len(got.Layers) != 1 || got.Layers[0] != in.Layers[0].Digest || got.Os+"/"+got.Architecture != core.CurrentPlatform().OS+"/"+core.CurrentPlatform().Architecture {
				t.Errorf("skopeo inspect %s = %+v, want digest %s, layer %s", tt.ref, got, line.Digest, in.Layers[0].Digest)
			}
		}
	})
	t.Run("umoci", func(t *testing.T) {
		umoci := need(t, "umoci")
		out := filepath.Join(dir, "umoci-image")
		pack(t, "--format", "oci", exampleDir(), out)
		bundle := filepath.Join(dir, "bundle")
		args := []string{"unpack", "--image", out + ":latest", bundle}
		if os.Geteuid() != 0 {
			args = append([]string{"unpack", "--rootless"}, args[1:]...)
		}
		if b, err := exec.Command(umoci, args...).CombinedOutput(); err != nil {
			t.Fatalf("umoci %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		for _, name := range []string{"bin/hello", "etc/hello/greeting.txt", "README.md"} {
			want, err := os.ReadFile(filepath.Join(exampleDir(), name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(bundle, "rootfs", name))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("unpacked %s: %q, %v; want the example's %q", name, got, err, want)
			}
		}
		fi, err := os.Stat(filepath.Join(bundle, "rootfs", "bin", "hello"))
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("unpacked bin/hello: %v, %v; want mode 0755", fi, err)
		}
	})
	t.Run("oci-image-tool", func(t *testing.T) {
		tool := need(t, "oci-image-tool")
		out := filepath.Join(dir, "validated")
		pack(t, exampleDir(), out)
		if b, err := exec.Command(tool, "validate", "--type", "image", "--ref", "name=latest", out).CombinedOutput(); err != nil {
			t.Errorf("oci-image-tool validate: %v\n%s", err, b)
		}
	})
}

// TestPackConcil checks that --encoding concil writes the bytes concil
// would: those of core's concil encoding and of Python's json.dumps of
// the dictionary concil's manifest_to_dict builds.
func TestPackConcil(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	python := tooltest.Need(t, "python3")
	for _, format := range []string{"oci", "docker"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(dir, format)
			line := pack(t, "--format", format, "--encoding", "concil", "--layer", "tar="+exampleDir(), exampleDir(), out)
			raw := manifestBytes(t, out)
			in := inspect(t, out)

			f, err := core.Default.Format(format)
			if err != nil {
				t.Fatal(err)
			}
			m := core.Manifest{Config: desc(t, "config", *in.Config)}
			for _, l := range in.Layers {
				m.Layers = append(m.Layers, desc(t, l.Kind, l))
			}
			want, err := core.EncodeManifest(context.Background(), f, m, core.EncodingConcil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, want) {
				t.Errorf("manifest:\n%s\nwant core's concil encoding:\n%s", raw, want)
			}
			if string(core.DigestOf(raw)) != line.Digest {
				t.Errorf("pack printed %s, the manifest is %s", line.Digest, core.DigestOf(raw))
			}
			py := pythonManifest(t, python, f.Describe().ManifestMediaType, in)
			if !bytes.Equal(raw, py) {
				t.Errorf("manifest:\n%s\nwant json.dumps of concil's dict:\n%s", raw, py)
			}
		})
	}
}

func desc(t *testing.T, kind string, b blob) core.Descriptor {
	t.Helper()
	return core.Descriptor{MediaType: kind, Size: b.Size, Digest: digestOf(b.Digest)}
}

// pythonManifest runs concil's manifest_to_dict, as the seed documents
// it, and json.dumps.
func pythonManifest(t *testing.T, python, manifestType string, in inspection) []byte {
	t.Helper()
	const script = `
import json, sys
d = json.load(sys.stdin)
def descriptor_to_dict(x):
    return {"mediaType": x["mediaType"], "size": x["size"], "digest": x["digest"]}
m = {"schemaVersion": 2}
if d["manifestMediaType"] != "application/vnd.oci.image.manifest.v1+json":
    m["mediaType"] = d["manifestMediaType"]
m["config"] = descriptor_to_dict(d["config"])
m["layers"] = [descriptor_to_dict(l) for l in d["layers"]]
sys.stdout.write(json.dumps(m))
`
	input, err := json.Marshal(map[string]any{"manifestMediaType": manifestType, "config": in.Config, "layers": in.Layers})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	return out
}

// makeTar returns a tar stream of files, and its gzip.
func makeTar(t *testing.T, files map[string]string) (plain, gz []byte) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	tw.Close()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(buf.Bytes())
	zw.Close()
	return buf.Bytes(), z.Bytes()
}

func sha256Of(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestPackLayerFilesAndOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain, gz := makeTar(t, map[string]string{"extra.txt": "extra\n"})
	writeFile(t, filepath.Join(dir, "extra.tar"), string(plain))
	writeFile(t, filepath.Join(dir, "extra.tar.gz"), string(gz))

	out := filepath.Join(dir, "image")
	line := pack(t,
		"--layer", "tar="+filepath.Join(dir, "extra.tar"),
		"--layer", "tar+gzip="+filepath.Join(dir, "extra.tar.gz"),
		"--annotation", "org.opencontainers.image.version=1.0",
		"--annotation", "org.opencontainers.image.title=hello",
		"--tag", "v1", exampleDir(), out)
	if line.Tag != "v1" {
		t.Errorf("pack --tag v1 printed tag %q", line.Tag)
	}
	in := inspect(t, "oci:"+out+":v1")
	if len(in.Layers) != 3 {
		t.Fatalf("inspect: %d layers, want 3 (two files, then the folder)", len(in.Layers))
	}
	if in.Layers[0].Digest != sha256Of(plain) || in.Layers[0].Kind != "tar" || in.Layers[1].Digest != sha256Of(gz) || in.Layers[1].Kind != "tar+gzip" {
		t.Errorf("layers %+v, want the files as they are: tar %s, tar+gzip %s", in.Layers[:2], sha256Of(plain), sha256Of(gz))
	}
	if in.Annotations["org.opencontainers.image.version"] != "1.0" || in.Annotations["org.opencontainers.image.title"] != "hello" {
		t.Errorf("annotations = %v", in.Annotations)
	}
	// The config made lists the diffIDs: both files decompress to plain.
	l, err := layout.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := l.ReadBlob(context.Background(), core.Descriptor{MediaType: in.Config.MediaType, Size: in.Config.Size, Digest: digestOf(in.Config.Digest)})
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	var image struct {
		Created      string
		Architecture string
		OS           string
		RootFS       struct {
			Type    string
			DiffIDs []string `json:"diff_ids"`
		}
	}
	if err := json.Unmarshal(cfg, &image); err != nil {
		t.Fatal(err)
	}
	if image.RootFS.Type != "layers" || len(image.RootFS.DiffIDs) != 3 || image.RootFS.DiffIDs[0] != sha256Of(plain) || image.RootFS.DiffIDs[1] != sha256Of(plain) {
		t.Errorf("config rootfs = %+v, want 3 diffIDs, the first two %s", image.RootFS, sha256Of(plain))
	}
	if image.Created != "1970-01-01T00:00:00Z" || image.OS != core.CurrentPlatform().OS || image.Architecture != core.CurrentPlatform().Architecture {
		t.Errorf("config = %+v, want created at the epoch on this platform", image)
	}

	// A second image in the same layout, with its own config and tag.
	configFile := filepath.Join(dir, "config.json")
	writeFile(t, configFile, `{"architecture":"arm64","os":"linux","variant":"v8","rootfs":{"type":"layers","diff_ids":["`+sha256Of(plain)+`"]}}`)
	pack(t, "--config", configFile, "--layer", "tar="+filepath.Join(dir, "extra.tar"), "--tag", "arm", out)
	arm := inspect(t, "--tag", "arm", out)
	if arm.Platform != "linux/arm64/v8" || arm.Config.Size != int64(len(mustRead(t, configFile))) {
		t.Errorf("image from --config: platform %q, config %+v", arm.Platform, arm.Config)
	}
	if v1 := inspect(t, "--tag", "v1", out); v1.Digest != line.Digest {
		t.Errorf("the first image changed: %s, want %s", v1.Digest, line.Digest)
	}
	// Without a tag, two images are never a silent choice: the error
	// lists both, whatever --platform says.
	fails(t, 1, []string{"2 images", "v1@" + line.Digest, "arm@" + arm.Digest, "linux/arm64/v8"}, "inspect", out)
	fails(t, 1, []string{"2 images"}, "inspect", "--platform", "linux/arm64", out)
	if got := inspect(t, "--tag", "arm", "--platform", "linux/arm64", out); got.Digest != arm.Digest {
		t.Errorf("inspect --tag arm --platform linux/arm64 = %s, want %s", got.Digest, arm.Digest)
	}

	for _, alg := range []string{"sha512", "blake3"} {
		t.Run(alg, func(t *testing.T) {
			o := filepath.Join(dir, alg)
			l := pack(t, "--algorithm", alg, exampleDir(), o)
			if !strings.HasPrefix(l.Digest, alg+":") {
				t.Errorf("pack --algorithm %s: manifest digest %s", alg, l.Digest)
			}
			in := inspect(t, o)
			if !strings.HasPrefix(in.Config.Digest, alg+":") || !strings.HasPrefix(in.Layers[0].Digest, alg+":") {
				t.Errorf("pack --algorithm %s: config %s, layer %s", alg, in.Config.Digest, in.Layers[0].Digest)
			}
			ok(t, "verify", o)
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPackErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, gz := makeTar(t, map[string]string{"a": "a"})
	writeFile(t, filepath.Join(dir, "layer.tar.gz"), string(gz))
	writeFile(t, filepath.Join(dir, "notempty", "file"), "x")
	writeFile(t, filepath.Join(dir, "afile"), "x")
	writeFile(t, filepath.Join(dir, "enc"), "x")
	for _, tt := range []struct {
		name string
		code int
		want []string
		args []string
	}{
		{"missing source", 1, []string{"nowhere", "no such file"}, []string{filepath.Join(dir, "nowhere"), filepath.Join(dir, "o1")}},
		{"unknown format", 2, []string{`unknown format "nope"`, "docker, oci"}, []string{"--format", "nope", exampleDir(), filepath.Join(dir, "o2")}},
		{"unknown kind", 1, []string{`no kind "tar+lz4"`, "tar+gzip"}, []string{"--layer", "tar+lz4=" + exampleDir(), filepath.Join(dir, "o3")}},
		{"folder of a non-tar kind", 1, []string{"a folder becomes a tar layer"}, []string{"--layer", "squashfs=" + exampleDir(), filepath.Join(dir, "o4")}},
		{"compression mismatch", 1, []string{"gzip-compressed", "tar+gzip"}, []string{"--layer", "tar=" + filepath.Join(dir, "layer.tar.gz"), filepath.Join(dir, "o5")}},
		{"encrypted without config", 1, []string{"diffID", "--config"}, []string{"--layer", "tar+gzip+encrypted=" + filepath.Join(dir, "enc"), filepath.Join(dir, "o6")}},
		{"output not empty", 1, []string{"notempty", "neither empty nor an image layout"}, []string{exampleDir(), filepath.Join(dir, "notempty")}},
		{"output is a file", 1, []string{"afile", "not a folder"}, []string{exampleDir(), filepath.Join(dir, "afile")}},
		{"unknown algorithm", 2, []string{"md5", "sha256"}, []string{"--algorithm", "md5", exampleDir(), filepath.Join(dir, "o7")}},
		{"docker has no annotations", 1, []string{"annotations"}, []string{"--format", "docker", "--annotation", "a=b", exampleDir(), filepath.Join(dir, "o8")}},
		{"config not JSON", 1, []string{"--config", "image config", "invalid JSON"}, []string{"--config", filepath.Join(dir, "afile"), exampleDir(), filepath.Join(dir, "o9")}},
		{"nothing to pack", 2, []string{"nothing to pack"}, []string{filepath.Join(dir, "o10")}},
		{"bad layer flag", 2, []string{"KIND=PATH"}, []string{"--layer", "rootfs", filepath.Join(dir, "o11")}},
		{"tag in dir layout", 2, []string{"--tag"}, []string{"--layout", "dir", "--tag", "v1", exampleDir(), filepath.Join(dir, "o12")}},
		{"bad tag", 2, []string{"tag"}, []string{"--tag", "not a tag", exampleDir(), filepath.Join(dir, "o13")}},
		{"bad layout", 2, []string{"--layout"}, []string{"--layout", "tar", exampleDir(), filepath.Join(dir, "o14")}},
		{"output inside the source", 1, []string{"inside"}, []string{filepath.Join(dir, "notempty"), filepath.Join(dir, "notempty", "o15")}},
		{"too many arguments", 2, []string{"[SOURCE_DIR] OUT"}, []string{"a", "b", "c"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := fails(t, tt.code, tt.want, append([]string{"pack"}, tt.args...)...)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
	// Nothing was left behind: no output, no temporary folder.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "o") || strings.Contains(e.Name(), "ocispec-tmp") {
			t.Errorf("a failed pack left %s", e.Name())
		}
	}
	if names, _ := os.ReadDir(filepath.Join(dir, "notempty")); len(names) != 1 {
		t.Errorf("pack into a non-empty folder touched it: %d entries", len(names))
	}
}

func TestPackIntoEmptyFolder(t *testing.T) {
	t.Parallel()
	out := t.TempDir() // exists and is empty
	line := pack(t, exampleDir(), out)
	if in := inspect(t, out); in.Digest != line.Digest {
		t.Errorf("inspect = %s, want %s", in.Digest, line.Digest)
	}
}

func TestPackDockerWithTag(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "image")
	line := pack(t, "--format", "docker", "--tag", "v2", exampleDir(), out)
	if line.Layout != "oci" || line.Tag != "v2" {
		t.Errorf("pack --format docker --tag v2 = %+v, want an OCI layout tagged v2", line)
	}
}

func TestPackReferences(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	line := pack(t, exampleDir(), "oci:"+filepath.Join(dir, "a")+":v3")
	if line.Layout != "oci" || line.Tag != "v3" || line.Path != filepath.Join(dir, "a") {
		t.Errorf("pack to oci:PATH:v3 = %+v", line)
	}
	line = pack(t, exampleDir(), "dir:"+filepath.Join(dir, "b"))
	if line.Layout != "dir" || line.Tag != "" {
		t.Errorf("pack to dir:PATH = %+v", line)
	}
	r := ok(t, "convert", "--to", "docker", filepath.Join(dir, "a"), "oci:"+filepath.Join(dir, "c")+":docker")
	var c imageLine
	jsonLine(t, r, &c)
	if c.Layout != "oci" || c.Tag != "docker" || c.Format != "docker" {
		t.Errorf("convert to oci:PATH:docker = %+v", c)
	}
	fails(t, 2, []string{"--layout says dir"}, "pack", "--layout", "dir", exampleDir(), "oci:"+filepath.Join(dir, "d"))
	fails(t, 2, []string{"--tag says v1"}, "pack", "--tag", "v1", exampleDir(), "oci:"+filepath.Join(dir, "d")+":v2")
	fails(t, 2, []string{"not a digest"}, "pack", exampleDir(), "oci:"+filepath.Join(dir, "d")+":@"+line.Digest)
}
