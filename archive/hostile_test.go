package archive_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/archive"
)

// flipChecksum corrupts the name of the header at off without fixing
// its checksum.
func corruptHeader(data []byte, off int) []byte {
	out := bytes.Clone(data)
	out[off+1] ^= 0x20 // "blobs" -> "bLobs"
	return out
}

func TestHostileArchives(t *testing.T) {
	ok := file{name: "oci-layout", data: `{"imageLayoutVersion":"1.0.0"}`}
	two := buildTar(t, tar.FormatUSTAR, ok, file{name: "blobs/sha256/abc", data: strings.Repeat("z", 1500)})
	// The second header starts after the first's header and padded data.
	secondHeader := 512 + 512
	for _, tc := range []struct {
		name    string
		data    []byte
		want    error
		mention string
	}{
		{"dot-dot name", buildTar(t, tar.FormatPAX, ok, file{name: "../evil", data: "x"}), archive.ErrUnsafePath, `"../evil"`},
		{"dot-dot inside", buildTar(t, tar.FormatPAX, file{name: "blobs/../../evil", data: "x"}), archive.ErrUnsafePath, `"blobs/../../evil"`},
		{"dot-dot that stays inside", buildTar(t, tar.FormatPAX, file{name: "blobs/../index.json", data: "x"}), archive.ErrUnsafePath, `"blobs/../index.json"`},
		{"absolute name", buildTar(t, tar.FormatPAX, file{name: "/etc/passwd", data: "x"}), archive.ErrUnsafePath, `"/etc/passwd"`},
		{"long absolute name (GNU)", buildTar(t, tar.FormatGNU, file{name: "/" + strings.Repeat("a", 200), data: "x"}), archive.ErrUnsafePath, "/aaaa"},
		{"symlink to absolute path", buildTar(t, tar.FormatPAX, ok, file{name: "layer.tar", typ: tar.TypeSymlink, linkname: "/etc/shadow"}), archive.ErrUnsafePath, `"layer.tar"`},
		{"symlink leaving the root", buildTar(t, tar.FormatPAX, file{name: "a/b/layer.tar", typ: tar.TypeSymlink, linkname: "../../../outside"}), archive.ErrUnsafePath, `"a/b/layer.tar"`},
		{"hard link leaving the root", buildTar(t, tar.FormatPAX, ok, file{name: "hard", typ: tar.TypeLink, linkname: "../oci-layout"}), archive.ErrUnsafePath, `"hard"`},
		{"hard link to absolute path", buildTar(t, tar.FormatPAX, file{name: "hard", typ: tar.TypeLink, linkname: "/etc/passwd"}), archive.ErrUnsafePath, `"hard"`},
		{"hard link to nothing", buildTar(t, tar.FormatPAX, ok, file{name: "hard", typ: tar.TypeLink, linkname: "missing"}), archive.ErrNotFound, `"hard"`},
		{"hard link to a later entry", buildTar(t, tar.FormatPAX, file{name: "hard", typ: tar.TypeLink, linkname: "oci-layout"}, ok), archive.ErrNotFound, `"hard"`},
		{"hard link to a folder", buildTar(t, tar.FormatPAX, file{name: "d/", typ: tar.TypeDir}, file{name: "hard", typ: tar.TypeLink, linkname: "d"}), archive.ErrNotRegular, `"hard"`},
		{"same name twice", buildTar(t, tar.FormatPAX, ok, ok), archive.ErrDuplicate, `"oci-layout"`},
		{"same name once cleaned", buildTar(t, tar.FormatPAX, ok, file{name: "./oci-layout", data: "{}"}), archive.ErrDuplicate, `"./oci-layout"`},
		{"file and folder of one name", buildTar(t, tar.FormatPAX, file{name: "blobs/", typ: tar.TypeDir}, file{name: "blobs", data: "x"}), archive.ErrDuplicate, `"blobs"`},
		{"truncated inside data", two[:secondHeader+512+700], archive.ErrTruncated, `"blobs/sha256/abc"`},
		{"truncated inside a header", two[:secondHeader+100], archive.ErrTruncated, `"oci-layout"`},
		{"size lies", lyingSize(t), archive.ErrTruncated, `"blobs/sha256/big"`},
		{"bad checksum", corruptHeader(two, secondHeader), archive.ErrInvalidHeader, `"bLobs/sha256/abc"`},
		{"not a tar", []byte(strings.Repeat("hello world ", 100)), archive.ErrNotTar, "offset 0"},
		{"a file as the root", buildTar(t, tar.FormatPAX, file{name: ".", data: "x"}), archive.ErrInvalidName, "root"},
		{"empty name", buildTar(t, tar.FormatPAX, file{name: "", data: "x"}), archive.ErrInvalidName, "empty name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := index(t, tc.data, nil)
			wantErr(t, "New", err, tc.want, tc.mention)
			_, _, err = streamAll(t, bytes.NewReader(tc.data), nil)
			wantErr(t, "Stream", err, tc.want, tc.mention)
		})
	}
}

// lyingSize is an archive whose only header claims 1 GiB of data that
// is not there.
func lyingSize(t *testing.T) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "blobs/sha256/big", Size: 1 << 30, Mode: 0o644})
	tw.Write(make([]byte, 100))
	return buf.Bytes() // not closed: the data stops after 100 bytes
}

func TestSpecialFilesAreNotBlobs(t *testing.T) {
	data := buildTar(t, tar.FormatPAX,
		file{name: "blobs/sha256/chr", typ: tar.TypeChar},
		file{name: "blobs/sha256/blk", typ: tar.TypeBlock},
		file{name: "blobs/sha256/fifo", typ: tar.TypeFifo},
		file{name: "blobs/sha256/dir/", typ: tar.TypeDir},
		file{name: "blobs/sha256/tochr", typ: tar.TypeSymlink, linkname: "chr"},
		file{name: "blobs/sha256/dangling", typ: tar.TypeSymlink, linkname: "nothing"},
		file{name: "blobs/sha256/loop1", typ: tar.TypeSymlink, linkname: "loop2"},
		file{name: "blobs/sha256/loop2", typ: tar.TypeSymlink, linkname: "loop1"},
	)
	a, err := index(t, data, nil)
	if err != nil {
		t.Fatalf("New: %v (special files are indexed, refused when opened)", err)
	}
	_, _, err = streamAll(t, bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	for _, tc := range []struct {
		name    string
		want    error
		mention string
	}{
		{"blobs/sha256/chr", archive.ErrNotRegular, "character device"},
		{"blobs/sha256/blk", archive.ErrNotRegular, "block device"},
		{"blobs/sha256/fifo", archive.ErrNotRegular, "named pipe"},
		{"blobs/sha256/dir", archive.ErrNotRegular, "directory"},
		{"blobs/sha256/tochr", archive.ErrNotRegular, `"blobs/sha256/chr" is a character device`},
		{"blobs/sha256/dangling", archive.ErrNotFound, `"blobs/sha256/nothing"`},
		{"blobs/sha256/loop1", archive.ErrLinkLoop, "loop1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Open(tc.name)
			wantErr(t, fmt.Sprintf("Open(%q)", tc.name), err, tc.want, tc.mention)
			if !strings.Contains(err.Error(), tc.name) {
				t.Errorf("Open(%q) = %q, want it to name the entry", tc.name, err)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	files := []file{{name: "a", data: "1"}, {name: "bb", data: "2"}, {name: "ccc", data: "3"}, {name: "d/", typ: tar.TypeDir}}
	data := buildTar(t, tar.FormatUSTAR, files...)
	for _, tc := range []struct {
		name    string
		opts    archive.Options
		mention string
	}{
		{"entries", archive.Options{MaxEntries: 3}, `"d/"`},
		{"name bytes", archive.Options{MaxNameBytes: 5}, `"ccc"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := index(t, data, &tc.opts)
			wantErr(t, "New", err, archive.ErrLimit, tc.mention)
			_, _, err = streamAll(t, bytes.NewReader(data), &tc.opts)
			wantErr(t, "Stream", err, archive.ErrLimit, tc.mention)
		})
	}
	if _, err := index(t, data, &archive.Options{MaxEntries: 4, MaxNameBytes: 7}); err != nil {
		t.Errorf("New with limits just met = %v, want nil", err)
	}
}

func TestEntryErrorIsTyped(t *testing.T) {
	_, err := index(t, buildTar(t, tar.FormatPAX, file{name: "../x", data: "1"}), nil)
	var ee *archive.EntryError
	if !errors.As(err, &ee) || ee.Name != "../x" || ee.Offset != 0 {
		t.Fatalf("New(../x) = %v, want an *EntryError for ../x at offset 0", err)
	}
}

// rawHeader builds a USTAR header block by hand.
func rawHeader(name string, typ byte, size int64) []byte {
	blk := make([]byte, 512)
	copy(blk[0:100], name)
	copy(blk[100:108], "0000644\x00")
	copy(blk[108:116], "0000000\x00")
	copy(blk[116:124], "0000000\x00")
	copy(blk[124:136], fmt.Sprintf("%011o\x00", size))
	copy(blk[136:148], "00000000000\x00")
	blk[156] = typ
	copy(blk[257:265], "ustar\x0000")
	copy(blk[148:156], "        ")
	var sum int64
	for _, c := range blk {
		sum += int64(c)
	}
	copy(blk[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return blk
}

func pad(b []byte) []byte { return append(b, make([]byte, (512-len(b)%512)%512)...) }

func TestSizeNearMaxInt64(t *testing.T) {
	// A PAX size record of 2^63-1: the check of the data's end must not
	// overflow.
	record := "28 size=9223372036854775807\n"
	var data []byte
	data = append(data, rawHeader("PaxHeaders/big", tar.TypeXHeader, int64(len(record)))...)
	data = append(data, pad([]byte(record))...)
	data = append(data, rawHeader("big", tar.TypeReg, 1)...)
	data = append(data, pad([]byte("x"))...)
	data = append(data, make([]byte, 1024)...)
	_, err := index(t, data, nil)
	wantErr(t, "New", err, archive.ErrTruncated, `"big"`)
}
