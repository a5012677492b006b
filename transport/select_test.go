package transport_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

func imageNames(imgs []transport.Image) []string {
	var out []string
	for _, img := range imgs {
		out = append(out, strings.Join(img.Names, ","))
	}
	slices.Sort(out)
	return out
}

// TestMultiImage: a layout of two images goes with --all into an
// oci-archive and a docker-archive with every name, and each image can
// be named in them; without a name, a source of two images is an error
// listing both, never a silent choice.
func TestMultiImage(t *testing.T) {
	ociFmt, _ := formats()
	a := newImage(t, "amd64", map[string]string{"a": "1"})
	b := newImage(t, "arm64", map[string]string{"b": "2"})
	ociDir, ds := ociLayout(t, ociFmt, map[string]testImage{"example.com/a:v1": a, "example.com/b:v2": b})
	dir := t.TempDir()
	oa := filepath.Join(dir, "multi.tar")
	da := filepath.Join(dir, "docker.tar")
	for _, dst := range []string{"oci-archive:" + oa, "docker-archive:" + da} {
		res := copyRefs(t, dst, "oci:"+ociDir, &transport.CopyOptions{All: true})
		if got := imageNames(res.Images); !slices.Equal(got, []string{"example.com/a:v1", "example.com/b:v2"}) {
			t.Errorf("Copy --all to %s committed %v", dst, got)
		}
	}
	for _, src := range []string{"oci:" + ociDir, "oci-archive:" + oa, "docker-archive:" + da, da} {
		t.Run(src, func(t *testing.T) {
			s, err := parse(t, src).NewSource(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			imgs, err := s.Images(ctx)
			if err != nil || !slices.Equal(imageNames(imgs), []string{"example.com/a:v1", "example.com/b:v2"}) {
				t.Fatalf("Images = %v, %v", imgs, err)
			}
			_, err = s.Resolve(ctx)
			if !errors.Is(err, transport.ErrAmbiguous) || !errors.Is(err, layout.ErrAmbiguous) {
				t.Fatalf("Resolve without a name = %v, want ErrAmbiguous", err)
			}
			for _, want := range []string{"example.com/a:v1", "example.com/b:v2", "linux/amd64", "linux/arm64", "2 images"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Resolve without a name = %q, want it to name %q", err, want)
				}
			}
		})
	}
	// Named, by tag, by position and by a name spelt in full.
	for _, tt := range []struct {
		ref  string
		want core.Descriptor
	}{
		{"oci-archive:" + oa + ":example.com/b:v2", ds["example.com/b:v2"]},
		{"oci-archive:" + oa + ":@" + string(ds["example.com/a:v1"].Digest), ds["example.com/a:v1"]},
		{"docker-archive:" + da + ":example.com/b:v2", core.Descriptor{}},
		{"docker-archive:" + da + ":@1", core.Descriptor{}},
		{"docker-archive:" + da + ":docker.io/library/nothing:v1", core.Descriptor{}},
	} {
		t.Run(tt.ref, func(t *testing.T) {
			s, err := parse(t, tt.ref).NewSource(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			imgs, err := s.Resolve(ctx)
			if strings.Contains(tt.ref, "nothing") {
				if !errors.Is(err, core.ErrNotFound) || !strings.Contains(err.Error(), "example.com/a:v1") {
					t.Errorf("Resolve(%s) = %v, want ErrNotFound listing the images", tt.ref, err)
				}
				return
			}
			if err != nil || len(imgs) != 1 {
				t.Fatalf("Resolve(%s) = %v, %v", tt.ref, imgs, err)
			}
			if tt.want.Digest != "" && imgs[0].Descriptor.Digest != tt.want.Digest {
				t.Errorf("Resolve(%s) = %s, want %s", tt.ref, imgs[0].Descriptor.Digest, tt.want.Digest)
			}
			if strings.HasPrefix(tt.ref, "docker-archive") && !slices.Equal(imgs[0].Names, []string{"example.com/b:v2"}) {
				t.Errorf("Resolve(%s) = %v, want example.com/b:v2", tt.ref, imgs[0].Names)
			}
		})
	}
	// Back from the docker-archive with all its names.
	out := filepath.Join(t.TempDir(), "back")
	res := copyRefs(t, "oci:"+out, "docker-archive:"+da, &transport.CopyOptions{All: true})
	if got := imageNames(res.Images); !slices.Equal(got, []string{"example.com/a:v1", "example.com/b:v2"}) {
		t.Errorf("Copy --all from the docker-archive committed %v", got)
	}
	if err := layout.Verify(ctx, out); err != nil {
		t.Error(err)
	}
	// docker save's short names match their full spelling.
	if got := transport.NormalizeName("busybox:latest"); got != "docker.io/library/busybox:latest" {
		t.Errorf("NormalizeName(busybox:latest) = %s", got)
	}
}

// partialLayout is what docker save and containerd export write for one
// platform of a multi-platform image: the index lists two manifests,
// and the arm64 one's layer is not there.
func partialLayout(t *testing.T) (string, testImage, testImage) {
	t.Helper()
	dir, amd, arm := multiLayout(t)
	if err := os.Remove(filepath.Join(dir, "blobs", "sha256", arm.manifest.Layers[0].Digest.Encoded())); err != nil {
		t.Fatal(err)
	}
	return dir, amd, arm
}

// TestPartialSource: an index whose arm64 content is absent copies, with
// All, for the platform present, with a note naming what is left out;
// asked for arm64 alone, it is an error naming the manifest.
func TestPartialSource(t *testing.T) {
	dir, amd, arm := partialLayout(t)
	for _, dst := range []string{"oci:%s:multi", "oci-archive:%s.tar:multi"} {
		out := strings.Replace(dst, "%s", filepath.Join(t.TempDir(), "out"), 1)
		res := copyRefs(t, out, "oci:"+dir+":multi", &transport.CopyOptions{All: true})
		if len(res.Missing) != 1 || res.Missing[0].Manifest.Platform.Architecture != "arm64" {
			t.Fatalf("Copy --all of a partial index: Missing = %+v, want the arm64 manifest", res.Missing)
		}
		note := res.Note()
		for _, want := range []string{"linux/arm64", string(res.Missing[0].Manifest.Digest), "left out 1"} {
			if !strings.Contains(note, want) {
				t.Errorf("Note() = %q, want it to name %q", note, want)
			}
		}
		// The copy is whole: an index of the amd64 manifest alone.
		s, err := parse(t, out).NewSource(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		imgs, _ := s.Resolve(ctx)
		rc, _ := s.Fetch(ctx, imgs[0].Descriptor)
		raw := make([]byte, imgs[0].Descriptor.Size)
		rc.Read(raw)
		rc.Close()
		ix, _, err := core.DecodeIndex(ctx, raw)
		s.Close()
		if err != nil || len(ix.Manifests) != 1 || ix.Manifests[0].Platform.Architecture != "amd64" {
			t.Errorf("index copied = %+v, %v; want the amd64 entry alone", ix, err)
		}
	}
	out := filepath.Join(t.TempDir(), "one")
	if _, err := tryCopy("oci:"+out, "oci:"+dir+":multi", &transport.CopyOptions{Platform: &arm.platform}); !errors.Is(err, core.ErrNotFound) || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("Copy of the absent platform = %v, want ErrNotFound naming linux/arm64", err)
	}
	res := copyRefs(t, "oci:"+out, "oci:"+dir+":multi", &transport.CopyOptions{Platform: &amd.platform})
	if len(res.Missing) != 0 || res.Images[0].Descriptor.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("Copy --platform linux/amd64 = %+v", res)
	}
}

// TestCopyPlatform: a platform the image's config contradicts is an
// error naming both; a misspelt one is refused with a suggestion.
func TestCopyPlatform(t *testing.T) {
	ociFmt, _ := formats()
	img := newImage(t, "amd64", helloFiles)
	ociDir, _ := ociLayout(t, ociFmt, map[string]testImage{"v1": img})
	dirLayout := filepath.Join(t.TempDir(), "d")
	copyRefs(t, "dir:"+dirLayout, "oci:"+ociDir+":v1", nil)
	for _, src := range []string{"oci:" + ociDir + ":v1", "dir:" + dirLayout} {
		_, err := tryCopy("oci:"+filepath.Join(t.TempDir(), "o"), src, &transport.CopyOptions{Platform: &core.Platform{OS: "linux", Architecture: "arm64"}})
		if !errors.Is(err, layout.ErrPlatformMismatch) || !strings.Contains(err.Error(), "linux/amd64") || !strings.Contains(err.Error(), "linux/arm64") {
			t.Errorf("Copy(%s, linux/arm64) = %v, want ErrPlatformMismatch naming both", src, err)
		}
		_, err = tryCopy("oci:"+filepath.Join(t.TempDir(), "o"), src, &transport.CopyOptions{Platform: &core.Platform{OS: "lnux", Architecture: "amd64"}})
		if !errors.Is(err, core.ErrUnknownPlatform) || !strings.Contains(err.Error(), `"linux"`) {
			t.Errorf("Copy(%s, lnux/amd64) = %v, want ErrUnknownPlatform suggesting linux", src, err)
		}
	}
}
