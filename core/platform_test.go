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

// TestCheckPlatform: Go's and the image-spec's names pass (and the
// spellings NormalizePlatform knows); a misspelling is an error wrapping
// ErrUnknownPlatform that suggests the right name.
func TestCheckPlatform(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
		hint    string
	}{
		{"linux/amd64", false, ""},
		{"linux/arm64/v8", false, ""},
		{"windows/amd64", false, ""},
		{"linux/x86_64", false, ""},
		{"linux/aarch64", false, ""},
		{"Linux/AMD64", false, ""},
		{"linux/s390x", false, ""},
		{"freebsd/riscv64", false, ""},
		{"lnux/amd64", true, `did you mean "linux"?`},
		{"linux/amd46", true, `did you mean "amd64"?`},
		{"linux/arm65", true, `did you mean "arm64"?`},
		{"plan10/amd64", true, `did you mean "plan9"?`},
		{"qwertyuiop/amd64", true, "such as"},
		{"unknown/unknown", true, "not one Go or the image-spec knows"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := core.ParsePlatform(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			err = core.CheckPlatform(p)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckPlatform(%q) = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if !errors.Is(err, core.ErrUnknownPlatform) || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("CheckPlatform(%q) = %v, want ErrUnknownPlatform with %q", tt.in, err, tt.hint)
			}
		})
	}
}

// TestConfigPlatform reads the platform of image-spec's example config
// (config.md) and of a Docker config, and nothing from what is not one.
func TestConfigPlatform(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"image-spec example", `{"created":"2015-10-31T22:22:56.015925234Z","author":"Alyssa P. Hacker <alyspdev@example.com>","architecture":"amd64","os":"linux","config":{"User":"alice"},"rootfs":{"diff_ids":[],"type":"layers"}}`, "linux/amd64", true},
		{"variant", `{"architecture":"arm","variant":"v7","os":"linux"}`, "linux/arm/v7", true},
		{"windows", `{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1040"}`, "windows/amd64", true},
		{"no os", `{"architecture":"amd64"}`, "", false},
		{"artifact", `{}`, "", false},
		{"not json", `hello`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := core.ConfigPlatform([]byte(tt.in))
			if ok != tt.ok || ok && p.String() != tt.want {
				t.Errorf("ConfigPlatform(%q) = %v, %v; want %s, %v", tt.in, p, ok, tt.want, tt.ok)
			}
		})
	}
}
