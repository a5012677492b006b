package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// jsonDigestLine is the reference for appendDigestLine: the line as
// a.result writes it with encoding/json (SetEscapeHTML(false)) from a
// struct with the descriptor's fields and maps.
func jsonDigestLine(t *testing.T, mediaType, file string, res, plain digesters.Result, algs int, layer bool) string {
	t.Helper()
	type line struct {
		MediaType   string                   `json:"mediaType"`
		Digest      digest.Digest            `json:"digest"`
		Size        int64                    `json:"size"`
		Annotations map[string]string        `json:"annotations,omitempty"`
		Digests     map[string]digest.Digest `json:"digests,omitempty"`
		DiffID      digest.Digest            `json:"diffID,omitempty"`
		DiffIDs     map[string]digest.Digest `json:"diffIDs,omitempty"`
	}
	byAlg := func(ds []digest.Digest) map[string]digest.Digest {
		m := map[string]digest.Digest{}
		for _, d := range ds {
			m[string(d.Algorithm())] = d
		}
		return m
	}
	l := line{MediaType: mediaType, Digest: res.Digests[0], Size: res.Size}
	if file != "-" {
		l.Annotations = map[string]string{AnnotationTitle: file}
	}
	if algs > 1 {
		l.Digests = byAlg(res.Digests)
	}
	if layer {
		l.DiffID = plain.Digests[0]
		if algs > 1 {
			l.DiffIDs = byAlg(plain.Digests)
		}
	}
	var buf bytes.Buffer
	if err := (&app{stdout: &buf}).result(l); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// namePieces are what the random file names of TestAppendDigestLine are
// made of: the characters encoding/json escapes or writes apart (quote,
// backslash, control characters, DEL, HTML's, U+2028 and U+2029),
// multi-byte and astral characters, and invalid UTF-8.
var namePieces = []string{
	"layer", ".tar.gz", "/", "dir/", " ", "-", "_", "0", "Z",
	`"`, `\`, "\x00", "\x01", "\b", "\t", "\n", "\f", "\r", "\x1b", "\x1f", "\x7f",
	"<", ">", "&", "'", "\u2028", "\u2029", "é", "€", "\ufeff", "😀", "𝄞", "\U0010ffff",
	"\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xed\xa0\x80", "\xc0\xaf", "\xfe", "\xff",
}

// TestAppendDigestLine: the line digest writes by hand is byte for byte
// the one encoding/json writes, for file names with every kind of
// character encoding/json treats apart, standard input, media types,
// sizes, one or several algorithms (one of them twice, in any order),
// with and without --layer.
func TestAppendDigestLine(t *testing.T) {
	sum := func(alg digest.Algorithm, s string) digest.Digest {
		h := sha256.Sum256([]byte(string(alg) + s))
		n := map[digest.Algorithm]int{core.SHA256: 32, core.SHA512: 64, core.BLAKE3: 32}[alg]
		return digest.Digest(string(alg) + ":" + strings.Repeat(hex.EncodeToString(h[:]), 2)[:2*n])
	}
	algSets := [][]digest.Algorithm{
		{core.SHA256},
		{core.SHA512},
		{core.SHA256, core.SHA512},
		{core.SHA512, core.BLAKE3, core.SHA256},
		{core.SHA256, core.SHA256},
		{core.BLAKE3, core.SHA256, core.BLAKE3, core.SHA512},
	}
	mediaTypes := []string{"application/octet-stream", "application/vnd.oci.image.layer.v1.tar+gzip", `odd "type" <&> ` + "\u2028\x01\xff"}
	sizes := []int64{0, 1, 4096, math.MaxInt64}
	names := []string{"-", "f", "", "layer.tar.gz"}
	r := rand.New(rand.NewPCG(2028, 2029))
	for range 3000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(namePieces[r.IntN(len(namePieces))])
		}
		names = append(names, b.String())
	}
	for i, name := range names {
		algs := algSets[i%len(algSets)]
		var res, plain digesters.Result
		res.Size, plain.Size = sizes[i%len(sizes)], sizes[(i+1)%len(sizes)]
		for _, alg := range algs {
			res.Digests = append(res.Digests, sum(alg, name))
			plain.Digests = append(plain.Digests, sum(alg, "plain "+name))
		}
		mediaType := mediaTypes[i%len(mediaTypes)]
		for _, layer := range []bool{false, true} {
			got := string(appendDigestLine([]byte("previous line\n"), mediaType, name, res, plain, len(algs), layer))
			want := "previous line\n" + jsonDigestLine(t, mediaType, name, res, plain, len(algs), layer)
			if got != want {
				t.Fatalf("appendDigestLine(%q, %q, %v, layer %v) =\n%s\nwant (encoding/json)\n%s", mediaType, name, algs, layer, got, want)
			}
		}
	}
}

// TestDigestChunks: with more files than one chunk, every line comes in
// the order of the files, with the digest crypto/sha256 gives; a file
// that cannot be read in a later chunk fails the command with its name,
// after the lines of the chunks before it, and only those.
func TestDigestChunks(t *testing.T) {
	defer func(n int) { digestChunk = n }(digestChunk)
	digestChunk = 7
	dir := t.TempDir()
	var names, want []string
	for i := range 40 {
		name := filepath.Join(dir, fmt.Sprintf("f%02d", (i*17)%40)) // not in name order
		data := strings.Repeat(fmt.Sprintf("file %d\n", i), i)
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(data))
		names = append(names, name)
		want = append(want, fmt.Sprintf(`{"mediaType":"application/octet-stream","digest":"sha256:%x","size":%d,"annotations":{"org.opencontainers.image.title":%q}}`, sum, len(data), name))
	}
	code, stdout, stderr := runMain(context.Background(), append([]string{"digest"}, names...)...)
	if code != ExitOK {
		t.Fatalf("digest of %d files: exit %d, %s", len(names), code, stderr)
	}
	if got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("digest of %d files printed\n%s\nwant\n%s", len(names), stdout, strings.Join(want, "\n"))
	}

	missing := filepath.Join(dir, "missing")
	args := append([]string{"digest"}, names[:23]...)
	args = append(append(args, missing), names[23:]...) // the 24th file, in the fourth chunk
	code, stdout, stderr = runMain(context.Background(), args...)
	if code != ExitError || !strings.Contains(stderr, missing) || !strings.Contains(stderr, "no such file") {
		t.Errorf("digest with a missing 24th file: exit %d, stderr %q; want %d naming it", code, stderr, ExitError)
	}
	if wantOut := strings.Join(want[:21], "\n") + "\n"; stdout != wantOut {
		t.Errorf("digest with a missing 24th file printed\n%s\nwant the lines of the three chunks before it\n%s", stdout, wantOut)
	}
}
