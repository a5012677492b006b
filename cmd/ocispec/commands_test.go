package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zeebo/blake3"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/internal/tooltest"
)

func TestHelp(t *testing.T) {
	t.Parallel()
	commands := []string{"pack", "inspect", "convert", "verify", "validate", "digest", "formats", "bench", "ls", "tag", "rm", "gc", "attach", "referrers"}
	r := ok(t, "--help")
	for _, c := range commands {
		if !strings.Contains(r.stdout, c) {
			t.Errorf("ocispec --help lacks %q:\n%s", c, r.stdout)
		}
	}
	for _, c := range commands {
		r := ok(t, c, "--help")
		if !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "ocispec "+c) || r.stderr != "" {
			t.Errorf("ocispec %s --help: stdout %q, stderr %q", c, r.stdout, r.stderr)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "missing command"},
		{[]string{"pakc"}, "did you mean pack"},
		{[]string{"pack", "--no-such-flag"}, "unknown flag"},
		{[]string{"pack", "--format"}, "needs an argument"},
		{[]string{"pack", "--encoding", "yaml", "a", "b"}, "compact, concil, canonical"},
		{[]string{"--quiet", "--verbose", "formats"}, "--quiet and --verbose"},
		{[]string{"inspect"}, "inspect takes one PATH or FILE"},
		{[]string{"inspect", "a", "b"}, "got 2 arguments"},
		{[]string{"inspect", "--platform", "amd64", "x"}, "os/arch"},
		{[]string{"convert", "a", "b"}, `"to" not set`},
		{[]string{"verify"}, "verify takes one PATH"},
		{[]string{"validate"}, "validate takes one FILE or more"},
		{[]string{"validate", "--type", "yaml", "x"}, "manifest, index, config, descriptor"},
		{[]string{"digest"}, "digest takes one FILE or more"},
		{[]string{"formats", "extra"}, "no arguments"},
		{[]string{"bench", "--size", "huge"}, "invalid size"},
		{[]string{"bench", "--plot", "chart.gif"}, ".svg"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := fails(t, 2, []string{tt.want, "--help' for usage"}, tt.args...)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestInspectFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := core.DescriptorFromBytes(core.KindConfig, []byte("{}"))
	layer := core.DescriptorFromBytes(core.KindTarGzip, []byte("some data"))
	layer.Annotations = map[string]string{"org.opencontainers.image.title": "layer.tar.gz"}
	f, _ := core.Default.Format("docker")
	doc, err := core.EncodeManifest(context.Background(), f, core.Manifest{Config: config, Layers: []core.Descriptor{layer}}, core.EncodingConcil)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "manifest.json"), string(doc))
	in := inspect(t, filepath.Join(dir, "manifest.json"))
	if in.Format != "docker" || in.Document != "manifest" || in.Digest != string(core.DigestOf(doc)) || in.Size != int64(len(doc)) || in.Layout != "" {
		t.Errorf("inspect manifest.json = %+v", in)
	}
	if len(in.Layers) != 1 || in.Layers[0].Kind != "tar+gzip" || in.Layers[0].Digest != string(layer.Digest) || in.Layers[0].Annotations["org.opencontainers.image.title"] != "layer.tar.gz" {
		t.Errorf("inspect layers = %+v", in.Layers)
	}
	human := ok(t, "inspect", filepath.Join(dir, "manifest.json"))
	for _, want := range []string{"(file)", "docker manifest", string(layer.Digest), "layer.tar.gz"} {
		if !strings.Contains(human.stdout, want) {
			t.Errorf("inspect lacks %q:\n%s", want, human.stdout)
		}
	}

	oci, _ := core.Default.Format("oci")
	amd := core.DescriptorFromBytes(core.KindManifest, []byte("amd64 manifest"))
	amd.Platform = &core.Platform{OS: "linux", Architecture: "amd64"}
	ix, err := core.EncodeIndex(context.Background(), oci, core.Index{Manifests: []core.Descriptor{amd}}, core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "index.json"), string(ix))
	in = inspect(t, filepath.Join(dir, "index.json"))
	if in.Document != "index" || len(in.Manifests) != 1 || in.Manifests[0].Platform != "linux/amd64" || in.Layers != nil || in.Config != nil {
		t.Errorf("inspect index.json = %+v", in)
	}

	writeFile(t, filepath.Join(dir, "junk.json"), `{"hello": 1}`)
	fails(t, 1, []string{"junk.json", "unknown document"}, "inspect", filepath.Join(dir, "junk.json"))
	fails(t, 1, []string{"missing.json", "no such file"}, "inspect", filepath.Join(dir, "missing.json"))
	fails(t, 1, []string{"not an image layout"}, "inspect", dir)
	fails(t, 2, []string{"--tag"}, "inspect", "--tag", "v1", filepath.Join(dir, "manifest.json"))
}

func TestConvert(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	docker := filepath.Join(dir, "docker")
	pack(t, "--format", "docker", exampleDir(), docker)

	oci := filepath.Join(dir, "oci")
	r := ok(t, "convert", "--to", "oci", docker, oci)
	var line imageLine
	jsonLine(t, r, &line)
	if line.Layout != "oci" || line.Format != "oci" || line.Tag != "latest" || line.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("convert printed %+v", line)
	}
	src, dst := inspect(t, docker), inspect(t, oci)
	if dst.Digest != line.Digest || dst.Format != "oci" || dst.Layers[0].Digest != src.Layers[0].Digest || dst.Config.Digest != src.Config.Digest {
		t.Errorf("converted image %+v; want the same blobs as %+v", dst, src)
	}
	if dst.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" || dst.Layers[0].Kind != "tar+gzip" {
		t.Errorf("converted layer = %+v", dst.Layers[0])
	}
	ok(t, "verify", oci)
	if _, err := exec.LookPath("umoci"); err == nil || os.Getenv(tooltest.EnvRequire) != "" {
		umoci := need(t, "umoci")
		bundle := filepath.Join(dir, "bundle")
		args := []string{"unpack", "--image", oci + ":latest", bundle}
		if os.Geteuid() != 0 {
			args = []string{"unpack", "--rootless", "--image", oci + ":latest", bundle}
		}
		if b, err := exec.Command(umoci, args...).CombinedOutput(); err != nil {
			t.Errorf("umoci unpack of the converted image: %v\n%s", err, b)
		}
	} else {
		t.Log("SKIPPING umoci unpack of the converted image: umoci is not installed")
	}

	// Back to docker, into a dir: layout by default: the same manifest.
	back := filepath.Join(dir, "back")
	r = ok(t, "convert", "--to", "docker", oci, back)
	jsonLine(t, r, &line)
	if line.Layout != "dir" || line.Digest != src.Digest {
		t.Errorf("converting back gave %+v, want a dir: layout with the original digest %s", line, src.Digest)
	}

	// zstd layers cannot be said in Docker faithfully.
	zstd := filepath.Join(dir, "zstd")
	pack(t, "--layer", "tar+zstd="+exampleDir(), zstd)
	fails(t, 1, []string{"tar+zstd", "permissive"}, "convert", "--to", "docker", zstd, filepath.Join(dir, "zstd-docker"))
	if _, err := os.Stat(filepath.Join(dir, "zstd-docker")); !os.IsNotExist(err) {
		t.Errorf("a failed convert left its output: %v", err)
	}
	r = ok(t, "convert", "--to", "docker", "--permissive", zstd, filepath.Join(dir, "zstd-docker"))
	if !strings.Contains(r.stdout, `"format":"docker"`) {
		t.Errorf("permissive convert printed %q, want the docker image's line", r.stdout)
	}
	if in := inspect(t, filepath.Join(dir, "zstd-docker")); in.Layers[0].MediaType != "application/vnd.docker.image.rootfs.diff.tar.zstd" {
		t.Errorf("permissive convert: layer %+v", in.Layers[0])
	}

	// In place.
	inPlace := filepath.Join(dir, "inplace")
	pack(t, "--format", "oci", exampleDir(), inPlace)
	r = ok(t, "convert", "--to", "docker", "--tag", "docker", inPlace, inPlace)
	jsonLine(t, r, &line)
	if got := inspect(t, "oci:"+inPlace+":docker"); got.Format != "docker" || got.Digest != line.Digest {
		t.Errorf("in-place convert: %+v, want a docker manifest %s", got, line.Digest)
	}
	if got := inspect(t, "oci:"+inPlace+":latest"); got.Format != "oci" {
		t.Errorf("in-place convert lost the original: %+v", got)
	}

	// A manifest file to a manifest file.
	raw := manifestBytes(t, docker)
	writeFile(t, filepath.Join(dir, "m.json"), string(raw))
	r = ok(t, "convert", "--to", "oci", "--encoding", "canonical", filepath.Join(dir, "m.json"), filepath.Join(dir, "m-oci.json"))
	line = imageLine{}
	jsonLine(t, r, &line)
	converted := mustRead(t, filepath.Join(dir, "m-oci.json"))
	if string(core.DigestOf(converted)) != line.Digest || line.Layout != "" {
		t.Errorf("convert of a file printed %+v; the file is %s", line, core.DigestOf(converted))
	}
	m, f, err := core.DecodeManifest(context.Background(), converted)
	if err != nil || f.Describe().Name != "oci" || m.Layers[0].Digest != digestOf(src.Layers[0].Digest) {
		t.Errorf("converted file: %v, %v, %v", m, f, err)
	}

	fails(t, 2, []string{`unknown format "nope"`}, "convert", "--to", "nope", docker, filepath.Join(dir, "x"))
	fails(t, 1, []string{"no such file"}, "convert", "--to", "oci", filepath.Join(dir, "nothing"), filepath.Join(dir, "x"))
}

// corrupt flips the last byte of a file.
func corrupt(t *testing.T, path string) {
	t.Helper()
	b := mustRead(t, path)
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

type verifyLine struct {
	Path     string `json:"path"`
	OK       bool   `json:"ok"`
	Problems []struct {
		Path     string `json:"path"`
		Digest   string `json:"digest"`
		Ref      string `json:"ref"`
		Want     string `json:"want"`
		Got      string `json:"got"`
		WantSize *int64 `json:"wantSize"`
		GotSize  *int64 `json:"gotSize"`
		Message  string `json:"message"`
	} `json:"problems"`
}

func TestVerifyProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "image")
	pack(t, "--layer", "tar="+exampleDir(), exampleDir(), out)
	in := inspect(t, out)
	layer0 := filepath.Join(out, "blobs", "sha256", strings.TrimPrefix(in.Layers[0].Digest, "sha256:"))
	layer1 := filepath.Join(out, "blobs", "sha256", strings.TrimPrefix(in.Layers[1].Digest, "sha256:"))

	r := run(t, "verify", "--json", out)
	var v verifyLine
	jsonLine(t, r, &v)
	if r.code != 0 || !v.OK || len(v.Problems) != 0 {
		t.Fatalf("verify --json of a whole layout: exit %d, %+v", r.code, v)
	}

	corrupt(t, layer0)
	if err := os.Remove(layer1); err != nil {
		t.Fatal(err)
	}
	r = fails(t, 1, []string{in.Layers[0].Digest, "digest mismatch", "want " + in.Layers[0].Digest, "layers[0]", "layers[1]", "not found", "2 problems"}, "verify", out)
	if r.stdout != "" {
		t.Errorf("verify of a broken layout printed %q on stdout", r.stdout)
	}
	r = run(t, "verify", "--json", out)
	jsonLine(t, r, &v)
	if r.code != 1 || v.OK || len(v.Problems) != 2 {
		t.Fatalf("verify --json: exit %d, %+v; want 1 and two problems", r.code, v)
	}
	p := v.Problems[0]
	if p.Digest != in.Layers[0].Digest || p.Want != in.Layers[0].Digest || !strings.HasPrefix(p.Got, "sha256:") || p.Got == p.Want || !strings.Contains(p.Ref, "layers[0]") {
		t.Errorf("first problem = %+v, want a digest mismatch of layer 0 with want and got", p)
	}
	if v.Problems[1].Digest != in.Layers[1].Digest || !strings.Contains(v.Problems[1].Message, "not found") {
		t.Errorf("second problem = %+v, want layer 1 missing", v.Problems[1])
	}

	fails(t, 1, []string{"not an image layout"}, "verify", exampleDir())
	fails(t, 1, []string{"no such file"}, "verify", filepath.Join(dir, "nothing"))
	fails(t, 1, []string{"is a file", "validate"}, "verify", filepath.Join(exampleDir(), "README.md"))
}

type validateLine struct {
	File      string `json:"file"`
	Document  string `json:"document"`
	Format    string `json:"format"`
	MediaType string `json:"mediaType"`
	Documents int    `json:"documents"`
	OK        bool   `json:"ok"`
	Problems  []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"problems"`
}

func TestValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := core.DescriptorFromBytes("application/vnd.oci.image.layer.v1.tar", []byte("x"))
	m := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":9,"digest":"` + string(good.Digest) + `"}]}`
	files := map[string]string{
		"manifest.json":       m,
		"index.json":          `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":9,"digest":"` + string(good.Digest) + `","platform":{"architecture":"amd64","os":"linux"}}]}`,
		"config.json":         `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(good.Digest) + `"]},"history":[{"created_by":"x"}]}`,
		"descriptor.json":     `{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":1,"digest":"` + string(good.Digest) + `"}`,
		"bad-manifest.json":   `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:abc"},"layers":[{"mediaType":"not a type","size":-1,"digest":"` + string(good.Digest) + `"}]}`,
		"bad-config.json":     `{"os":"linux","rootfs":{"type":"tarball","diff_ids":["sha256:xyz"]},"created":"yesterday"}`,
		"bad-descriptor.json": `{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:1234"}`,
		"unknown.json":        `{"name":"x"}`,
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	p := func(name string) string { return filepath.Join(dir, name) }

	r := ok(t, "validate", "--schema", p("manifest.json"), p("index.json"), p("config.json"), p("descriptor.json"))
	for _, want := range []string{"manifest.json: ok (docker manifest)", "index.json: ok (oci index)", "config.json: ok (config)", "descriptor.json: ok (descriptor)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate lacks %q:\n%s", want, r.stdout)
		}
	}
	if q := ok(t, "--quiet", "validate", p("manifest.json")); q.stdout != "" || q.stderr != "" {
		t.Errorf("validate --quiet of a valid file printed %q, %q", q.stdout, q.stderr)
	}

	r = fails(t, 1, []string{
		"bad-manifest.json: config.size: missing",
		"bad-manifest.json: config.digest:",
		"bad-manifest.json: layers[0].mediaType:",
		"bad-manifest.json: layers[0].size:",
		"bad-config.json: architecture: missing",
		`bad-config.json: rootfs.type: "tarball"`,
		"bad-config.json: rootfs.diff_ids[0]:",
		"bad-config.json: created:",
		"bad-descriptor.json: size: missing",
		"bad-descriptor.json: digest:",
		"unknown.json: ", "--type",
		"4 of 5 files invalid",
	}, "validate", p("bad-manifest.json"), p("bad-config.json"), p("bad-descriptor.json"), p("unknown.json"), p("manifest.json"))
	if !strings.Contains(r.stdout, "manifest.json: ok") {
		t.Errorf("the valid file among invalid ones was not reported ok:\n%s", r.stdout)
	}

	r = run(t, "validate", "--json", p("bad-manifest.json"), p("manifest.json"))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != 2 {
		t.Fatalf("validate --json: exit %d, %d lines:\n%s", r.code, len(lines), r.stdout)
	}
	var bad, fine validateLine
	if err := json.Unmarshal([]byte(lines[0]), &bad); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &fine); err != nil {
		t.Fatal(err)
	}
	if bad.OK || bad.Document != "manifest" || bad.Format != "docker" || len(bad.Problems) < 4 || bad.Problems[0].Field == "" {
		t.Errorf("invalid manifest: %+v", bad)
	}
	if !fine.OK || len(fine.Problems) != 0 || fine.MediaType != docker.MediaTypeManifest {
		t.Errorf("valid manifest: %+v", fine)
	}

	// --schema adds image-spec's JSON schema's findings, as field "schema".
	fails(t, 1, []string{"bad-config.json: schema: ", "bad-config.json: architecture: missing"}, "validate", "--schema", p("bad-config.json"))
	fails(t, 1, []string{"missing.json", "no such file"}, "validate", p("missing.json"))
	fails(t, 1, []string{"descriptor.json: ", "it is a"}, "validate", "--type", "index", p("manifest.json"), p("descriptor.json"))
}

// TestDigestManyFiles: with more files than one chunk of the output,
// the lines still come in the order of the files given, each with the
// digest sha256sum gives for that file.
func TestDigestManyFiles(t *testing.T) {
	t.Parallel()
	tooltest.Need(t, "sha256sum")
	dir := t.TempDir()
	var names []string
	for i := range 1500 {
		name := filepath.Join(dir, fmt.Sprintf("f%04d", (i*7919)%1500)) // not in name order
		writeFile(t, name, fmt.Sprintf("file %d\n", i))
		names = append(names, name)
	}
	r := ok(t, append([]string{"digest"}, names...)...)
	out, err := exec.Command("sha256sum", names...).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(out)), "\n")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(names) || len(want) != len(names) {
		t.Fatalf("digest printed %d lines and sha256sum %d for %d files", len(lines), len(want), len(names))
	}
	for i, line := range lines {
		var d struct {
			Digest      string
			Annotations map[string]string
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatal(err)
		}
		sum, name, _ := strings.Cut(want[i], "  ")
		if d.Digest != "sha256:"+sum || d.Annotations["org.opencontainers.image.title"] != name || name != names[i] {
			t.Fatalf("line %d = %s, want sha256:%s for %s", i, line, sum, names[i])
		}
	}
}

func TestDigest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var names []string
	contents := map[string][]byte{}
	for i := range 12 {
		name := filepath.Join(dir, "f"+string(rune('a'+i)))
		b := bytes.Repeat([]byte{byte(i)}, 1000*i+1)
		writeFile(t, name, string(b))
		names = append(names, name)
		contents[name] = b
	}
	r := ok(t, append([]string{"digest", "--algorithm", "sha256", "--algorithm", "sha512", "--algorithm", "blake3"}, names...)...)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(names) {
		t.Fatalf("digest printed %d lines for %d files", len(lines), len(names))
	}
	for i, line := range lines {
		var d struct {
			MediaType   string
			Digest      string
			Size        int64
			Annotations map[string]string
			Digests     map[string]string
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatal(err)
		}
		b := contents[names[i]]
		s256, s512, b3 := sha256.Sum256(b), sha512.Sum512(b), blake3.Sum256(b)
		want := map[string]string{
			"sha256": "sha256:" + hex.EncodeToString(s256[:]),
			"sha512": "sha512:" + hex.EncodeToString(s512[:]),
			"blake3": "blake3:" + hex.EncodeToString(b3[:]),
		}
		if d.Annotations["org.opencontainers.image.title"] != names[i] || d.Size != int64(len(b)) || d.Digest != want["sha256"] || d.MediaType != "application/octet-stream" {
			t.Errorf("line %d = %+v, want %s, %d bytes, %s", i, d, names[i], len(b), want["sha256"])
		}
		for alg, w := range want {
			if d.Digests[alg] != w {
				t.Errorf("line %d: %s = %s, want %s", i, alg, d.Digests[alg], w)
			}
		}
	}

	plain, gz := makeTar(t, map[string]string{"a.txt": "a"})
	writeFile(t, filepath.Join(dir, "layer.tar.gz"), string(gz))
	r = ok(t, "digest", "--layer", filepath.Join(dir, "layer.tar.gz"))
	var l struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int64             `json:"size"`
		Annotations map[string]string `json:"annotations"`
		DiffID      string            `json:"diffID"`
	}
	jsonLine(t, r, &l)
	if l.Digest != sha256Of(gz) || l.DiffID != sha256Of(plain) || l.MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Errorf("digest --layer = %+v, want digest %s, diffID %s", l, sha256Of(gz), sha256Of(plain))
	}
	r = ok(t, "digest", "--media-type", "tar+gzip", filepath.Join(dir, "layer.tar.gz"))
	jsonLine(t, r, &l)
	if l.MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Errorf("--media-type tar+gzip gave %q", l.MediaType)
	}

	cmd := exec.Command(binary, "digest", "-")
	cmd.Stdin = bytes.NewReader([]byte("some data"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee","size":9`) {
		t.Errorf("digest - of \"some data\" = %s", out)
	}

	var notGzip bytes.Buffer
	zw := gzip.NewWriter(&notGzip)
	zw.Write([]byte("truncated"))
	zw.Flush()
	writeFile(t, filepath.Join(dir, "broken.tar.gz"), notGzip.String())
	fails(t, 1, []string{"broken.tar.gz", "corrupt"}, "digest", "--layer", filepath.Join(dir, "broken.tar.gz"))
	fails(t, 1, []string{"nothing", "no such file"}, "digest", names[0], filepath.Join(dir, "nothing"))
	fails(t, 1, []string{"folder"}, "digest", dir)
	fails(t, 2, []string{"md5", "sha256"}, "digest", "--algorithm", "md5", names[0])
}

type formatsLine struct {
	Formats []struct {
		Name              string `json:"name"`
		Builtin           bool   `json:"builtin"`
		Plugin            string `json:"plugin"`
		ManifestMediaType string `json:"manifestMediaType"`
		IndexMediaType    string `json:"indexMediaType"`
		Kinds             int    `json:"kinds"`
	} `json:"formats"`
	Algorithms []struct {
		Name    string `json:"name"`
		Backend string `json:"backend"`
		Detail  string `json:"detail"`
	} `json:"algorithms"`
}

func TestFormats(t *testing.T) {
	t.Parallel()
	r := ok(t, "formats")
	for _, want := range []string{"oci", "docker", "built-in", docker.MediaTypeManifest, "sha256", "sha512", "blake3", "zeebo/blake3"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("formats lacks %q:\n%s", want, r.stdout)
		}
	}
	r = ok(t, "formats", "--json")
	var f formatsLine
	jsonLine(t, r, &f)
	if len(f.Formats) != 2 || f.Formats[0].Name != "docker" || f.Formats[1].Name != "oci" || !f.Formats[1].Builtin {
		t.Errorf("formats --json: %+v", f.Formats)
	}
	if len(f.Algorithms) != 3 || f.Algorithms[1].Name != "sha256" || f.Algorithms[1].Detail == "" {
		t.Errorf("formats --json algorithms: %+v", f.Algorithms)
	}

	// A plugin folder with a file that is not a plugin.
	broken := t.TempDir()
	writeFile(t, filepath.Join(broken, "notaplugin"), "#!/bin/sh\necho hello\n")
	if err := os.Chmod(filepath.Join(broken, "notaplugin"), 0o755); err != nil {
		t.Fatal(err)
	}
	r = fails(t, 1, []string{"notaplugin", "plugin"}, "formats", "--plugin-dir", broken)
	if !strings.Contains(r.stdout, "oci") {
		t.Errorf("formats with a broken plugin did not list the others:\n%s", r.stdout)
	}
	// Other commands warn and go on; a format the broken plugin might
	// have served is unknown, with the reason.
	w := runIn(t, repoRoot, []string{"OCISPEC_PLUGIN_DIR=" + broken}, "pack", "--format", "helm", exampleDir(), filepath.Join(t.TempDir(), "x"))
	if w.code != 1 || !strings.Contains(w.stderr, "warning") || !strings.Contains(w.stderr, `unknown format "helm"`) || !strings.Contains(w.stderr, "failed to load") {
		t.Errorf("pack --format helm with a broken plugin: exit %d\n%s", w.code, w.stderr)
	}

	if helmPlugin == "" {
		t.Fatalf("the example Helm plugin did not build: %v", helmBuildErr)
	}
	plugins := filepath.Dir(helmPlugin)
	r = ok(t, "formats", "--json", "--plugin-dir", plugins)
	jsonLine(t, r, &f)
	found := false
	for _, fm := range f.Formats {
		if fm.Name == "helm" {
			found = true
			if fm.Builtin || fm.Plugin != helmPlugin {
				t.Errorf("helm format = %+v, want plugin %s", fm, helmPlugin)
			}
		}
	}
	if !found {
		t.Errorf("formats --plugin-dir %s does not list helm: %+v", plugins, f.Formats)
	}
	r = runIn(t, repoRoot, []string{"OCISPEC_PLUGIN_DIR=" + plugins}, "formats")
	if r.code != 0 || !strings.Contains(r.stdout, "plugin "+helmPlugin) {
		t.Errorf("formats with OCISPEC_PLUGIN_DIR: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestPluginFormat packs a Helm chart with the example plugin and reads
// it back.
func TestPluginFormat(t *testing.T) {
	t.Parallel()
	if helmPlugin == "" {
		t.Fatalf("the example Helm plugin did not build: %v", helmBuildErr)
	}
	dir := t.TempDir()
	plugins := filepath.Dir(helmPlugin)
	_, chart := makeTar(t, map[string]string{"mychart/Chart.yaml": "apiVersion: v2\nname: mychart\nversion: 0.1.0\n"})
	writeFile(t, filepath.Join(dir, "mychart-0.1.0.tgz"), string(chart))
	writeFile(t, filepath.Join(dir, "chart.json"), `{"apiVersion":"v2","name":"mychart","version":"0.1.0"}`)
	out := filepath.Join(dir, "chart")
	line := pack(t, "--plugin-dir", plugins, "--format", "helm", "--config", filepath.Join(dir, "chart.json"), "--layer", "chart="+filepath.Join(dir, "mychart-0.1.0.tgz"), "--tag", "0.1.0", out)
	if line.Format != "helm" || line.Layout != "oci" {
		t.Errorf("pack --format helm printed %+v", line)
	}
	in := inspect(t, "--plugin-dir", plugins, out)
	if in.Format != "helm" || in.Config.MediaType != "application/vnd.cncf.helm.config.v1+json" || len(in.Layers) != 1 || in.Layers[0].Kind != "chart" || in.Layers[0].MediaType != "application/vnd.cncf.helm.chart.content.v1.tar+gzip" {
		t.Errorf("inspect of the chart = %+v", in)
	}
	ok(t, "verify", "--plugin-dir", plugins, out)
	fails(t, 1, []string{"diffID", "--config"}, "pack", "--plugin-dir", plugins, "--format", "helm", "--layer", "chart="+filepath.Join(dir, "mychart-0.1.0.tgz"), filepath.Join(dir, "x"))
}

func TestBench(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	chart := filepath.Join(dir, "bench.svg")
	r := ok(t, "bench", "--size", "4KiB", "--size", "64KiB", "--algorithm", "sha256", "--time", "5ms", "--plot", chart)
	for _, want := range []string{"crypto/sha256", "sha256-simd", "64KiB", "LIMIT"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bench table lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "blake3") {
		t.Errorf("bench --algorithm sha256 measured blake3:\n%s", r.stdout)
	}
	svg := mustRead(t, chart)
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("sha256-simd")) {
		t.Errorf("bench --plot wrote %d bytes that are not the chart", len(svg))
	}
	r = ok(t, "bench", "--json", "--size", "4KiB", "--algorithm", "blake3", "--time", "5ms")
	var res struct {
		Algorithm string  `json:"algorithm"`
		Backend   string  `json:"backend"`
		Chosen    bool    `json:"chosen"`
		Size      int64   `json:"size"`
		Engine    float64 `json:"engineBytesPerSecond"`
		Limit     float64 `json:"limitBytesPerSecond"`
		Ratio     float64 `json:"ratio"`
	}
	jsonLine(t, r, &res)
	if res.Algorithm != "blake3" || res.Size != 4096 || res.Engine <= 0 || res.Limit <= 0 || !res.Chosen {
		t.Errorf("bench --json = %+v", res)
	}
	fails(t, 1, []string{"md5"}, "bench", "--algorithm", "md5")
}

// TestQuietAndPipes checks that nothing but results reach stdout and
// that no progress bar is drawn when stderr is not a terminal.
func TestQuietAndPipes(t *testing.T) {
	t.Parallel()
	input := bigInput(t, 48<<20)
	out := filepath.Join(t.TempDir(), "image")
	r := ok(t, "pack", "--layer", "tar="+input, out)
	if strings.ContainsAny(r.stderr, "\r\x1b") || strings.Contains(r.stderr, "MiB") {
		t.Errorf("pack drew a progress bar on a pipe:\n%q", r.stderr)
	}
	var line imageLine
	jsonLine(t, r, &line)
	q := ok(t, "--quiet", "verify", out)
	if q.stdout != "" || q.stderr != "" {
		t.Errorf("verify --quiet printed %q, %q", q.stdout, q.stderr)
	}
	v := ok(t, "--verbose", "pack", exampleDir(), filepath.Join(t.TempDir(), "v"))
	if !strings.Contains(v.stderr, "layer 0: tar+gzip") {
		t.Errorf("pack --verbose did not describe the layer:\n%s", v.stderr)
	}
}

// TestHostileInputs feeds the commands broken and hostile documents and
// layouts: each must be a clear error, never a crash.
func TestHostileInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"garbage.json": "\x00\x01\x02 not json \xff",
		"nested.json":  strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		"big.json":     `{"schemaVersion":2,"layers":[],"annotations":{"a":"` + strings.Repeat("x", 5<<20) + `"}}`,
		"mixed.json":   `{"schemaVersion":2,"manifests":[],"layers":[]}`,
		"dup.json":     `{"schemaVersion":2,"schemaVersion":3,"config":{},"layers":[]}`,
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	for name := range files {
		for _, cmd := range [][]string{{"inspect"}, {"validate"}, {"validate", "--schema"}, {"convert", "--to", "docker"}} {
			args := append(append([]string{}, cmd...), filepath.Join(dir, name))
			if cmd[0] == "convert" {
				args = append(args, filepath.Join(dir, "out-"+name))
			}
			r := run(t, args...)
			if r.code != 1 || !strings.Contains(r.stderr, "ocispec: ") {
				t.Errorf("ocispec %s: exit %d, stderr %q; want 1 and an error", strings.Join(args, " "), r.code, r.stderr)
			}
		}
	}

	// A layout whose index.json is garbage, one whose blob is a link out
	// of the folder, one whose config claims a size it does not have.
	broken := filepath.Join(dir, "broken")
	pack(t, exampleDir(), broken)
	if err := os.WriteFile(filepath.Join(broken, "index.json"), []byte("{]"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"inspect", "verify"} {
		fails(t, 1, []string{"index.json"}, cmd, broken)
	}
	fails(t, 1, []string{"index.json"}, "convert", "--to", "docker", broken, filepath.Join(dir, "x"))

	linked := filepath.Join(dir, "linked")
	pack(t, exampleDir(), linked)
	in := inspect(t, linked)
	blob := filepath.Join(linked, "blobs", "sha256", strings.TrimPrefix(in.Layers[0].Digest, "sha256:"))
	outside := filepath.Join(dir, "outside")
	if err := os.Rename(blob, outside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, blob); err != nil {
		t.Fatal(err)
	}
	fails(t, 1, []string{strings.TrimPrefix(in.Layers[0].Digest, "sha256:"), "leaves the layout", "1 problem"}, "verify", linked)

	// A manifest whose config claims the largest size there is: nothing
	// is allocated for it, and verify says the blob is shorter.
	claims := filepath.Join(dir, "claims")
	pack(t, exampleDir(), claims)
	in = inspect(t, claims)
	oci, _ := core.Default.Format("oci")
	m := core.Manifest{Config: core.Descriptor{MediaType: in.Config.MediaType, Size: 1<<63 - 1, Digest: digestOf(in.Config.Digest)}}
	for _, l := range in.Layers {
		m.Layers = append(m.Layers, core.Descriptor{MediaType: l.MediaType, Size: l.Size, Digest: digestOf(l.Digest)})
	}
	raw, err := core.EncodeManifest(context.Background(), oci, m, core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	d := core.DigestOf(raw)
	writeFile(t, filepath.Join(claims, "blobs", "sha256", d.Encoded()), string(raw))
	index := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d}]}`, d, len(raw))
	writeFile(t, filepath.Join(claims, "index.json"), index)
	if got := inspect(t, claims); got.Config.Size != 1<<63-1 || got.Platform != "" {
		t.Errorf("inspect of a config claiming 2^63-1 bytes = %+v", got)
	}
	fails(t, 1, []string{strings.TrimPrefix(in.Config.Digest, "sha256:"), "size mismatch", "1 problem"}, "verify", claims)
}

// internalPrefixes are the package prefixes of library errors, which
// the command must not show; "forgotten import" is a hint for library
// authors, not for people at a terminal.
var internalPrefixes = regexp.MustCompile(`(^|: |\()(core|cli|layout|digesters|archive|tarlayer|hashbench|plugins|schema|formats): |forgotten import`)

// TestErrorMessages is one table over the command's error cases: the
// exit status (1: the command failed, 2: the command line is wrong),
// what the message must say, and that it says it in the command's words.
func TestErrorMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	img := filepath.Join(dir, "img")
	pack(t, "--layer", "tar+zstd="+exampleDir(), img)
	out := func(name string) string { return filepath.Join(dir, name) }
	for _, tt := range []struct {
		name   string
		args   []string
		status int
		want   []string
	}{
		{"unknown format", []string{"pack", "--format", "nope", exampleDir(), out("a")}, 2, []string{`unknown format "nope"`, "known: docker, oci"}},
		{"misspelt format", []string{"pack", "--format", "ocj", exampleDir(), out("a")}, 2, []string{`did you mean "oci"?`}},
		{"misspelt target format", []string{"convert", "--to", "dockr", img, out("b")}, 2, []string{`did you mean "docker"?`}},
		{"unknown algorithm", []string{"pack", "--algorithm", "sha265", exampleDir(), out("c")}, 2, []string{`--algorithm "sha265"`, "known: blake3, sha256, sha512", `did you mean "sha256"?`}},
		{"unknown digest algorithm", []string{"digest", "--algorithm", "md5", "README.md"}, 2, []string{`--algorithm "md5"`}},
		{"misspelt flag", []string{"pack", "--tagg", "v1", exampleDir(), out("d")}, 2, []string{"unknown flag --tagg", "did you mean --tag?"}},
		{"misspelt choice", []string{"pack", "--layout", "ocj", exampleDir(), out("e")}, 2, []string{`did you mean "oci"?`}},
		{"misspelt command", []string{"inspct", img}, 2, []string{"did you mean inspect"}},
		{"invalid tag for pack", []string{"pack", "--tag", "not a tag", exampleDir(), out("f")}, 2, []string{"tag"}},
		{"invalid tag for inspect", []string{"inspect", "--tag", "not a tag", img}, 2, []string{"tag"}},
		{"missing file", []string{"inspect", out("nothing")}, 1, []string{"no such file"}},
		{"strict conversion", []string{"convert", "--to", "docker", img, out("g")}, 1, []string{"cannot express", "--permissive"}},
		{"missing plugin folder", []string{"--plugin-dir", out("no-plugins"), "formats"}, 1, []string{"plugin folder", "does not exist", "--plugin-dir"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := fails(t, tt.status, tt.want, tt.args...)
			if m := internalPrefixes.FindString(r.stderr); m != "" {
				t.Errorf("ocispec %s: the message shows %q:\n%s", strings.Join(tt.args, " "), m, r.stderr)
			}
		})
	}
	r := ok(t, "--version")
	if !strings.HasPrefix(r.stdout, "ocispec ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("ocispec --version = %q, want the command's version and Go's", r.stdout)
	}
}

// Documents from the real world that validate must accept, and configs
// its strict parser refuses.
func TestValidateRealWorld(t *testing.T) {
	t.Parallel()
	corpus := filepath.Join(repoRoot, "formats", "testdata", "corpus")
	// Docker's image spec example: two diff_ids, two history entries of
	// which one is empty_layer; config.md does not tie the two.
	r := ok(t, "validate", "--type", "config", filepath.Join(corpus, "docker", "docker-image-spec-config.json"))
	if !strings.Contains(r.stdout, "ok (config)") || !strings.Contains(r.stderr, "warning: history:") {
		t.Errorf("validate Docker's example config: stdout %q, stderr %q; want ok and a warning", r.stdout, r.stderr)
	}
	// A Docker manifest list with annotations (buildx writes them) and
	// platform features.
	r = ok(t, "validate", filepath.Join(corpus, "docker", "manifest-list-annotations.json"))
	if !strings.Contains(r.stdout, "ok (docker index)") {
		t.Errorf("validate Docker manifest list with annotations: %q", r.stdout)
	}
	for _, doc := range []string{"manifest-list-annotations.json", "manifest-annotations.json"} {
		if r := ok(t, "inspect", filepath.Join(corpus, "docker", doc)); !strings.Contains(r.stdout, "docker") {
			t.Errorf("inspect %s: %q", doc, r.stdout)
		}
	}
	dir := t.TempDir()
	// verify reads a Docker image whose manifest has annotations, and
	// keeps its bytes (the digest inspect shows is the stored one's).
	img := filepath.Join(dir, "img")
	pack(t, "--format", "docker", exampleDir(), img)
	mpath := filepath.Join(img, "manifest.json")
	m, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	m = append(bytes.TrimSuffix(bytes.TrimSpace(m), []byte("}")), []byte(`,"annotations":{"k":"v"}}`)...)
	writeFile(t, mpath, string(m))
	ok(t, "verify", img)
	if r := ok(t, "inspect", img); !strings.Contains(r.stdout, string(core.DigestOf(m))) {
		t.Errorf("inspect of the annotated Docker image does not show the stored manifest's digest %s:\n%s", core.DigestOf(m), r.stdout)
	}
	base := `"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}`
	writeFile(t, filepath.Join(dir, "dup.json"), `{`+base+`,"config":{"Env":["A=1"],"Env":["B=2"]}}`)
	writeFile(t, filepath.Join(dir, "utf8.json"), "{"+base+",\"author\":\"\xc3\x28\"}")
	fails(t, 1, []string{"dup.json: config.Env: key appears more than once", "utf8.json: ", "invalid UTF-8"},
		"validate", "--type", "config", filepath.Join(dir, "dup.json"), filepath.Join(dir, "utf8.json"))
}
