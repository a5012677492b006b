package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/archive"
)

// ociSource writes, by hand, an OCI layout at dir with one image tagged
// v1: a small config, one gzip layer, a manifest and index.json.
func ociSource(t *testing.T, dir string) {
	t.Helper()
	var layerTar bytes.Buffer
	tw := tar.NewWriter(&layerTar)
	content := bytes.Repeat([]byte("hello from the layer\n"), 4000)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "hello.txt", Size: int64(len(content)), Mode: 0o644})
	tw.Write(content)
	tw.Close()
	var layer bytes.Buffer
	zw := gzip.NewWriter(&layer)
	zw.Write(layerTar.Bytes())
	zw.Close()
	config := fmt.Sprintf(`{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%q]}}`, sha(layerTar.Bytes()))
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":%q,"size":%d}]}`,
		sha([]byte(config)), len(config), sha(layer.Bytes()), layer.Len())
	index := fmt.Sprintf(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}`,
		sha([]byte(manifest)), len(manifest))
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{[]byte(config), layer.Bytes(), []byte(manifest)} {
		os.WriteFile(filepath.Join(blobs, strings.TrimPrefix(sha(b), "sha256:")), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "index.json"), []byte(index), 0o644)
	os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// pyEntry is what python3's tarfile says of an entry.
type pyEntry struct {
	Name, Type, Linkname, SHA256 string
	Size                         int64
}

const pyList = `
import tarfile, hashlib, json, sys
out = []
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        e = {"Name": m.name, "Type": m.type.decode(), "Size": m.size, "Linkname": m.linkname, "SHA256": ""}
        if m.isreg():
            e["SHA256"] = "sha256:" + hashlib.sha256(t.extractfile(m).read()).hexdigest()
        out.append(e)
print(json.dumps(out))
`

func pythonList(t *testing.T, file string) []pyEntry {
	t.Helper()
	py := needTool(t, "python3")
	var got []pyEntry
	if err := json.Unmarshal([]byte(run(t, "", py, "-c", pyList, file)), &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// skopeoArchives builds the source layout and has skopeo write it as an
// oci-archive and a docker-archive.
func skopeoArchives(t *testing.T) (oci, docker string) {
	skopeo := needTool(t, "skopeo")
	dir := t.TempDir()
	ociSource(t, filepath.Join(dir, "src"))
	oci, docker = filepath.Join(dir, "oci.tar"), filepath.Join(dir, "docker.tar")
	run(t, dir, skopeo, "--insecure-policy", "copy", "oci:src:v1", "oci-archive:oci.tar:v1")
	run(t, dir, skopeo, "--insecure-policy", "copy", "oci:src:v1", "docker-archive:docker.tar:example.com/app:v1")
	return oci, docker
}

// compareWithPython checks every entry of the index against python's
// tarfile: names, types, sizes, link targets and the data's digest.
func compareWithPython(t *testing.T, file string, a *archive.Archive) {
	t.Helper()
	py := pythonList(t, file)
	if len(py) != a.Len() {
		t.Fatalf("%s: %d entries, python3 lists %d", file, a.Len(), len(py))
	}
	for i, p := range py {
		e := a.Entries()[i]
		name := path.Clean(p.Name)
		if e.Name != name || string(rune(e.Type)) != p.Type {
			t.Errorf("entry %d = %q type %q, python3: %q type %q", i, e.Name, rune(e.Type), name, p.Type)
			continue
		}
		switch e.Type {
		case archive.TypeReg:
			r, err := a.Open(e.Name)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			if e.Size != p.Size || sha(b) != p.SHA256 {
				t.Errorf("entry %q: %d bytes %s, python3: %d bytes %s", e.Name, e.Size, sha(b), p.Size, p.SHA256)
			}
		case archive.TypeSymlink:
			if want := path.Join(path.Dir(name), p.Linkname); e.Linkname != want {
				t.Errorf("entry %q: link to %q, python3: %q (%q)", e.Name, e.Linkname, p.Linkname, want)
			}
		}
	}
}

func TestSkopeoArchives(t *testing.T) {
	ociFile, dockerFile := skopeoArchives(t)
	ctx := context.Background()

	t.Run("oci-archive", func(t *testing.T) {
		a, err := archive.OpenFile(ctx, ociFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		compareWithPython(t, ociFile, a)
		l, err := archive.DetectLayout(a.Index)
		if err != nil || l.Kind != archive.LayoutOCI {
			t.Errorf("DetectLayout = %v, %v, want oci", l.Kind, err)
		}
		// Every blob's data matches its name.
		for _, e := range a.Entries() {
			if e.Type != archive.TypeReg || !strings.HasPrefix(e.Name, "blobs/sha256/") {
				continue
			}
			r, _ := a.Open(e.Name)
			b, _ := io.ReadAll(r)
			if "sha256:"+path.Base(e.Name) != sha(b) {
				t.Errorf("blob %s holds %s", e.Name, sha(b))
			}
		}
	})

	t.Run("docker-archive", func(t *testing.T) {
		a, err := archive.OpenFile(ctx, dockerFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		compareWithPython(t, dockerFile, a)
		l, err := archive.DetectLayout(a.Index)
		if err != nil || l.Kind != archive.LayoutDocker || len(l.LegacyLayers) != 1 {
			t.Fatalf("DetectLayout = %+v, %v, want docker with one legacy layer", l, err)
		}
		b, err := a.ReadFile("manifest.json", 0)
		if err != nil {
			t.Fatal(err)
		}
		items, err := archive.ParseManifest(b)
		if err != nil {
			t.Fatalf("ParseManifest(skopeo's %s) = %v", b, err)
		}
		if len(items) != 1 || len(items[0].Layers) != 1 || strings.Join(items[0].RepoTags, ",") != "example.com/app:v1" {
			t.Fatalf("ParseManifest = %+v, want one image example.com/app:v1 with one layer", items)
		}
		// skopeo names the uncompressed layer by its digest; the legacy
		// folder's layer.tar is a symbolic link to it.
		layerName := items[0].Layers[0]
		r, err := a.Open(layerName)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		if want := "sha256:" + strings.TrimSuffix(layerName, ".tar"); sha(data) != want {
			t.Errorf("layer %s holds %s", layerName, sha(data))
		}
		viaLink, err := a.Resolve(l.LegacyLayers[0] + "/layer.tar")
		if err != nil || viaLink.Name != layerName {
			t.Errorf("Resolve(<id>/layer.tar) = %+v, %v, want %s", viaLink, err, layerName)
		}
		if _, err := a.ReadFile(items[0].Config, 0); err != nil {
			t.Errorf("ReadFile(Config %s) = %v", items[0].Config, err)
		}
		rb, err := a.ReadFile("repositories", 0)
		if err != nil {
			t.Fatal(err)
		}
		repos, err := archive.ParseRepositories(rb)
		if err != nil || repos["example.com/app"]["v1"] != l.LegacyLayers[0] {
			t.Errorf("ParseRepositories(%s) = %v, %v, want example.com/app:v1 -> %s", rb, repos, err, l.LegacyLayers[0])
		}
	})

	t.Run("compressed", func(t *testing.T) {
		for _, tool := range []struct{ name, cmd string }{{"gzip", "gzip"}, {"zstd", "zstd"}} {
			t.Run(tool.name, func(t *testing.T) {
				bin := needTool(t, tool.cmd)
				compressed := ociFile + "." + tool.name
				cmd := exec.Command(bin, "-c", ociFile)
				out, err := os.Create(compressed)
				if err != nil {
					t.Fatal(err)
				}
				cmd.Stdout = out
				if err := cmd.Run(); err != nil {
					t.Fatalf("%s: %v", tool.cmd, err)
				}
				out.Close()
				if _, err := archive.OpenFile(ctx, compressed, nil); err == nil || !strings.Contains(err.Error(), "compressed") {
					t.Errorf("OpenFile(%s) = %v, want ErrCompressed", compressed, err)
				}
				f, _ := os.Open(compressed)
				defer f.Close()
				sp := &commitSpool{committed: map[string][]byte{}, failed: map[string]error{}}
				res, err := archive.Scan(ctx, f, &archive.ScanOptions{KeepSize: 300, Spool: sp.spool})
				if err != nil {
					t.Fatal(err)
				}
				py := pythonList(t, ociFile)
				var regular int
				for _, p := range py {
					if p.Type != "0" {
						continue
					}
					regular++
					if got := string(res.Digests[p.Name]); got != p.SHA256 {
						t.Errorf("Digests[%s] = %s, python3: %s", p.Name, got, p.SHA256)
					}
					_, kept := res.Documents[p.Name]
					_, spooled := sp.committed[p.Name]
					if kept == spooled || kept != (p.Size <= 300 || p.Name == "index.json" || p.Name == "oci-layout") {
						t.Errorf("%s (%d bytes): kept %v, spooled %v", p.Name, p.Size, kept, spooled)
					}
				}
				if len(res.Digests) != regular || len(sp.committed) == 0 {
					t.Errorf("Digests has %d entries, python3 lists %d regular files; %d spooled", len(res.Digests), regular, len(sp.committed))
				}
			})
		}
	})
}

func TestWriterWithTools(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	ociSource(t, src)
	// The layout's files, as the writer's input.
	files := map[string]archive.Source{}
	filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(src, p)
			files[filepath.ToSlash(rel)] = archive.FromFile(p)
		}
		return nil
	})
	files["bin/tool"] = archive.Executable(archive.FromBytes([]byte("#!/bin/sh\n")))
	files[long] = archive.FromBytes([]byte("a long name"))
	out := filepath.Join(dir, "written.tar")
	if err := archive.WriteFile(context.Background(), out, files, nil); err != nil {
		t.Fatal(err)
	}

	t.Run("gnu tar", func(t *testing.T) {
		tarBin := needTool(t, "tar")
		cmd := exec.Command(tarBin, "--numeric-owner", "--full-time", "-tvf", out)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		listing, err := cmd.Output()
		if err != nil {
			t.Fatalf("tar -tvf: %v", err)
		}
		var names []string
		for _, line := range strings.Split(strings.TrimSpace(string(listing)), "\n") {
			f := strings.Fields(line)
			if len(f) != 6 {
				t.Fatalf("tar -tvf line %q", line)
			}
			mode, owner, size, date, name := f[0], f[1], f[2], f[3]+" "+f[4], f[5]
			wantMode := "-rw-r--r--"
			if strings.HasSuffix(name, "/") {
				wantMode = "drwxr-xr-x"
			} else if name == "bin/tool" {
				wantMode = "-rwxr-xr-x"
			}
			if mode != wantMode || owner != "0/0" || date != "1970-01-01 00:00:00" {
				t.Errorf("tar -tvf: %q: mode %s owner %s date %s, want %s 0/0 1970-01-01 00:00:00", name, mode, owner, date, wantMode)
			}
			if src, ok := files[name]; ok {
				r, n, _ := src.Open(context.Background())
				r.Close()
				if size != fmt.Sprint(n) {
					t.Errorf("tar -tvf: %q has size %s, want %d", name, size, n)
				}
			}
			names = append(names, name)
		}
		if !sort.StringsAreSorted(names) {
			t.Errorf("tar -tvf lists %q, not sorted", names)
		}
		x := filepath.Join(dir, "x")
		os.Mkdir(x, 0o755)
		run(t, x, tarBin, "-xf", out)
		for name := range files {
			want, _ := readSource(files[name])
			got, err := os.ReadFile(filepath.Join(x, filepath.FromSlash(name)))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("tar -xf: %s = %d bytes, %v, want %d bytes", name, len(got), err, len(want))
			}
		}
	})

	t.Run("python tarfile", func(t *testing.T) {
		py := needTool(t, "python3")
		x := filepath.Join(dir, "py")
		script := `
import tarfile, sys
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        assert m.uid == 0 and m.gid == 0 and m.uname == "" and m.gname == "" and m.mtime == 0, m
    t.extractall(sys.argv[2], filter="data")
print("ok")
`
		if got := run(t, "", py, "-c", script, out, x); strings.TrimSpace(got) != "ok" {
			t.Fatalf("python3: %s", got)
		}
		for name := range files {
			want, _ := readSource(files[name])
			got, err := os.ReadFile(filepath.Join(x, filepath.FromSlash(name)))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("python3 extractall: %s = %d bytes, %v, want %d bytes", name, len(got), err, len(want))
			}
		}
	})

	t.Run("skopeo reads it as an oci-archive", func(t *testing.T) {
		skopeo := needTool(t, "skopeo")
		run(t, dir, skopeo, "--insecure-policy", "copy", "oci-archive:written.tar:v1", "dir:copied")
		if _, err := os.Stat(filepath.Join(dir, "copied", "manifest.json")); err != nil {
			t.Errorf("skopeo copy from the written archive: %v", err)
		}
	})
}

func readSource(s archive.Source) ([]byte, error) {
	r, _, err := s.Open(context.Background())
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// TestGNUTarArchives indexes what GNU tar writes, in its GNU and POSIX
// formats: "./" names, long names, a hard link, a symbolic link and a
// sparse file (indexed, refused as a blob, and the entries after it
// still found).
func TestGNUTarArchives(t *testing.T) {
	tarBin := needTool(t, "tar")
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	deep := filepath.Join(tree, strings.Repeat("d", 90), strings.Repeat("e", 90))
	os.MkdirAll(deep, 0o755)
	os.WriteFile(filepath.Join(deep, strings.Repeat("f", 120)), []byte("deep file\n"), 0o644)
	os.WriteFile(filepath.Join(tree, "a.txt"), bytes.Repeat([]byte("a"), 3000), 0o644)
	os.Link(filepath.Join(tree, "a.txt"), filepath.Join(tree, "hard.txt"))
	os.Symlink("a.txt", filepath.Join(tree, "link"))
	sparse, err := os.Create(filepath.Join(tree, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	sparse.WriteAt([]byte("start"), 0)
	sparse.WriteAt([]byte("end"), 4<<20)
	sparse.Close()
	os.WriteFile(filepath.Join(tree, "zz-after"), []byte("after the sparse file"), 0o644)

	for _, format := range []string{"gnu", "posix"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(dir, format+".tar")
			run(t, tree, tarBin, "--format="+format, "--sparse", "--sort=name", "-cf", out, ".")
			a, err := archive.OpenFile(context.Background(), out, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			py := pythonList(t, out)
			if len(py) != a.Len()+1 { // python lists the "." entry, the index does not
				t.Fatalf("%d entries, python3 lists %d", a.Len(), len(py))
			}
			for _, p := range py[1:] {
				name := path.Clean(p.Name)
				e, ok := a.Lookup(name)
				if !ok {
					t.Errorf("python3 lists %q, the index does not", name)
					continue
				}
				if name == "sparse" {
					if e.Type != archive.TypeSparse {
						t.Errorf("sparse: type %v, want a sparse file", e.Type)
					}
					if _, err := a.Open(name); err == nil || !strings.Contains(err.Error(), "sparse file") {
						t.Errorf("Open(sparse) = %v, want ErrNotRegular", err)
					}
					continue
				}
				if p.SHA256 == "" {
					continue
				}
				r, err := a.Open(name)
				if err != nil {
					t.Errorf("Open(%q): %v", name, err)
					continue
				}
				b, _ := io.ReadAll(r)
				if sha(b) != p.SHA256 || e.Size != p.Size {
					t.Errorf("%q: %d bytes %s, python3: %d bytes %s", name, e.Size, sha(b), p.Size, p.SHA256)
				}
			}
			if e, err := a.Resolve("hard.txt"); err != nil || e.Name != "a.txt" {
				t.Errorf("Resolve(hard.txt) = %+v, %v, want a.txt", e, err)
			}
			if b, err := a.ReadFile("link", 0); err != nil || len(b) != 3000 {
				t.Errorf("ReadFile(link) = %d bytes, %v, want 3000", len(b), err)
			}
		})
	}
}
