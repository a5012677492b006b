package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

const (
	hexA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hexB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	hexC = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)

func TestParseManifest(t *testing.T) {
	// As moby's exporter (Docker 25) writes it: blob paths, a foreign
	// layer's source, one newline at the end.
	moby := `[{"Config":"blobs/sha256/` + hexA + `","RepoTags":["example.com:5000/team/app:v1.2","busybox:latest"],"Layers":["blobs/sha256/` + hexB + `"],` +
		`"Parent":"sha256:` + hexC + `","LayerSources":{"sha256:` + hexB + `":{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","size":10,"digest":"sha256:` + hexC + `","urls":["https://example.com/layer"]}}}]` + "\n"
	items, err := archive.ParseManifest([]byte(moby))
	if err != nil {
		t.Fatalf("ParseManifest(moby) = %v", err)
	}
	want := []archive.ManifestItem{{
		Config:   "blobs/sha256/" + hexA,
		RepoTags: []string{"example.com:5000/team/app:v1.2", "busybox:latest"},
		Layers:   []string{"blobs/sha256/" + hexB},
		Parent:   digest.Digest("sha256:" + hexC),
		LayerSources: map[digest.Digest]core.Descriptor{
			digest.Digest("sha256:" + hexB): {MediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Size: 10, Digest: digest.Digest("sha256:" + hexC), URLs: []string{"https://example.com/layer"}},
		},
	}}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("ParseManifest(moby) = %+v, want %+v", items, want)
	}

	// Docker 1.10 to 24 and skopeo: <hex>.json, <id>/layer.tar, no tags
	// (null), an unknown member, an image with no layers.
	old := `[{"Config":"` + hexA + `.json","RepoTags":null,"Layers":["` + hexB + `/layer.tar"],"Future":{"x":[1,2]}},{"Config":"c.json","Layers":[]}]`
	items, err = archive.ParseManifest([]byte(old))
	if err != nil {
		t.Fatalf("ParseManifest(old) = %v", err)
	}
	if len(items) != 2 || items[0].Config != hexA+".json" || items[0].RepoTags != nil || items[0].Layers[0] != hexB+"/layer.tar" || len(items[1].Layers) != 0 {
		t.Errorf("ParseManifest(old) = %+v", items)
	}
}

func TestParseManifestRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, doc, mention string
	}{
		{"not JSON", `[{`, "manifest.json"},
		{"an object", `{"Config":"a"}`, "an object where an array was expected"},
		{"no Config", `[{"Layers":[]}]`, "manifest.json[0]: no Config"},
		{"Config in lower case", `[{"config":"a.json"}]`, "no Config"},
		{"Config twice", `[{"Config":"a.json","Config":"b.json"}]`, `member "Config" given twice`},
		{"Config a number", `[{"Config":1}]`, "a number where a string was expected"},
		{"Config outside", `[{"Config":"../a.json"}]`, "manifest.json[0].Config"},
		{"Config absolute", `[{"Config":"/etc/passwd"}]`, "absolute name"},
		{"layer outside", `[{"Config":"a.json","Layers":["ok.tar","../../x"]}]`, "manifest.json[0].Layers[1]"},
		{"Layers a string", `[{"Config":"a.json","Layers":"x.tar"}]`, "a string where an array was expected"},
		{"bad RepoTag", `[{"Config":"a.json","RepoTags":["app/UPPER:v1"]}]`, `"app/UPPER:v1" is not a name:tag reference`},
		{"RepoTag without tag", `[{"Config":"a.json","RepoTags":["busybox"]}]`, "not a name:tag"},
		{"bad Parent", `[{"Config":"a.json","Parent":"nope"}]`, `"nope" is not a digest`},
		{"bad layer source", `[{"Config":"a.json","LayerSources":{"sha256:` + hexB + `":{"size":"ten"}}}]`, "layer source"},
		{"duplicate in a skipped member", `[{"Config":"a.json","Future":{"a":1,"a":2}}]`, `member "a" given twice`},
		{"trailing data", `[] []`, "data after the document"},
		{"empty", ``, "unexpected end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := archive.ParseManifest([]byte(tc.doc))
			wantErr(t, fmt.Sprintf("ParseManifest(%q)", tc.doc), err, archive.ErrInvalidDocument, tc.mention)
		})
	}
}

func TestParseManifestBounds(t *testing.T) {
	many := "[" + strings.Repeat(`{"Config":"a.json"},`, archive.MaxManifestImages) + `{"Config":"a.json"}]`
	_, err := archive.ParseManifest([]byte(many))
	wantErr(t, "ParseManifest(too many images)", err, archive.ErrInvalidDocument, fmt.Sprintf("more than %d images", archive.MaxManifestImages))
}

func TestParseRepositories(t *testing.T) {
	doc := `{"example.com/app":{"v1":"` + hexA + `","latest":"` + hexB + `"},"busybox":{"latest":"` + hexC + `"}}` + "\n"
	got, err := archive.ParseRepositories([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := archive.Repositories{"example.com/app": {"v1": hexA, "latest": hexB}, "busybox": {"latest": hexC}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseRepositories = %v, want %v", got, want)
	}
	for _, tc := range []struct{ name, doc, mention string }{
		{"array", `[]`, "an array where an object was expected"},
		{"name with tag", `{"app:v1":{"v1":"` + hexA + `"}}`, `"app:v1" is not a repository name`},
		{"bad tag", `{"app":{"-v1":"` + hexA + `"}}`, `"-v1" is not a tag`},
		{"short id", `{"app":{"v1":"abc"}}`, "not a 64-hex layer ID"},
		{"repository twice", `{"app":{},"app":{}}`, `member "app" given twice`},
		{"tag twice", `{"app":{"v1":"` + hexA + `","v1":"` + hexB + `"}}`, `member "v1" given twice`},
		{"id a number", `{"app":{"v1":1}}`, "a number where a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := archive.ParseRepositories([]byte(tc.doc))
			wantErr(t, fmt.Sprintf("ParseRepositories(%q)", tc.doc), err, archive.ErrInvalidDocument, tc.mention)
		})
	}
}

// hugeManifest is an archive of a 1 GiB manifest.json that is never
// stored: its ReadAt serves one header and zeros after.
type hugeManifest struct{ header []byte }

const hugeSize = 1 << 30

func newHugeManifest(t testing.TB) hugeManifest {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "manifest.json", Size: hugeSize, Mode: 0o644})
	return hugeManifest{header: buf.Bytes()[:512]}
}

func (h hugeManifest) size() int64 { return 512 + hugeSize + 1024 }

func (h hugeManifest) ReadAt(p []byte, off int64) (int, error) {
	if off >= h.size() {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off+int64(n) < h.size() {
		o := off + int64(n)
		if o < 512 {
			n += copy(p[n:], h.header[o:])
			continue
		}
		m := min(int64(len(p)-n), h.size()-o)
		clear(p[n : n+int(m)])
		n += int(m)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (h hugeManifest) Read(p []byte) (int, error) { panic("not a reader") }

func TestHugeManifestRefusedWithoutAllocating(t *testing.T) {
	h := newHugeManifest(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a, err := archive.New(context.Background(), h, h.size(), nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = a.ReadFile("manifest.json", 0)
	wantErr(t, "ReadFile(manifest.json)", err, core.ErrTooLarge, "1073741824 bytes")

	// The same through a stream: the header alone says too much.
	s, err := archive.NewStream(context.Background(), io.NewSectionReader(h, 0, h.size()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	_, err = s.ReadDocument(0)
	wantErr(t, "Stream.ReadDocument(manifest.json)", err, core.ErrTooLarge, "manifest.json")
	s.Close()
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("refusing a 1 GiB manifest.json allocated %d bytes, want at most 4 MiB", got)
	}
}

func TestDetectLayout(t *testing.T) {
	reg := func(name string) file { return file{name: name, data: "x"} }
	dir := func(name string) file { return file{name: name, typ: tar.TypeDir} }
	for _, tc := range []struct {
		name   string
		files  []file
		want   archive.LayoutKind
		legacy []string
		err    string
	}{
		{"skopeo oci-archive", []file{dir("blobs/"), dir("blobs/sha256/"), reg("blobs/sha256/" + hexA), reg("index.json"), reg("oci-layout")}, archive.LayoutOCI, nil, ""},
		// moby's exporter, Docker 25 and later: archive.Tar of its folder.
		{"docker 25", []file{dir("blobs/"), dir("blobs/sha256/"), reg("blobs/sha256/" + hexA), reg("blobs/sha256/" + hexB), reg("index.json"), reg("manifest.json"), reg("oci-layout"), reg("repositories")}, archive.LayoutDockerOCI, nil, ""},
		// Docker 1.10 to 24: legacy folders, the config, manifest.json,
		// repositories.
		{"docker 24", []file{dir(hexA + "/"), reg(hexA + "/VERSION"), reg(hexA + "/json"), reg(hexA + "/layer.tar"), reg(hexB + ".json"), reg("manifest.json"), reg("repositories")}, archive.LayoutDocker, []string{hexA}, ""},
		{"skopeo docker-archive", []file{reg(hexB + ".tar"), reg(hexC + ".json"), {name: hexA + "/layer.tar", typ: tar.TypeSymlink, linkname: "../" + hexB + ".tar"}, reg(hexA + "/VERSION"), reg(hexA + "/json"), reg("manifest.json"), reg("repositories")}, archive.LayoutDocker, []string{hexA}, ""},
		{"docker before 1.10", []file{reg(hexB + "/json"), reg(hexB + "/layer.tar"), reg(hexB + "/VERSION"), reg(hexA + "/json"), reg(hexA + "/layer.tar"), reg("repositories")}, archive.LayoutDockerLegacy, []string{hexA, hexB}, ""},
		{"legacy without layer.tar", []file{reg(hexA + "/json"), reg("repositories")}, 0, nil, "legacy layer folder " + hexA + " has no layer.tar"},
		{"oci-layout alone", []file{reg("oci-layout")}, 0, nil, "oci-layout without index.json"},
		{"manifest.json a folder", []file{dir("manifest.json/")}, 0, nil, "not a regular file"},
		{"nothing known", []file{reg("README")}, 0, nil, "no oci-layout, manifest.json or repositories"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := index(t, buildTar(t, tar.FormatPAX, tc.files...), nil)
			if err != nil {
				t.Fatal(err)
			}
			l, err := archive.DetectLayout(a.Index)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("DetectLayout = %v, %v, want an error mentioning %q", l, err, tc.err)
				}
				return
			}
			if err != nil || l.Kind != tc.want || !reflect.DeepEqual(l.LegacyLayers, tc.legacy) {
				t.Errorf("DetectLayout = %v %q, %v, want %v %q", l.Kind, l.LegacyLayers, err, tc.want, tc.legacy)
			}
		})
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`[{"Config":"a.json","RepoTags":["a:b"],"Layers":["x/layer.tar"]}]`))
	f.Add([]byte(`[{"Config":"blobs/sha256/` + hexA + `","LayerSources":{"sha256:` + hexB + `":{"mediaType":"a/b","size":1,"digest":"sha256:` + hexC + `"}}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := archive.ParseManifest(data)
		if err != nil {
			return
		}
		// What parsed, re-encoded, parses to the same items.
		type out struct {
			Config   string
			RepoTags []string
			Layers   []string
			Parent   string `json:",omitempty"`
		}
		var outs []out
		for _, it := range items {
			outs = append(outs, out{it.Config, it.RepoTags, it.Layers, string(it.Parent)})
		}
		b, _ := json.Marshal(outs)
		if outs == nil {
			b = []byte("[]")
		}
		again, err := archive.ParseManifest(b)
		if err != nil {
			t.Fatalf("ParseManifest(%s) of a re-encoded manifest = %v", b, err)
		}
		for i := range again {
			if again[i].Config != items[i].Config || !reflect.DeepEqual(again[i].Layers, items[i].Layers) || !reflect.DeepEqual(again[i].RepoTags, items[i].RepoTags) {
				t.Fatalf("round trip of item %d: %+v, want %+v", i, again[i], items[i])
			}
		}
	})
}

func FuzzNew(f *testing.F) {
	f.Add(buildTar(f, tar.FormatPAX, sample()...))
	f.Add(buildTar(f, tar.FormatGNU, sample()...))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := index(t, data, &archive.Options{MaxEntries: 1000})
		if err != nil {
			return
		}
		for _, e := range a.Entries() {
			if e.Offset < 0 || e.Size < 0 || e.Offset+e.Size > int64(len(data)) {
				t.Fatalf("entry %+v lies outside the %d-byte archive", e, len(data))
			}
			if strings.HasPrefix(e.Name, "/") || strings.Contains("/"+e.Name+"/", "/../") {
				t.Fatalf("entry name %q leaves the archive", e.Name)
			}
			if r, err := a.Open(e.Name); err == nil {
				io.Copy(io.Discard, r)
			}
		}
	})
}

// TestDocker25DualFormat builds an archive the way moby's image exporter
// (Docker 25 and later) lays it out: a whole OCI layout, plus
// manifest.json and repositories naming the same blobs, tarred from its
// folder in name order.
func TestDocker25DualFormat(t *testing.T) {
	layer := buildTar(t, tar.FormatPAX, file{name: "etc/hostname", data: "box\n"})
	config := `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + sha(layer) + `"]}}`
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + sha([]byte(config)) + `","size":` + fmt.Sprint(len(config)) + `},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + sha(layer) + `","size":` + fmt.Sprint(len(layer)) + `}]}`
	indexDoc := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + sha([]byte(manifest)) + `","size":` + fmt.Sprint(len(manifest)) + `,"annotations":{"io.containerd.image.name":"docker.io/library/box:v1","org.opencontainers.image.ref.name":"v1"}}]}`
	hexOf := func(b string) string { return strings.TrimPrefix(sha([]byte(b)), "sha256:") }
	dockerManifest := `[{"Config":"blobs/sha256/` + hexOf(config) + `","RepoTags":["box:v1"],"Layers":["blobs/sha256/` + hexOf(string(layer)) + `"]}]` + "\n"
	repositories := `{"box":{"v1":"` + hexOf(string(layer)) + `"}}` + "\n"
	blobs := map[string]string{hexOf(config): config, hexOf(string(layer)): string(layer), hexOf(manifest): manifest}
	files := []file{{name: "blobs/", typ: tar.TypeDir}, {name: "blobs/sha256/", typ: tar.TypeDir}}
	var names []string
	for h := range blobs {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		files = append(files, file{name: "blobs/sha256/" + h, data: blobs[h]})
	}
	files = append(files,
		file{name: "index.json", data: indexDoc},
		file{name: "manifest.json", data: dockerManifest},
		file{name: "oci-layout", data: `{"imageLayoutVersion": "1.0.0"}`},
		file{name: "repositories", data: repositories})
	data := buildTar(t, tar.FormatPAX, files...)

	for _, mode := range []string{"in place", "streamed"} {
		t.Run(mode, func(t *testing.T) {
			var ix *archive.Index
			var read func(name string) []byte
			if mode == "in place" {
				a, err := index(t, data, nil)
				if err != nil {
					t.Fatal(err)
				}
				ix = a.Index
				read = func(name string) []byte { b, _ := a.ReadFile(name, 0); return b }
			} else {
				res, err := archive.Scan(context.Background(), bytes.NewReader(gzipBytes(t, data)), nil)
				if err != nil {
					t.Fatal(err)
				}
				ix = res.Index
				read = func(name string) []byte { return res.Documents[name] }
			}
			l, err := archive.DetectLayout(ix)
			if err != nil || l.Kind != archive.LayoutDockerOCI {
				t.Fatalf("DetectLayout = %v, %v, want docker+oci", l.Kind, err)
			}
			items, err := archive.ParseManifest(read("manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			if got := read(items[0].Config); string(got) != config {
				t.Errorf("Config %s = %q, want the config", items[0].Config, got)
			}
			if got := read(items[0].Layers[0]); !bytes.Equal(got, layer) {
				t.Errorf("Layers[0] %s = %d bytes, want the %d-byte layer", items[0].Layers[0], len(got), len(layer))
			}
			repos, err := archive.ParseRepositories(read("repositories"))
			if err != nil || repos["box"]["v1"] != hexOf(string(layer)) {
				t.Errorf("ParseRepositories = %v, %v", repos, err)
			}
			var ixDoc struct {
				Manifests []struct{ Digest digest.Digest }
			}
			if err := json.Unmarshal(read("index.json"), &ixDoc); err != nil || len(ixDoc.Manifests) != 1 {
				t.Fatalf("index.json: %v", err)
			}
			if got := read("blobs/sha256/" + ixDoc.Manifests[0].Digest.Encoded()); string(got) != manifest {
				t.Errorf("index.json's manifest blob = %q, want the manifest", got)
			}
		})
	}
}
