package digesters

import (
	"archive/tar"
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkTarCheck writes a 64 MiB tar archive to the tar check in
// BufferSize writes: entries of 512 B (headers and contents read in
// turn) and of 1 MiB (contents skipped across writes).
func BenchmarkTarCheck(b *testing.B) {
	for _, size := range []int{512, 1 << 20} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		body := make([]byte, size)
		for i := 0; buf.Len() < 64<<20; i++ {
			if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%07d", i), Mode: 0o644, Size: int64(size)}); err != nil {
				b.Fatal(err)
			}
			tw.Write(body)
		}
		tw.Close()
		data := buf.Bytes()
		b.Run(fmt.Sprintf("entry=%d", size), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				tc := newTarCheck()
				for p := data; len(p) > 0; {
					n := min(len(p), BufferSize)
					tc.Write(p[:n])
					p = p[n:]
				}
				if err := tc.finish(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
