package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layer"
)

// TestSameBytesAsLayer checks that zstdfloor encodes a tar stream into
// the bytes package layer writes for the same entries as tar+zstd, so
// that what rows.sh times as the floor is the encoding pack does. The
// entries (about 12 MiB: text, random bytes, zeros) span more than the
// encoder's window and many of its blocks.
func TestSameBytesAsLayer(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var entries []layer.Entry
	for i := range 24 {
		data := make([]byte, 1<<19+i*4099)
		switch i % 3 {
		case 0:
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
		case 1:
			var b bytes.Buffer
			for b.Len() < len(data) {
				fmt.Fprintf(&b, "line %d of file %d: %x\n", b.Len(), i, rng.Uint32()%64)
			}
			copy(data, b.Bytes())
		}
		entries = append(entries, layer.File(fmt.Sprintf("d%d/f%02d", i%4, i), data))
	}
	build := func(c core.Compression) []byte {
		t.Helper()
		var b bytes.Buffer
		if _, err := layer.Build(context.Background(), &b, layer.Options{Compression: c}, layer.FromEntries(entries...)); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	tarStream, want := build(core.Uncompressed), build(core.Zstd)
	var got bytes.Buffer
	if err := compress(&got, tarStream); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("zstdfloor wrote %d bytes, package layer %d: not the same bytes; give zstdfloor the options of layer's zstd encoder", got.Len(), len(want))
	}
}
