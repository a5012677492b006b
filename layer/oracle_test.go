package layer_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/layer"
	digest "github.com/opencontainers/go-digest"
	"github.com/zeebo/blake3"
)

// buildProcs is build with GOMAXPROCS set to procs.
func buildProcs(t testing.TB, procs int, opts layer.Options, sources ...layer.Source) (layer.Layer, []byte) {
	t.Helper()
	var l layer.Layer
	var b []byte
	withProcs(procs, func() struct{} { l, b = build(t, opts, sources...); return struct{}{} })
	return l, b
}

// TestToolsAgree checks every compression against the reference tools:
// sha256sum of the bytes written is the digest, the tool's
// decompression is the tar stream, sha256sum of which is the diffID;
// and the same layer comes out whatever the number of cores.
func TestToolsAgree(t *testing.T) {
	dir := t.TempDir()
	compatTree(t, dir)
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			l, b := buildProcs(t, 1, layer.Options{Compression: c}, layer.FromDir(dir))
			if got := sha256sum(t, b); got != l.Digest {
				t.Errorf("Digest = %s, sha256sum says %s", l.Digest, got)
			}
			plain := decompress(t, c, b)
			if got := sha256sum(t, plain); got != l.DiffID {
				t.Errorf("DiffID = %s, sha256sum of the decompressed layer says %s", l.DiffID, got)
			}
			if l.Size != int64(len(b)) || l.UncompressedSize != int64(len(plain)) {
				t.Errorf("sizes = %d, %d; want %d, %d", l.Size, l.UncompressedSize, len(b), len(plain))
			}
			if (c == core.Uncompressed) != (l.Digest == l.DiffID) {
				t.Errorf("%v: Digest %s, DiffID %s", c, l.Digest, l.DiffID)
			}
			for _, procs := range []int{2, 3, 8} {
				l2, b2 := buildProcs(t, procs, layer.Options{Compression: c}, layer.FromDir(dir))
				if !bytes.Equal(b2, b) || l2.Digest != l.Digest {
					t.Errorf("GOMAXPROCS=%d: digest %s (%d bytes), GOMAXPROCS=1 gave %s (%d bytes)", procs, l2.Digest, len(b2), l.Digest, len(b))
				}
			}
		})
	}
}

// TestReproducible builds two copies of a folder made with other
// permissions and times: the layers must be the same.
func TestReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	compatTree(t, a)
	compatTree(t, b)
	if err := filepath.Walk(b, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.Mode()&os.ModeSymlink != 0 {
			return err
		}
		if info.Mode().IsRegular() {
			os.Chmod(p, info.Mode()|0o066)
		}
		return os.Chtimes(p, time2020, time2020)
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range compressions {
		la, _ := build(t, layer.Options{Compression: c}, layer.FromDir(a))
		lb, _ := build(t, layer.Options{Compression: c}, layer.FromDir(b))
		if la.Digest != lb.Digest {
			t.Errorf("%v: copies with other modes and times give %s and %s", c, la.Digest, lb.Digest)
		}
	}
}

// TestReproducibleListing compares GNU tar's listing of a reproducible
// layer with the normalisation the package promises.
func TestReproducibleListing(t *testing.T) {
	dir := t.TempDir()
	compatTree(t, dir)
	_, b := build(t, layer.Options{ModTime: time2020}, layer.FromDir(dir))
	got := tarList(t, b)
	const when = "2020-01-02 03:04:05"
	long := "long/" + strings.Repeat("n", 120) + ".txt"
	want := []string{
		"drwxr-xr-x 0/0 0 " + when + " a/",
		"drwxr-xr-x 0/0 0 " + when + " a/b/",
		"-rw-r--r-- 0/0 5 " + when + " a/b/deep.txt",
		"lrwxrwxrwx 0/0 0 " + when + " a/motd -> ../etc/motd",
		"drwxr-xr-x 0/0 0 " + when + " a-b/",
		"-rw-r--r-- 0/0 5 " + when + " a-b/c",
		"-rw-r--r-- 0/0 4 " + when + " a.b",
		"drwxr-xr-x 0/0 0 " + when + " bin/",
		"-rwxr-xr-x 0/0 21 " + when + " bin/hello",
		"drwxr-xr-x 0/0 0 " + when + " data/",
		"-rw-r--r-- 0/0 3145745 " + when + " data/noise.bin",
		"-rwxr-xr-x 0/0 2097157 " + when + " data/text.txt",
		"drwxr-xr-x 0/0 0 " + when + " empty/",
		"drwxr-xr-x 0/0 0 " + when + " etc/",
		"-rw-r--r-- 0/0 8 " + when + " etc/motd",
		"-rw-r--r-- 0/0 8 " + when + " etc/motd.hard",
		"drwxr-xr-x 0/0 0 " + when + " long/",
		"-rw-r--r-- 0/0 10 " + when + " " + long,
		"-rw-r--r-- 0/0 0 " + when + " zero",
		"-rw-r--r-- 0/0 8 " + when + " \u00fcn\u00ef.txt",
	}
	compareLines(t, "tar -tv", squeeze(got), want)
}

// squeeze collapses runs of spaces, which GNU tar uses to align sizes.
func squeeze(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Join(strings.Fields(l), " ")
	}
	return out
}

func compareLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d lines, want %d:\n%s", what, len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("%s line %d = %q, want %q", what, i, got[i], want[i])
		}
	}
}

// TestDigesters computes sha256, sha512 and blake3 in one pass and
// checks each against the tools or the reference implementation.
func TestDigesters(t *testing.T) {
	dir := t.TempDir()
	compatTree(t, dir)
	ds := []core.Digester{digesters.SHA512, digesters.SHA256, digesters.BLAKE3}
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			l, b := build(t, layer.Options{Compression: c, Digesters: ds}, layer.FromDir(dir))
			plain := decompress(t, c, b)
			for i, data := range [][]byte{b, plain} {
				got := l.Digests
				if i == 1 {
					got = l.DiffIDs
				}
				s512 := sha512.Sum512(data)
				s3 := blake3.Sum256(data)
				want := []digest.Digest{
					digest.Digest("sha512:" + hex.EncodeToString(s512[:])),
					sha256sum(t, data),
					digest.Digest("blake3:" + hex.EncodeToString(s3[:])),
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("digests of stream %d = %v, want %v", i, got, want)
				}
			}
			if l.Digest != l.Digests[0] || l.DiffID != l.DiffIDs[0] {
				t.Errorf("Digest, DiffID = %s, %s; want the first digester's %s, %s", l.Digest, l.DiffID, l.Digests[0], l.DiffIDs[0])
			}
		})
	}
}
