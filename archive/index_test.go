package archive_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
)

var longName = "blobs/sha256/" + strings.Repeat("d", 150) + "/" + strings.Repeat("e", 120)

func sample() []file {
	return []file{
		{name: "./", typ: tar.TypeDir},
		{name: "./blobs/", typ: tar.TypeDir},
		{name: "./blobs/sha256/", typ: tar.TypeDir},
		{name: "./blobs/sha256/aaaa", data: "first blob\n"},
		{name: "./blobs/sha256/empty", data: ""},
		{name: longName, data: strings.Repeat("x", 1000)},
		{name: "layer.tar", typ: tar.TypeSymlink, linkname: "blobs/sha256/aaaa"},
		{name: "dir/hard", typ: tar.TypeLink, linkname: "blobs/sha256/aaaa"},
		{name: "./index.json", data: `{"schemaVersion":2}`},
	}
}

func TestNewFormats(t *testing.T) {
	for _, format := range []tar.Format{tar.FormatPAX, tar.FormatGNU} {
		t.Run(format.String(), func(t *testing.T) {
			data := buildTar(t, format, sample()...)
			a, err := index(t, data, nil)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			var names []string
			for _, e := range a.Entries() {
				names = append(names, e.Name)
			}
			want := []string{"blobs", "blobs/sha256", "blobs/sha256/aaaa", "blobs/sha256/empty", longName, "layer.tar", "dir/hard", "index.json"}
			if strings.Join(names, ",") != strings.Join(want, ",") {
				t.Fatalf("Entries() names = %q, want %q", names, want)
			}
			for name, content := range map[string]string{
				"blobs/sha256/aaaa":  "first blob\n",
				"blobs/sha256/empty": "",
				longName:             strings.Repeat("x", 1000),
				"layer.tar":          "first blob\n",
				"dir/hard":           "first blob\n",
				"./index.json":       `{"schemaVersion":2}`,
			} {
				r, err := a.Open(name)
				if err != nil {
					t.Fatalf("Open(%q): %v", name, err)
				}
				got, err := io.ReadAll(r)
				if err != nil || string(got) != content {
					t.Errorf("Open(%q) read %q, %v, want %q", name, got, err, content)
				}
				b, err := a.ReadFile(name, 0)
				if err != nil || string(b) != content {
					t.Errorf("ReadFile(%q) = %q, %v, want %q", name, b, err, content)
				}
			}
			// The offsets point into the archive's own bytes.
			e, _ := a.Lookup(longName)
			if got := string(data[e.Offset : e.Offset+e.Size]); got != strings.Repeat("x", 1000) || e.Size != 1000 {
				t.Errorf("Lookup(long).Offset/Size = %d/%d, not the file's data", e.Offset, e.Size)
			}
			if e, _ := a.Lookup("layer.tar"); e.Type != archive.TypeSymlink || e.Linkname != "blobs/sha256/aaaa" {
				t.Errorf("Lookup(layer.tar) = %+v, want a symlink to blobs/sha256/aaaa", e)
			}
			if _, err := a.Open("blobs"); !errors.Is(err, archive.ErrNotRegular) {
				t.Errorf("Open(blobs) = %v, want ErrNotRegular", err)
			}
			if _, err := a.Open("nope"); !errors.Is(err, archive.ErrNotFound) {
				t.Errorf("Open(nope) = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestSymlinkRelativeToFolder(t *testing.T) {
	// skopeo's docker-archive: <id>/layer.tar -> ../<hex>.tar
	data := buildTar(t, tar.FormatUSTAR,
		file{name: "abc.tar", data: "layer bytes"},
		file{name: "0123/layer.tar", typ: tar.TypeSymlink, linkname: "../abc.tar"},
		file{name: "chain", typ: tar.TypeSymlink, linkname: "0123/layer.tar"},
	)
	a, err := index(t, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"0123/layer.tar", "chain"} {
		e, err := a.Resolve(name)
		if err != nil || e.Name != "abc.tar" || e.Size != 11 {
			t.Errorf("Resolve(%q) = %+v, %v, want abc.tar of 11 bytes", name, e, err)
		}
	}
}

func TestReadFileLimit(t *testing.T) {
	data := buildTar(t, tar.FormatUSTAR, file{name: "manifest.json", data: strings.Repeat(" ", 100)})
	a, err := index(t, data, &archive.Options{MaxDocumentSize: 99})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.ReadFile("manifest.json", 0)
	wantErr(t, "ReadFile(manifest.json, default 99)", err, core.ErrTooLarge, "manifest.json")
	if b, err := a.ReadFile("manifest.json", 100); err != nil || len(b) != 100 {
		t.Errorf("ReadFile(manifest.json, 100) = %d bytes, %v, want 100", len(b), err)
	}
}

func TestEmptyAndGlobalHeader(t *testing.T) {
	// git archive starts with a PAX global header; an empty archive is
	// two zero blocks; a zero-length file is no archive at all but no
	// entry either.
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": "abc"}})
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "a", Size: 1, Mode: 0o644})
	tw.Write([]byte("A"))
	tw.Close()
	for name, data := range map[string][]byte{"global": buf.Bytes(), "empty": make([]byte, 1024), "nothing": nil} {
		t.Run(name, func(t *testing.T) {
			a, err := index(t, data, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if name == "global" {
				want = 1
			}
			if a.Len() != want {
				t.Errorf("Len() = %d, want %d (%+v)", a.Len(), want, a.Entries())
			}
		})
	}
}

func TestDetectCompression(t *testing.T) {
	tarHead := buildTar(t, tar.FormatUSTAR, file{name: "BZh91AY", data: "x"})
	for _, tc := range []struct {
		name string
		head []byte
		want core.Compression
		err  error
	}{
		{"tar", tarHead, core.Uncompressed, nil},
		{"tar named like bzip2 magic", tarHead, core.Uncompressed, nil},
		{"gzip", []byte{0x1f, 0x8b, 8, 0}, core.Gzip, nil},
		{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd, 0}, core.Zstd, nil},
		{"zstd skippable", []byte{0x5a, 0x2a, 0x4d, 0x18, 0}, core.Zstd, nil},
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0}, 0, archive.ErrUnsupportedCompression},
		{"bzip2", []byte("BZh91AY&SY"), 0, archive.ErrUnsupportedCompression},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := archive.DetectCompression(tc.head)
			if tc.err != nil {
				wantErr(t, "DetectCompression", err, tc.err, "")
				if !errors.Is(err, errors.ErrUnsupported) {
					t.Errorf("DetectCompression(%s) = %v, want it to wrap errors.ErrUnsupported", tc.name, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("DetectCompression(%s) = %v, %v, want %v", tc.name, got, err, tc.want)
			}
		})
	}
}
