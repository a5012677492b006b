package layout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/opencontainers/go-digest"
)

// repeatedIndexLayout builds a layout of one image, an
// index listing it, and above it levels indexes that each list the one
// below fan times; index.json lists the top index. The layout is a few
// kilobytes, and a walk that expands an index each time it is reached
// reads fan^levels documents.
func repeatedIndexLayout(t *testing.T, levels, fan int) (*Layout, core.Descriptor, core.Descriptor) {
	t.Helper()
	ctx := context.Background()
	l, err := Create(filepath.Join(t.TempDir(), "l"), OCI)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	cd := core.DescriptorFromBytes(oci.MediaTypeConfig, config)
	m := core.Manifest{Config: cd, Layers: []core.Descriptor{}}
	raw, err := oci.Format.EncodeManifest(ctx, m, core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	md := core.DescriptorFromBytes(oci.MediaTypeManifest, raw)
	for _, b := range []struct {
		d   core.Descriptor
		raw []byte
	}{{cd, config}, {md, raw}} {
		if err := l.PutBlob(ctx, b.d, FromBytes(b.raw), nil); err != nil {
			t.Fatal(err)
		}
	}
	child := md
	for range levels {
		ix := core.Index{}
		for range fan {
			ix.Manifests = append(ix.Manifests, child)
		}
		b, err := core.EncodeIndex(ctx, oci.Format, ix, core.EncodingCompact)
		if err != nil {
			t.Fatal(err)
		}
		child = core.DescriptorFromBytes(oci.MediaTypeIndex, b)
		if err := l.PutBlob(ctx, child, FromBytes(b), nil); err != nil {
			t.Fatal(err)
		}
	}
	top := child.Clone()
	top.Annotations = map[string]string{AnnotationRefName: "deep"}
	err = l.impl.(*ociKind).updateIndexJSON(ctx, func(ix *core.Index) error {
		ix.Manifests = append(ix.Manifests, top)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l, top, md
}

// TestWalkReadsEachIndexOnce: listing, finding by digest and choosing
// an image in a layout whose index lists the same child index ten
// times, six levels deep, read each of the six indexes once (a walk that
// re-expands them reads 111,111).
func TestWalkReadsEachIndexOnce(t *testing.T) {
	ctx := context.Background()
	const levels, fan = 6, 10
	l, top, manifest := repeatedIndexLayout(t, levels, fan)
	tests := []struct {
		name string
		run  func() error
		max  int64 // documents read at most
	}{
		{"List", func() error {
			entries, err := l.List(ctx)
			if err == nil && len(entries) != 1+levels*fan {
				return fmt.Errorf("%d entries, want %d", len(entries), 1+levels*fan)
			}
			return err
		}, levels},
		{"Find by digest", func() error {
			e, err := l.Find(ctx, Selector{Digest: manifest.Digest})
			if err == nil && (e.Depth != levels || e.Tag != "deep") {
				return fmt.Errorf("entry at depth %d with tag %q, want %d and %q", e.Depth, e.Tag, levels, "deep")
			}
			return err
		}, levels},
		{"Image by tag", func() error {
			img, err := l.Image(ctx, Selector{Tag: "deep", Platform: &core.Platform{OS: "linux", Architecture: "amd64"}})
			if err == nil {
				err = fmt.Errorf("Image = %s, want an error: the indexes' entries have no platform", img.Descriptor.Digest)
			}
			if errors.Is(err, core.ErrNotFound) {
				return nil
			}
			return err
		}, 1},
		{"Verify", func() error { return l.Verify(ctx) }, levels + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := l.docReads.Load()
			if err := tt.run(); err != nil {
				t.Fatal(err)
			}
			if got := l.docReads.Load() - before; got > tt.max {
				t.Errorf("%s read %d documents, want at most %d (layout of %d distinct indexes)", tt.name, got, tt.max, levels)
			}
		})
	}
	_ = top
}

// TestWalkBudget: a walk over more nested entries than the budget stops
// with an error saying so, instead of growing with the graph. The
// budget is lowered to 50 for the test: 30 distinct indexes of two
// entries each are 90 entries below the top.
func TestWalkBudget(t *testing.T) {
	ctx := context.Background()
	l, err := Create(filepath.Join(t.TempDir(), "l"), OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	raw, _ := oci.Format.EncodeManifest(ctx, core.Manifest{Config: core.DescriptorFromBytes(oci.MediaTypeConfig, []byte("{}")), Layers: []core.Descriptor{}}, core.EncodingCompact)
	md := core.DescriptorFromBytes(oci.MediaTypeManifest, raw)
	l.PutBlob(ctx, md, FromBytes(raw), nil)
	var top core.Index
	for i := range 30 {
		b, _ := core.EncodeIndex(ctx, oci.Format, core.Index{Manifests: []core.Descriptor{md, md}, Annotations: map[string]string{"n": fmt.Sprint(i)}}, core.EncodingCompact)
		d := core.DescriptorFromBytes(oci.MediaTypeIndex, b)
		if err := l.PutBlob(ctx, d, FromBytes(b), nil); err != nil {
			t.Fatal(err)
		}
		top.Manifests = append(top.Manifests, d)
	}
	b, _ := core.EncodeIndex(ctx, oci.Format, top, core.EncodingCompact)
	td := core.DescriptorFromBytes(oci.MediaTypeIndex, b)
	l.PutBlob(ctx, td, FromBytes(b), nil)
	l.impl.(*ociKind).updateIndexJSON(ctx, func(ix *core.Index) error {
		ix.Manifests = append(ix.Manifests, td)
		return nil
	})
	if entries, err := l.List(ctx); err != nil || len(entries) != 91 {
		t.Fatalf("List with the default budget = %d entries, %v; want 91", len(entries), err)
	}
	l.opts.maxNested = 50
	_, err = l.List(ctx)
	if !errors.Is(err, core.ErrTooLarge) || !strings.Contains(err.Error(), "more than 50 entries") {
		t.Fatalf("List past the budget = %v, want an error wrapping core.ErrTooLarge naming 50", err)
	}
	if _, err := l.Find(ctx, Selector{Digest: md.Digest}); !errors.Is(err, core.ErrTooLarge) {
		t.Errorf("Find by digest past the budget = %v, want core.ErrTooLarge", err)
	}
}

// TestIndexJSONLimit: a layout with 20,000 tags (an index.json over
// 4 MiB, which skopeo reads) is read; a write that would take index.json
// over the limit is refused with an error naming the limit and the way
// out, and leaves index.json as it was, readable.
func TestIndexJSONLimit(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "l")
	l, err := Create(dir, OCI)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := oci.Format.EncodeManifest(ctx, core.Manifest{Config: core.DescriptorFromBytes(oci.MediaTypeConfig, []byte("{}")), Layers: []core.Descriptor{}}, core.EncodingCompact)
	md := core.DescriptorFromBytes(oci.MediaTypeManifest, raw)
	if err := l.PutBlob(ctx, md, FromBytes(raw), nil); err != nil {
		t.Fatal(err)
	}
	l.Close()
	const tags = 20_000
	var buf bytes.Buffer
	buf.WriteString(`{"schemaVersion":2,"manifests":[`)
	for i := range tags {
		if i > 0 {
			buf.WriteByte(',')
		}
		entry, _ := json.Marshal(map[string]any{
			"mediaType": md.MediaType, "digest": md.Digest, "size": md.Size,
			"annotations": map[string]string{AnnotationRefName: fmt.Sprintf("registry.example.com/some/long/repository/name:tag-%06d", i)},
			"platform":    map[string]string{"architecture": "amd64", "os": "linux"},
		})
		buf.Write(entry)
	}
	buf.WriteString(`]}`)
	if buf.Len() <= core.DefaultMaxDocumentSize {
		t.Fatalf("index.json of %d bytes: the test needs one over %d", buf.Len(), core.DefaultMaxDocumentSize)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	l, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	entries, err := l.List(ctx)
	if err != nil || len(entries) != tags {
		t.Fatalf("List of a %d-byte index.json = %d entries, %v; want %d", buf.Len(), len(entries), err, tags)
	}
	if err := l.Tag(ctx, Selector{Tag: "registry.example.com/some/long/repository/name:tag-000007"}, "one-more"); err != nil {
		t.Fatalf("Tag with the default limit = %v", err)
	}
	// skopeo reads such a layout: the limit fits what real tools take.
	if _, err := exec.LookPath("skopeo"); err == nil || os.Getenv(tooltest.EnvRequire) != "" {
		tooltest.Need(t, "skopeo")
		if out, err := exec.Command("skopeo", "inspect", "--raw", "oci:"+dir+":one-more").CombinedOutput(); err != nil || string(out) != string(raw) {
			t.Errorf("skopeo inspect of the %d-tag layout = %v\n%s", tags+1, err, out)
		}
	}

	// A limit just above the current index.json: one more entry does not fit.
	fi, _ := os.Stat(filepath.Join(dir, "index.json"))
	before, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	small, err := Open(dir, WithMaxIndexSize(fi.Size()+10))
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	err = small.Tag(ctx, Selector{Tag: "one-more"}, "too-many")
	if !errors.Is(err, core.ErrTooLarge) {
		t.Fatalf("Tag past the limit = %v, want core.ErrTooLarge", err)
	}
	for _, want := range []string{"index.json", fmt.Sprint(fi.Size() + 10), "WithMaxIndexSize", "untag"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Tag past the limit = %q, want it to name %q", err, want)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "index.json")); !bytes.Equal(after, before) {
		t.Errorf("index.json changed by a refused write")
	}
	if _, err := small.List(ctx); err != nil {
		t.Errorf("List after a refused write = %v", err)
	}
	// Below the limit, reading says which limit and how to raise it.
	tiny, err := Open(dir, WithMaxIndexSize(1024))
	if err != nil {
		t.Fatal(err)
	}
	defer tiny.Close()
	if _, err := tiny.List(ctx); !errors.Is(err, core.ErrTooLarge) || !strings.Contains(err.Error(), "1024") || !strings.Contains(err.Error(), "WithMaxIndexSize") {
		t.Errorf("List over the limit = %v, want core.ErrTooLarge naming 1024 and WithMaxIndexSize", err)
	}
}

// FuzzIndexGraph: whatever graph of indexes a layout stores (shared
// children, repeats, deep chains, missing children), listing it, finding
// a manifest by digest and verifying it read each stored document at
// most once (plus index.json), so their cost is linear in what the
// layout stores, not in the number of paths through the graph.
//
// The input describes the graph: its first byte the number of indexes
// (1 to 12); then, for each index in turn, a count of entries (0 to 15)
// and one byte per entry naming what it lists: the manifest, a missing
// manifest, or one of the indexes built before it. index.json lists the
// last index and, by the final byte, possibly the first.
func FuzzIndexGraph(f *testing.F) {
	f.Add([]byte{6, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 10, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 10, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 10, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 10, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6})
	f.Add([]byte{12, 2, 0, 1, 2, 2, 2, 2, 3, 2, 2, 4, 3, 2, 5, 4, 2, 6, 5, 2, 7, 6, 2, 8, 7, 2, 9, 8, 2, 10, 9, 2, 11, 10, 2, 12, 11, 2, 13, 12, 1})
	f.Add([]byte{1, 0})
	f.Add([]byte{3, 1, 1, 15, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 0, 2})
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx := context.Background()
		next := func() int {
			if len(in) == 0 {
				return 0
			}
			b := in[0]
			in = in[1:]
			return int(b)
		}
		l, err := Create(filepath.Join(t.TempDir(), "l"), OCI)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		put := func(d core.Descriptor, b []byte) {
			if err := l.PutBlob(ctx, d, FromBytes(b), nil); err != nil {
				t.Fatal(err)
			}
		}
		config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
		cd := core.DescriptorFromBytes(oci.MediaTypeConfig, config)
		put(cd, config)
		raw, err := oci.Format.EncodeManifest(ctx, core.Manifest{Config: cd, Layers: []core.Descriptor{}}, core.EncodingCompact)
		if err != nil {
			t.Fatal(err)
		}
		md := core.DescriptorFromBytes(oci.MediaTypeManifest, raw)
		put(md, raw)
		missing := core.DescriptorFromBytes(oci.MediaTypeManifest, []byte(`{"schemaVersion":2}`))
		stored := map[digest.Digest]bool{md.Digest: true}
		var indexes []core.Descriptor
		n := 1 + next()%12
		for range n {
			var ix core.Index
			for range next() % 16 {
				switch c := next() % (len(indexes) + 2); c {
				case 0:
					ix.Manifests = append(ix.Manifests, md)
				case 1:
					ix.Manifests = append(ix.Manifests, missing)
				default:
					ix.Manifests = append(ix.Manifests, indexes[c-2])
				}
			}
			b, err := core.EncodeIndex(ctx, oci.Format, ix, core.EncodingCompact)
			if err != nil {
				t.Fatal(err)
			}
			d := core.DescriptorFromBytes(oci.MediaTypeIndex, b)
			put(d, b)
			stored[d.Digest] = true
			indexes = append(indexes, d)
		}
		top := []core.Descriptor{indexes[len(indexes)-1]}
		if next()%2 == 1 {
			top = append(top, indexes[0])
		}
		err = l.impl.(*ociKind).updateIndexJSON(ctx, func(ix *core.Index) error {
			ix.Manifests = append(ix.Manifests, top...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		bound := int64(len(stored)) + 1 // every stored document once, and index.json
		for _, op := range []struct {
			name string
			run  func() error
		}{
			{"List", func() error { _, err := l.List(ctx); return err }},
			{"Find", func() error { _, err := l.Find(ctx, Selector{Digest: md.Digest}); return err }},
			{"Verify", func() error { return l.Verify(ctx) }},
		} {
			before := l.docReads.Load()
			err := op.run()
			if errors.Is(err, context.Canceled) {
				t.Fatalf("%s: %v", op.name, err)
			}
			if got := l.docReads.Load() - before; got > bound {
				t.Fatalf("%s read %d documents of a layout that stores %d (err %v)", op.name, got, len(stored), err)
			}
		}
	})
}
