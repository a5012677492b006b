package layout_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// TestSelectionNeverSilent: without a tag, a layout of several images
// (each with a platform, as pack writes them) is an error listing each
// with its tag, digest and platform; a platform asked of a single image
// whose entry or config says another is an error naming both; an
// unknown OS or architecture is refused with a suggestion.
func TestSelectionNeverSilent(t *testing.T) {
	amd := &core.Platform{OS: "linux", Architecture: "amd64"}
	arm := &core.Platform{OS: "linux", Architecture: "arm64"}
	_, two := newLayout(t, layout.OCI)
	f := mustFormat(t, "oci")
	img1 := newTestImage(t, core.SHA256, map[string]string{"a": "1"})
	img2 := newTestImage(t, core.SHA256, map[string]string{"a": "2"})
	d1, err := two.WriteImage(ctx, f, img1.manifest, img1.blobs, &layout.WriteOptions{Tag: "app", Platform: amd})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := two.WriteImage(ctx, f, img2.manifest, img2.blobs, &layout.WriteOptions{Tag: "tool", Platform: amd})
	if err != nil {
		t.Fatal(err)
	}
	_, one := newLayout(t, layout.OCI)
	if _, err := one.WriteImage(ctx, f, img1.manifest, img1.blobs, &layout.WriteOptions{Tag: "app", Platform: amd}); err != nil {
		t.Fatal(err)
	}
	dirPath, d := writeImage(t, layout.Dir, "docker", img1, nil) // its config says linux/amd64
	dir := mustOpen(t, dirPath)
	_, untagged := newLayout(t, layout.OCI)
	if _, err := untagged.WriteImage(ctx, f, img1.manifest, img1.blobs, nil); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		l     *layout.Layout
		sel   layout.Selector
		want  error
		names []string
	}{
		{"two images, no tag", two, layout.Selector{}, layout.ErrAmbiguous, []string{"app@" + string(d1.Digest) + " (linux/amd64)", "tool@" + string(d2.Digest) + " (linux/amd64)", "2 images"}},
		{"two images, platform, no tag", two, layout.Selector{Platform: amd}, layout.ErrAmbiguous, []string{"app@", "tool@"}},
		{"tagged entry of another platform", one, layout.Selector{Platform: arm}, layout.ErrPlatformMismatch, []string{"linux/amd64", "linux/arm64"}},
		{"dir: image whose config says another platform", dir, layout.Selector{Platform: arm}, layout.ErrPlatformMismatch, []string{"linux/amd64", "linux/arm64", "config", string(d.Digest)}},
		{"untagged entry whose config says another platform", untagged, layout.Selector{Platform: arm}, layout.ErrPlatformMismatch, []string{"linux/amd64", "linux/arm64"}},
		{"misspelt OS", dir, layout.Selector{Platform: &core.Platform{OS: "lnux", Architecture: "amd64"}}, core.ErrUnknownPlatform, []string{`"lnux"`, `did you mean "linux"?`}},
		{"misspelt architecture", one, layout.Selector{Platform: &core.Platform{OS: "linux", Architecture: "amd46"}}, core.ErrUnknownPlatform, []string{`did you mean "amd64"?`}},
		{"the right platform", dir, layout.Selector{Platform: amd}, nil, nil},
		{"the right platform, by alias", one, layout.Selector{Platform: &core.Platform{OS: "linux", Architecture: "x86_64"}}, nil, nil},
		{"one tag of two", two, layout.Selector{Tag: "tool"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := tt.l.Image(ctx, tt.sel)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Image(%q) = %v", tt.sel.String(), err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				if err == nil {
					t.Fatalf("Image(%q) = %s, want %v", tt.sel.String(), img.Descriptor.Digest, tt.want)
				}
				t.Fatalf("Image(%q) = %v, want %v", tt.sel.String(), err, tt.want)
			}
			for _, n := range tt.names {
				if !strings.Contains(err.Error(), n) {
					t.Errorf("Image(%q) = %q, want it to name %q", tt.sel.String(), err, n)
				}
			}
		})
	}
}
