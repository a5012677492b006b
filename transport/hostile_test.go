package transport_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

type entry struct {
	name, link string
	typ        byte
	data       string
	size       int64 // header size when data is not all there
}

func tarOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		size := int64(len(e.data))
		if e.size > 0 {
			size = e.size
		}
		if typ != tar.TypeReg {
			size = 0
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Mode: 0o644, Size: size}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.data))
	}
	tw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

const ociLayoutFile = `{"imageLayoutVersion":"1.0.0"}`

// TestHostileArchives: each archive is refused with an error naming the
// entry, whether read in place or streamed, and nothing is left beside
// it or in the destination's folder.
func TestHostileArchives(t *testing.T) {
	config := `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(digest.FromString("x")) + `"]}}`
	cfgHex := digest.FromString(config).Encoded()
	goodIndex := `{"schemaVersion":2,"manifests":[]}`
	tests := []struct {
		name    string
		ref     string // transport: prefix
		entries []entry
		want    error
		names   string // text the error must hold
	}{
		{"dot dot", "oci-archive:", []entry{{name: "../evil", data: "x"}, {name: "oci-layout", data: ociLayoutFile}, {name: "index.json", data: goodIndex}}, archive.ErrUnsafePath, `"../evil"`},
		{"absolute name", "oci-archive:", []entry{{name: "/etc/evil", data: "x"}, {name: "oci-layout", data: ociLayoutFile}}, archive.ErrUnsafePath, "/etc/evil"},
		{"symlink outside", "docker-archive:", []entry{{name: "layer.tar", typ: tar.TypeSymlink, link: "../../../etc/passwd"}, {name: "manifest.json", data: "[]"}}, archive.ErrUnsafePath, "layer.tar"},
		{"hard link outside", "docker-archive:", []entry{{name: "layer.tar", typ: tar.TypeLink, link: "/etc/passwd"}, {name: "manifest.json", data: "[]"}}, archive.ErrUnsafePath, "layer.tar"},
		{"duplicate", "oci-archive:", []entry{{name: "oci-layout", data: ociLayoutFile}, {name: "index.json", data: goodIndex}, {name: "./index.json", data: goodIndex}}, archive.ErrDuplicate, "index.json"},
		{"layer not in the archive", "docker-archive:", []entry{
			{name: cfgHex + ".json", data: config},
			{name: "manifest.json", data: `[{"Config":"` + cfgHex + `.json","RepoTags":["box:v1"],"Layers":["missing/layer.tar"]}]`},
		}, core.ErrNotFound, `Layers[0]: "missing/layer.tar" is not in the archive`},
		{"config not in the archive", "docker-archive:", []entry{
			{name: "manifest.json", data: `[{"Config":"` + cfgHex + `.json","RepoTags":["box:v1"],"Layers":[]}]`},
		}, core.ErrNotFound, "Config"},
		{"config not what its name says", "docker-archive:", []entry{
			{name: strings.Repeat("a", 64) + ".json", data: config},
			{name: "manifest.json", data: `[{"Config":"` + strings.Repeat("a", 64) + `.json","Layers":["l.tar"]}]`},
			{name: "l.tar", data: "x"},
		}, core.ErrDigestMismatch, "Config"},
		{"diff_ids and layers disagree", "docker-archive:", []entry{
			{name: cfgHex + ".json", data: config},
			{name: "manifest.json", data: `[{"Config":"` + cfgHex + `.json","Layers":[]}]`},
		}, archive.ErrInvalidDocument, "1 diff_ids"},
		{"manifest.json leaves the archive", "docker-archive:", []entry{{name: "manifest.json", data: `[{"Config":"../../x.json","Layers":[]}]`}}, archive.ErrInvalidDocument, "path leaves the archive"},
		{"blob not what its name says", "oci-archive:", []entry{
			{name: "blobs/sha256/" + digest.FromString("a").Encoded(), data: "b"},
			{name: "index.json", data: `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + string(digest.FromString("a")) + `","size":1,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}`},
			{name: "oci-layout", data: ociLayoutFile},
		}, core.ErrDigestMismatch, digest.FromString("a").Encoded()},
		{"not an image archive", "oci-archive:", []entry{{name: "README", data: "hello"}}, archive.ErrUnknownLayout, "no oci-layout"},
		{"docker-archive read as oci-archive", "oci-archive:", []entry{{name: "manifest.json", data: "[]"}}, archive.ErrUnknownLayout, "docker-archive:"},
		{"legacy format", "docker-archive:", []entry{{name: "repositories", data: `{}`}}, errors.ErrUnsupported, "Docker 1.10"},
	}
	for _, tt := range tests {
		for _, mode := range []string{"in place", "gzip"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				dir := t.TempDir()
				data := tarOf(t, tt.entries...)
				if mode == "gzip" {
					data = gz(data)
				}
				path := filepath.Join(dir, "hostile.tar")
				os.WriteFile(path, data, 0o644)
				outDir := t.TempDir()
				_, err := tryCopy("oci:"+filepath.Join(outDir, "out"), tt.ref+path+":v1", nil)
				if strings.HasPrefix(tt.ref, "docker-archive") {
					_, err = tryCopy("oci:"+filepath.Join(outDir, "out"), tt.ref+path, nil)
				}
				if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.names) {
					t.Fatalf("Copy from %s = %v, want %v naming %q", tt.name, err, tt.want, tt.names)
				}
				for _, d := range []string{dir, outDir} {
					if es, _ := os.ReadDir(d); d == dir && len(es) != 1 || d == outDir && len(es) != 0 {
						t.Errorf("after the refusal %s holds %d entries", d, len(es))
					}
				}
			})
		}
	}
}

// TestHugeManifestJSON: a manifest.json whose header claims 1 GiB is
// refused from the header, before anything is allocated or read, in
// place (a sparse file) and streamed.
func TestHugeManifestJSON(t *testing.T) {
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	tw.WriteHeader(&tar.Header{Name: "manifest.json", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 30})
	tw.Flush() // the header only; its data is what the file's length says
	head := hdr.Bytes()
	for _, mode := range []string{"in place", "gzip"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "huge.tar")
			if mode == "in place" {
				os.WriteFile(path, head, 0o644)
				if err := os.Truncate(path, int64(len(head))+1<<30+2*512); err != nil { // sparse: the data and the end blocks are zeros
					t.Fatal(err)
				}
			} else {
				os.WriteFile(path, gz(append(head, make([]byte, 4096)...)), 0o644)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := tryCopy("oci:"+filepath.Join(t.TempDir(), "out"), "docker-archive:"+path, nil)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, core.ErrTooLarge) || !strings.Contains(err.Error(), "manifest.json") {
				t.Fatalf("Copy of a 1 GiB manifest.json = %v, want ErrTooLarge naming it", err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("refusing a 1 GiB manifest.json allocated %d bytes", grew)
			}
		})
	}
}

// TestGzipBomb: a compressed archive expanding a thousandfold is read
// in one pass with bounded memory: an entry no image refers to is read
// past, never spooled; a blob whose bytes are not its name's is refused
// naming it, and its spool is removed.
func TestGzipBomb(t *testing.T) {
	const size = 64 << 20
	zeros := digest.FromBytes(make([]byte, size))
	for _, tt := range []struct {
		name string
		bomb string
		want error
	}{
		{"junk entry", "junk/zeros", nil},
		{"blob of another digest", "blobs/sha256/" + digest.FromString("other").Encoded(), core.ErrDigestMismatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ociFmt, _ := formats()
			img := newImage(t, "amd64", helloFiles)
			ociDir, _ := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
			good := filepath.Join(t.TempDir(), "good.tar")
			copyRefs(t, "oci-archive:"+good+":v1", "oci:"+ociDir+":v1", nil)
			// The good archive, with the bomb first.
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			tw := tar.NewWriter(zw)
			tw.WriteHeader(&tar.Header{Name: tt.bomb, Typeflag: tar.TypeReg, Mode: 0o644, Size: size})
			chunk := make([]byte, 1<<20)
			for range size / len(chunk) {
				tw.Write(chunk)
			}
			tw.Flush()
			b, _ := os.ReadFile(good)
			zw.Write(b) // tar.Writer padded the bomb to a block; the good archive follows
			zw.Close()
			if buf.Len() > size/200 {
				t.Fatalf("the bomb is %d bytes compressed", buf.Len())
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "bomb.tar.gz")
			os.WriteFile(path, buf.Bytes(), 0o644)
			outParent := t.TempDir()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := tryCopy("oci:"+filepath.Join(outParent, "out"), "oci-archive:"+path+":v1", nil)
			runtime.ReadMemStats(&after)
			if tt.want == nil && err != nil || tt.want != nil && (!errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.bomb)) {
				t.Fatalf("Copy from the bomb = %v, want %v naming %s", err, tt.want, tt.bomb)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > size/2 {
				t.Errorf("reading a %d-byte entry allocated %d bytes", size, grew)
			}
			if es, _ := os.ReadDir(dir); len(es) != 1 {
				t.Errorf("beside the archive: %d entries, want the archive alone (the spool removed)", len(es))
			}
			_ = zeros
			_ = fmt.Sprint
		})
	}
}
