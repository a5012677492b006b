package image_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/image"
	"github.com/concil-go/ocispec/layer"
	"github.com/concil-go/ocispec/layout"
)

// TestIndex: an index of two platforms lists each stored manifest by
// its digest (bytes kept), Replace swaps one platform's image, and two
// images of one platform are refused.
func TestIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	l, err := layout.Create(src, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64", "riscv64"} {
		bl, file := buildLayer(t, dir, layer.File(arch+".txt", []byte(arch)))
		img := image.New(oci.Format, core.Platform{OS: "linux", Architecture: arch}, time.Time{})
		img.AppendLayer(bl.Descriptor(), bl.DiffID, layout.FromFile(file), nil)
		if _, err := img.Write(ctx, l, &layout.WriteOptions{Tag: arch}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	for _, f := range []core.Format{oci.Format, docker.Format} {
		t.Run(f.Describe().Name, func(t *testing.T) {
			out, err := layout.Create(filepath.Join(t.TempDir(), "multi"), layout.OCI)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			var members []image.Member
			for _, arch := range []string{"amd64", "arm64"} {
				m, err := image.MemberOf(ctx, out, open(t, "oci:"+src+":"+arch), nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				members = append(members, m)
			}
			rv, err := image.MemberOf(ctx, out, open(t, "oci:"+src+":riscv64"), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			rv.Platform = core.Platform{OS: "linux", Architecture: "arm64"} // as if riscv64's image were arm64's
			replaced := image.Replace(members, rv)
			if len(replaced) != 2 || replaced[1].Descriptor.Digest != rv.Descriptor.Digest || members[1].Descriptor.Digest == rv.Descriptor.Digest {
				t.Fatalf("Replace = %+v", replaced)
			}
			if _, err := image.WriteIndex(ctx, out, f, append(members, members[0]), nil); err == nil {
				t.Errorf("WriteIndex of two amd64 images = nil, want an error")
			}
			d, err := image.WriteIndex(ctx, out, f, members, &layout.WriteOptions{Tag: "v1"})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := out.ReadBlob(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			var ix struct {
				MediaType string
				Manifests []struct {
					Digest   string
					Platform struct{ Architecture string }
				}
			}
			if err := json.Unmarshal(raw, &ix); err != nil || ix.MediaType != f.Describe().IndexMediaType || len(ix.Manifests) != 2 {
				t.Fatalf("index %s: %v", raw, err)
			}
			for i, m := range ix.Manifests {
				if m.Digest != string(members[i].Descriptor.Digest) || m.Platform.Architecture != members[i].Platform.Architecture {
					t.Errorf("manifests[%d] = %+v, want %s for %s", i, m, members[i].Descriptor.Digest, members[i].Platform)
				}
				stored, err := out.ReadBlob(ctx, members[i].Descriptor)
				if err != nil || string(stored) != string(members[i].Bytes) {
					t.Errorf("manifest %d not stored byte for byte: %v", i, err)
				}
			}
			if err := out.VerifyWith(ctx, layout.VerifyOptions{Layers: true}); err != nil {
				t.Errorf("VerifyWith = %v", err)
			}
		})
	}
}
