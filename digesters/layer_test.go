package digesters

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
)

// makeTar builds a tar of files whose contents mix text and noise, so it
// compresses to about half.
func makeTar(t testing.TB, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	noise := pattern(size)
	for i := 0; buf.Len() < size; i++ {
		n := min(256<<10, size-buf.Len()+1)
		body := make([]byte, 0, n)
		for len(body) < n {
			body = append(body, fmt.Sprintf("line %d of file %d\n", len(body), i)...)
			body = append(body, noise[len(body)%len(noise):][:min(40, len(noise)-len(body)%len(noise))]...)
		}
		body = body[:n]
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%03d", i), Mode: 0o644, Size: int64(n)}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	return buf.Bytes()
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func zstded(t testing.TB, b []byte, opts ...zstd.EOption) []byte {
	zw, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return zw.EncodeAll(b, nil)
}

func TestDigestLayer(t *testing.T) {
	small := makeTar(t, 10<<10)
	mid := makeTar(t, BufferSize+BufferSize/4) // gzip is slow under -race
	big := makeTar(t, 6*BufferSize)            // several times the pipeline depth
	gzMid := gzipped(t, mid)
	zstBig := zstded(t, big)
	tests := []struct {
		name       string
		compressed []byte
		tar        []byte
		c          core.Compression
	}{
		{"gzip small", gzipped(t, small), small, Detect},
		{"gzip mid", gzMid, mid, Detect},
		{"gzip mid declared", gzMid, mid, core.Gzip},
		{"gzip two members", append(gzipped(t, mid[:BufferSize]), gzipped(t, mid[BufferSize:])...), mid, Detect},
		{"zstd small", zstded(t, small), small, Detect},
		{"zstd big", zstBig, big, Detect},
		{"zstd big declared", zstBig, big, core.Zstd},
		{"zstd two frames", append(zstded(t, big[:100]), zstded(t, big[100:])...), big, Detect},
		{"plain", big, big, Detect},
		{"plain declared", small, small, core.Uncompressed},
		{"empty", nil, nil, Detect},
		{"gzip of empty", gzipped(t, nil), nil, Detect},
	}
	for _, tt := range tests {
		for i, algs := range [][]digest.Algorithm{nil, {core.SHA512, core.SHA256}} {
			if i == 1 && len(tt.tar) > BufferSize && tt.c == Detect {
				continue // declared and small cases cover several algorithms; keeps -race fast
			}
			t.Run(fmt.Sprintf("%s/%v", tt.name, algs), func(t *testing.T) {
				c, u, err := DigestLayerAs(context.Background(), bytes.NewReader(tt.compressed), tt.c, algs...)
				if err != nil {
					t.Fatalf("DigestLayerAs(%s) = %v", tt.name, err)
				}
				if want := wantResult(tt.compressed, algs); !equalResult(c, want) {
					t.Errorf("DigestLayerAs(%s) compressed = %v, want %v", tt.name, c, want)
				}
				if want := wantResult(tt.tar, algs); !equalResult(u, want) {
					t.Errorf("DigestLayerAs(%s) uncompressed = %v, want %v", tt.name, u, want)
				}
			})
		}
	}
}

func TestDigestLayerDefaultAndFile(t *testing.T) {
	tarb := makeTar(t, BufferSize)
	gz := gzipped(t, tarb)
	c, u, err := DigestLayer(context.Background(), bytes.NewReader(gz))
	if err != nil || c.Digests[0] != reference(core.SHA256, gz) || u.Digests[0] != reference(core.SHA256, tarb) || c.Size != int64(len(gz)) || u.Size != int64(len(tarb)) {
		t.Errorf("DigestLayer(gzip) = %v, %v, %v", c, u, err)
	}
	path := writeFile(t, "layer.tar.zst", zstded(t, tarb))
	var progress int64
	e := &Engine{Progress: func(n int64) { progress += n }}
	c2, u2, err := e.DigestLayerFile(context.Background(), path, Detect, core.BLAKE3)
	if err != nil || u2.Digests[0] != reference(core.BLAKE3, tarb) || progress != c2.Size {
		t.Errorf("DigestLayerFile(zstd) = %v, %v, %v with progress %d", c2, u2, err, progress)
	}
}

func TestDetectCompression(t *testing.T) {
	tests := []struct {
		head []byte
		want core.Compression
	}{
		{[]byte{0x1f, 0x8b, 8, 0}, core.Gzip},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0}, core.Zstd},
		{[]byte{0x28, 0xb5, 0x2f}, core.Uncompressed},
		{[]byte("ustar"), core.Uncompressed},
		{nil, core.Uncompressed},
	}
	for _, tt := range tests {
		if got := DetectCompression(tt.head); got != tt.want {
			t.Errorf("DetectCompression(%x) = %q, want %q", tt.head, got, tt.want)
		}
	}
}
