package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	"github.com/klauspost/compress/zstd"
)

func gzipBytes(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(t testing.TB, data []byte) []byte {
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return zw.EncodeAll(data, nil)
}

func TestStreamCompressions(t *testing.T) {
	plain := buildTar(t, tar.FormatPAX, sample()...)
	for _, tc := range []struct {
		name string
		data []byte
		want core.Compression
	}{
		{"none", plain, core.Uncompressed},
		{"gzip", gzipBytes(t, plain), core.Gzip},
		{"zstd", zstdBytes(t, plain), core.Zstd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := archive.NewStream(context.Background(), bytes.NewReader(tc.data), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Compression() != tc.want {
				t.Errorf("Compression() = %v, want %v", s.Compression(), tc.want)
			}
			got, ix := map[string]string{}, s.Index()
			for {
				e, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if e.Type != archive.TypeReg {
					continue
				}
				// Read half through Read, the rest through ReadDocument.
				half := make([]byte, e.Size/2)
				if _, err := io.ReadFull(s, half); err != nil {
					t.Fatalf("Read(%s): %v", e.Name, err)
				}
				rest, err := s.ReadDocument(0)
				if err != nil {
					t.Fatalf("ReadDocument(%s): %v", e.Name, err)
				}
				got[e.Name] = string(half) + string(rest)
			}
			want := map[string]string{
				"blobs/sha256/aaaa": "first blob\n", "blobs/sha256/empty": "", longName: strings.Repeat("x", 1000), "index.json": `{"schemaVersion":2}`,
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("data = %v, want %v", got, want)
			}
			if ix.Len() != 8 {
				t.Errorf("Index().Len() = %d, want 8", ix.Len())
			}
			if e, err := ix.Resolve("dir/hard"); err != nil || e.Name != "blobs/sha256/aaaa" {
				t.Errorf("Index().Resolve(dir/hard) = %+v, %v, want blobs/sha256/aaaa", e, err)
			}
			if _, err := s.Next(); err != io.EOF {
				t.Errorf("Next after the end = %v, want io.EOF", err)
			}
		})
	}
}

// bomb is a compressed archive holding an entry of n zero bytes, then
// index.json.
func bomb(t testing.TB, comp core.Compression, n int64) []byte {
	var buf bytes.Buffer
	var zw io.WriteCloser
	switch comp {
	case core.Gzip:
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	case core.Zstd:
		zw, _ = zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
	}
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "manifest.json", Size: n, Mode: 0o644})
	zero := make([]byte, 1<<20)
	for left := n; left > 0; left -= int64(len(zero)) {
		tw.Write(zero[:min(left, int64(len(zero)))])
	}
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "index.json", Size: 2, Mode: 0o644})
	tw.Write([]byte("{}"))
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestStreamBombs(t *testing.T) {
	const size = 64 << 20
	for _, comp := range []core.Compression{core.Gzip, core.Zstd} {
		t.Run(comp.String(), func(t *testing.T) {
			data := bomb(t, comp, size)
			if len(data) > size/100 {
				t.Fatalf("the bomb is %d bytes compressed, not a bomb", len(data))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			s, err := archive.NewStream(context.Background(), bytes.NewReader(data), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			e, err := s.Next()
			if err != nil || e.Name != "manifest.json" || e.Size != size {
				t.Fatalf("Next() = %+v, %v, want manifest.json of %d bytes", e, err, size)
			}
			_, err = s.ReadDocument(1 << 20)
			wantErr(t, "ReadDocument(1 MiB)", err, core.ErrTooLarge, "manifest.json")
			e, err = s.Next() // decompresses the 64 MiB to skip them
			if err != nil || e.Name != "index.json" {
				t.Fatalf("Next() = %+v, %v, want index.json", e, err)
			}
			if b, err := s.ReadDocument(0); err != nil || string(b) != "{}" {
				t.Errorf("ReadDocument(index.json) = %q, %v, want {}", b, err)
			}
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
				t.Errorf("reading a stream with a %d-byte entry allocated %d bytes, want at most 16 MiB", size, got)
			}
		})
	}
}

func TestStreamLyingHeader(t *testing.T) {
	// The header claims 1 GiB; ReadDocument refuses it from the header
	// and reading it reports the truncation.
	data := gzipBytes(t, lyingSize(t))
	s, err := archive.NewStream(context.Background(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	_, err = s.ReadDocument(0)
	wantErr(t, "ReadDocument", err, core.ErrTooLarge, "blobs/sha256/big")
	_, err = io.Copy(io.Discard, s)
	wantErr(t, "Read", err, archive.ErrTruncated, "blobs/sha256/big")
}

func TestStreamCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := archive.NewStream(ctx, bytes.NewReader(bomb(t, core.Zstd, 8<<20)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := s.Next(); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel = %v, want context.Canceled", err)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// ociTar is an OCI layout as skopeo's oci-archive orders it: blobs
// first, index.json and oci-layout last.
func ociTar(t testing.TB, layer []byte, corruptLayer bool) (data []byte, layerDigest string) {
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layerDigest = sha(layer)
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":%q,"size":%d}]}`,
		sha(config), len(config), layerDigest, len(layer))
	index := fmt.Sprintf(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":%d}]}`, sha([]byte(manifest)), len(manifest))
	stored := layer
	if corruptLayer {
		stored = bytes.Clone(layer)
		stored[len(stored)/2] ^= 1
	}
	blob := func(d string) string { return "blobs/sha256/" + strings.TrimPrefix(d, "sha256:") }
	return buildTar(t, tar.FormatPAX,
		file{name: "blobs/", typ: tar.TypeDir},
		file{name: "blobs/sha256/", typ: tar.TypeDir},
		file{name: blob(sha(config)), data: string(config)},
		file{name: blob(layerDigest), data: string(stored)},
		file{name: blob(sha([]byte(manifest))), data: manifest},
		file{name: "index.json", data: index},
		file{name: "oci-layout", data: `{"imageLayoutVersion": "1.0.0"}`},
	), layerDigest
}

// commitSpool keeps an entry only when its reader ended with io.EOF, as
// a destination that renames a blob into place after a whole copy does.
type commitSpool struct {
	committed map[string][]byte
	failed    map[string]error
}

func (c *commitSpool) spool(_ context.Context, e archive.Entry, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		c.failed[e.Name] = err
		return err
	}
	c.committed[e.Name] = b
	return nil
}

func TestScanBlobsBeforeIndex(t *testing.T) {
	layer := bytes.Repeat([]byte("layer data "), 1000)
	plain, layerDigest := ociTar(t, layer, false)
	for name, data := range map[string][]byte{"none": plain, "gzip": gzipBytes(t, plain), "zstd": zstdBytes(t, plain)} {
		t.Run(name, func(t *testing.T) {
			sp := &commitSpool{committed: map[string][]byte{}, failed: map[string]error{}}
			res, err := archive.Scan(context.Background(), bytes.NewReader(data), &archive.ScanOptions{KeepSize: 4096, Spool: sp.spool})
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			layerName := "blobs/sha256/" + strings.TrimPrefix(layerDigest, "sha256:")
			if got := sp.committed[layerName]; !bytes.Equal(got, layer) {
				t.Errorf("spooled layer = %d bytes, want the %d-byte layer", len(got), len(layer))
			}
			if len(sp.committed) != 1 {
				t.Errorf("spooled %d entries, want only the layer", len(sp.committed))
			}
			for _, doc := range []string{"index.json", "oci-layout"} {
				if _, ok := res.Documents[doc]; !ok {
					t.Errorf("Documents lacks %s", doc)
				}
			}
			if len(res.Documents) != 4 { // index.json, oci-layout, config, manifest
				t.Errorf("Documents has %d entries, want 4", len(res.Documents))
			}
			for n, d := range res.Digests {
				b := res.Documents[n]
				if b == nil {
					b = sp.committed[n]
				}
				if got := sha(b); string(d) != got {
					t.Errorf("Digests[%s] = %s, want %s", n, d, got)
				}
			}
			if l, err := archive.DetectLayout(res.Index); err != nil || l.Kind != archive.LayoutOCI {
				t.Errorf("DetectLayout = %v, %v, want oci", l.Kind, err)
			}
		})
	}
}

func TestScanRefusesWrongBlobs(t *testing.T) {
	layer := bytes.Repeat([]byte("layer data "), 1000)
	plain, layerDigest := ociTar(t, layer, true)
	layerName := "blobs/sha256/" + strings.TrimPrefix(layerDigest, "sha256:")
	for _, keepSize := range []int64{4096, 1 << 20} { // the layer spooled, then kept
		t.Run(fmt.Sprint("keep=", keepSize), func(t *testing.T) {
			sp := &commitSpool{committed: map[string][]byte{}, failed: map[string]error{}}
			_, err := archive.Scan(context.Background(), bytes.NewReader(gzipBytes(t, plain)), &archive.ScanOptions{KeepSize: keepSize, Spool: sp.spool})
			wantErr(t, "Scan", err, core.ErrDigestMismatch, layerName)
			if _, ok := sp.committed[layerName]; ok {
				t.Errorf("the corrupt layer was committed")
			}
		})
	}
}

func TestScanWithoutSpoolStillDigests(t *testing.T) {
	data := buildTar(t, tar.FormatUSTAR, file{name: "0123/layer.tar", data: strings.Repeat("L", 5000)}, file{name: "manifest.json", data: "[]"})
	res, err := archive.Scan(context.Background(), bytes.NewReader(data), &archive.ScanOptions{KeepSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(res.Digests["0123/layer.tar"]), sha([]byte(strings.Repeat("L", 5000))); got != want {
		t.Errorf("Digests[layer.tar] = %s, want %s", got, want)
	}
	if _, ok := res.Documents["0123/layer.tar"]; ok {
		t.Errorf("a 5000-byte entry was kept with KeepSize 100")
	}
}
