package unpack_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/concil-go/ocispec/unpack"
)

// TestHostileLayers unpacks layers built to escape or abuse the
// folder: each is refused with an error naming the entry, nothing is
// written outside the folder, and nothing is left under the output's
// name or beside it.
func TestHostileLayers(t *testing.T) {
	dev := &tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Mode: 0o666, Devmajor: 1, Devminor: 3, ModTime: epoch}
	cases := []struct {
		name    string
		entries []entry
		entry   string // the entry the error must name
		want    error
		export  bool // Export takes it (device nodes)
	}{
		{"dot-dot", []entry{fileE("../escaped", 0o644, "x")}, "../escaped", unpack.ErrUnsafePath, false},
		{"dot-dot inside", []entry{dirE("a/", 0o755), fileE("a/../../escaped", 0o644, "x")}, "a/../../escaped", unpack.ErrUnsafePath, false},
		{"absolute", []entry{fileE("/escaped", 0o644, "x")}, "/escaped", unpack.ErrUnsafePath, false},
		{"symlink to outside then a file through it", []entry{symE("l", "../outside"), fileE("l/escaped", 0o644, "x")}, "l/escaped", unpack.ErrUnsafePath, false},
		{"absolute symlink then a file through it", []entry{symE("l", "/tmp"), fileE("l/escaped", 0o644, "x")}, "l/escaped", unpack.ErrUnsafePath, false},
		{"symlink then a folder through it", []entry{symE("l", "../outside"), dirE("l/sub/", 0o755)}, "l/sub/", unpack.ErrUnsafePath, false},
		{"symlink then a whiteout through it", []entry{symE("l", "../outside"), wh("l/.wh.victim")}, "l/.wh.victim", unpack.ErrUnsafePath, false},
		{"symlink then an opaque whiteout through it", []entry{symE("l", "../outside"), wh("l/.wh..wh..opq")}, "l/.wh..wh..opq", unpack.ErrUnsafePath, false},
		{"whiteout of the folder above", []entry{wh(".wh..")}, ".wh..", unpack.ErrUnsafePath, false},
		{"hard link to outside", []entry{linkE("h", "../outside/victim")}, "h", unpack.ErrHardLink, false},
		{"hard link to an absolute path", []entry{linkE("h", "/etc/passwd")}, "h", unpack.ErrHardLink, false},
		{"hard link through a symlink to outside", []entry{symE("l", "../outside"), linkE("h", "l/victim")}, "h", unpack.ErrHardLink, false},
		{"hard link to nothing", []entry{linkE("h", "missing")}, "h", unpack.ErrHardLink, false},
		{"hard link to a folder", []entry{dirE("d/", 0o755), linkE("h", "d")}, "h", unpack.ErrHardLink, false},
		{"device node", []entry{dirE("dev/", 0o755), {hdr: dev}}, "dev/null", unpack.ErrDevice, true},
		{"truncated file", []entry{{hdr: &tar.Header{Typeflag: tar.TypeReg, Name: "big", Mode: 0o644, Size: 10 << 30, ModTime: epoch}}}, "", unpack.ErrNotLayer, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			outside := filepath.Join(dir, "outside")
			os.Mkdir(outside, 0o755)
			os.WriteFile(filepath.Join(outside, "victim"), []byte("victim"), 0o644)
			img := filepath.Join(dir, "image")
			writeImage(t, img, plain(rawTar(t, c.entries)))
			work := filepath.Join(dir, "work")
			os.Mkdir(work, 0o755)
			out := filepath.Join(work, "rootfs")
			_, err := unpack.Unpack(ctxT(t), openSource(t, img), out, nil)
			if !errors.Is(err, c.want) {
				t.Fatalf("Unpack = %v, want %v", err, c.want)
			}
			var le *unpack.LayerError
			if c.entry != "" && (!errors.As(err, &le) || le.Entry != c.entry || !strings.Contains(err.Error(), fmt.Sprintf("%q", c.entry))) {
				t.Errorf("Unpack = %v, want an error naming entry %q", err, c.entry)
			}
			if left, _ := os.ReadDir(work); len(left) != 0 {
				t.Errorf("left in the output's folder: %v", left)
			}
			got := snapshot(t, outside, false)
			if len(got) != 1 || got["victim"].Size != 6 {
				t.Errorf("outside the folder: %v", got)
			}
			if _, err := os.Lstat(filepath.Join(dir, "escaped")); err == nil {
				t.Errorf("a file was written outside the folder")
			}

			var flat bytes.Buffer
			_, err = unpack.Export(ctxT(t), openSource(t, img), &flat, nil)
			switch {
			case c.export && err != nil:
				t.Errorf("Export = %v, want nil", err)
			case c.export:
			case !errors.Is(err, c.want):
				t.Errorf("Export = %v, want %v", err, c.want)
			case c.entry != "" && (!errors.As(err, &le) || le.Entry != c.entry):
				t.Errorf("Export = %v, want an error naming entry %q", err, c.entry)
			case flat.Len() != 0:
				t.Errorf("Export wrote %d bytes before failing", flat.Len())
			}
		})
	}
}

// rawTar writes entries as tarOf does, but lets a regular file's body
// be shorter than its header says (a truncated layer).
func rawTar(t *testing.T, entries []entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, en := range entries {
		h := *en.hdr
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(en.body))
		if int64(len(en.body)) < h.Size {
			tw.Write(make([]byte, 1000)) // then the stream ends
			buf.Truncate(buf.Len())
			return buf.Bytes()
		}
	}
	tw.Close()
	return buf.Bytes()
}

// TestSparseFile unpacks a layer whose one entry is a GNU sparse file
// (PAX format 1.0) claiming 10 GiB (1 GiB under the race detector),
// with one byte of data at its end: the file has its size and its
// byte, and takes almost no room.
func TestSparseFile(t *testing.T) {
	size := int64(10 << 30)
	if raceEnabled {
		size = 1 << 30
	}
	var buf bytes.Buffer
	pax := paxRecords(map[string]string{
		"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
		"GNU.sparse.name": "big", "GNU.sparse.realsize": fmt.Sprint(size),
	})
	buf.Write(ustar(t, "PaxHeaders/big", 'x', int64(len(pax))))
	buf.Write(pad(pax))
	sparseMap := pad([]byte(fmt.Sprintf("1\n%d\n1\n", size-1)))
	buf.Write(ustar(t, "GNUSparseFile.0/big", '0', int64(len(sparseMap))+1))
	buf.Write(sparseMap)
	buf.Write(pad([]byte("x")))
	buf.Write(make([]byte, 1024))

	dir := t.TempDir()
	img := filepath.Join(dir, "image")
	writeImage(t, img, gz(t, buf.Bytes()))
	out := filepath.Join(dir, "rootfs")
	if _, err := unpack.Unpack(ctxT(t), openSource(t, img), out, nil); err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	fi, err := os.Stat(filepath.Join(out, "big"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != size {
		t.Errorf("size %d, want %d", fi.Size(), size)
	}
	if used := fi.Sys().(*syscall.Stat_t).Blocks * 512; used > 1<<20 {
		t.Errorf("the sparse file of %d bytes takes %d bytes of disk", size, used)
	}
	f, _ := os.Open(filepath.Join(out, "big"))
	defer f.Close()
	last := make([]byte, 2)
	if _, err := f.ReadAt(last, size-2); err != nil || string(last) != "\x00x" {
		t.Errorf("last bytes %q, %v", last, err)
	}
}

func paxRecords(recs map[string]string) []byte {
	var b bytes.Buffer
	for _, k := range []string{"GNU.sparse.major", "GNU.sparse.minor", "GNU.sparse.name", "GNU.sparse.realsize"} {
		rec := " " + k + "=" + recs[k] + "\n"
		// The length counts its own digits.
		l := len(rec) + len(fmt.Sprint(len(rec)))
		if len(fmt.Sprint(l)) != len(fmt.Sprint(len(rec))) {
			l++
		}
		fmt.Fprintf(&b, "%d%s", l, rec)
	}
	return b.Bytes()
}

func pad(b []byte) []byte {
	if r := len(b) % 512; r != 0 {
		b = append(b, make([]byte, 512-r)...)
	}
	return b
}

// ustar is a ustar header block, written by hand.
func ustar(t *testing.T, name string, typ byte, size int64) []byte {
	b := make([]byte, 512)
	copy(b[0:], name)
	copy(b[100:], "0000644\x00")
	copy(b[108:], "0000000\x00")
	copy(b[116:], "0000000\x00")
	copy(b[124:], fmt.Sprintf("%011o\x00", size))
	copy(b[136:], fmt.Sprintf("%011o\x00", epoch.Unix()))
	b[156] = typ
	copy(b[257:], "ustar\x0000")
	copy(b[148:], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
	return b
}
