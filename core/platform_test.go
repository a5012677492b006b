package core_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
)

func entryFor(p string) core.Descriptor {
	pl, err := core.ParsePlatform(p)
	if err != nil {
		panic(err)
	}
	d := core.DescriptorFromBytes("application/vnd.oci.image.manifest.v1+json", []byte(p))
	d.Platform = &pl
	return d
}

func TestNormalizePlatform(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"linux/x86_64", "linux/amd64"},
		{"Linux/AMD64", "linux/amd64"},
		{"linux/aarch64", "linux/arm64/v8"},
		{"linux/arm64", "linux/arm64/v8"},
		{"linux/armhf", "linux/arm/v7"},
		{"linux/armel", "linux/arm/v6"},
		{"linux/arm", "linux/arm/v7"},
		{"linux/arm/6", "linux/arm/v6"},
		{"linux/i686", "linux/386"},
		{"windows/amd64", "windows/amd64"},
	} {
		p, err := core.ParsePlatform(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := core.NormalizePlatform(p).String(); got != tt.want {
			t.Errorf("NormalizePlatform(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"linux", "/amd64", "linux/", "a/b/c/d"} {
		if _, err := core.ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) = nil error", bad)
		}
	}
}

func TestSelectManifest(t *testing.T) {
	ix := core.Index{Manifests: []core.Descriptor{
		entryFor("linux/amd64"), entryFor("linux/arm/v6"), entryFor("linux/arm/v7"),
		entryFor("linux/arm64/v8"), entryFor("windows/amd64"),
	}}
	ix.Manifests = append(ix.Manifests, core.DescriptorFromBytes("application/vnd.oci.image.manifest.v1+json", []byte("no platform")))
	for _, tt := range []struct{ want, got string }{
		{"linux/x86_64", "linux/amd64"},
		{"linux/amd64/v3", "linux/amd64"},
		{"linux/armhf", "linux/arm/v7"},
		{"linux/arm/v6", "linux/arm/v6"},
		{"linux/arm", "linux/arm/v7"},
		{"linux/aarch64", "linux/arm64/v8"},
		{"windows/amd64", "windows/amd64"},
	} {
		p, _ := core.ParsePlatform(tt.want)
		d, err := core.SelectManifest(ix, &p)
		if err != nil {
			t.Errorf("SelectManifest(%s) = %v", tt.want, err)
			continue
		}
		if got := d.Platform.String(); got != tt.got {
			t.Errorf("SelectManifest(%s) = %s, want %s", tt.want, got, tt.got)
		}
	}
	p, _ := core.ParsePlatform("linux/s390x")
	_, err := core.SelectManifest(ix, &p)
	if !errors.Is(err, core.ErrNoMatchingPlatform) || !strings.Contains(err.Error(), "linux/arm64/v8") {
		t.Errorf("SelectManifest(s390x) = %v, want ErrNoMatchingPlatform listing the platforms", err)
	}
}

func TestSelectManifestDefaultsToRunningMachine(t *testing.T) {
	cur := core.CurrentPlatform()
	if cur.OS != runtime.GOOS || cur.Architecture != runtime.GOARCH {
		t.Fatalf("CurrentPlatform() = %v, want %s/%s", cur, runtime.GOOS, runtime.GOARCH)
	}
	ix := core.Index{Manifests: []core.Descriptor{entryFor("plan9/mips"), entryFor(runtime.GOOS + "/" + runtime.GOARCH)}}
	d, err := core.SelectManifest(ix, nil)
	if err != nil || d.Platform.Architecture != runtime.GOARCH {
		t.Errorf("SelectManifest(nil) = %+v, %v", d.Platform, err)
	}
}
