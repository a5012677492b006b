package formats_test

import (
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

// seedTable is concil's MEDIA_TYPES, copied from spec/media-types.md:
// kind, OCI type, Docker type.
var seedTable = [][3]string{
	{"config", "application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"},
	{"tar", "application/vnd.oci.image.layer.v1.tar", "application/vnd.docker.image.rootfs.diff.tar"},
	{"tar+gzip", "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip"},
	{"tar+zstd", "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.docker.image.rootfs.diff.tar.zstd"},
	{"tar+encrypted", "application/vnd.oci.image.layer.v1.tar+encrypted", "application/vnd.docker.image.rootfs.diff.tar+encrypted"},
	{"tar+gzip+encrypted", "application/vnd.oci.image.layer.v1.tar+gzip+encrypted", "application/vnd.docker.image.rootfs.diff.tar.gzip+encrypted"},
	{"tar+zstd+encrypted", "application/vnd.oci.image.layer.v1.tar+zstd+encrypted", "application/vnd.docker.image.rootfs.diff.tar.zstd+encrypted"},
	{"squashfs", "application/vnd.oci.image.layer.v1.squashfs", "application/vnd.docker.image.rootfs.diff.squashfs"},
	{"squashfs+encrypted", "application/vnd.oci.image.layer.v1.squashfs+encrypted", "application/vnd.docker.image.rootfs.diff.squashfs+encrypted"},
}

// extraTable holds the kinds beyond concil's nine ("" where the format
// has no type for the kind).
var extraTable = [][3]string{
	{"manifest", "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"},
	{"index", "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"},
	{"empty", "application/vnd.oci.empty.v1+json", ""},
	{"nondistributable.tar", "application/vnd.oci.image.layer.nondistributable.v1.tar", "application/vnd.docker.image.rootfs.foreign.diff.tar"},
	{"nondistributable.tar+gzip", "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"},
	{"nondistributable.tar+zstd", "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", ""},
}

func TestConstants(t *testing.T) {
	for _, tt := range []struct{ name, got, want string }{
		{"MediaTypeOCIManifest", oci.MediaTypeManifest, "application/vnd.oci.image.manifest.v1+json"},
		{"MediaTypeDockerManifest", docker.MediaTypeManifest, "application/vnd.docker.distribution.manifest.v2+json"},
		{"oci.Format.ManifestMediaType", oci.Format.Describe().ManifestMediaType, "application/vnd.oci.image.manifest.v1+json"},
		{"docker.Format.ManifestMediaType", docker.Format.Describe().ManifestMediaType, "application/vnd.docker.distribution.manifest.v2+json"},
		{"oci.Format.IndexMediaType", oci.Format.Describe().IndexMediaType, "application/vnd.oci.image.index.v1+json"},
		{"docker.Format.IndexMediaType", docker.Format.Describe().IndexMediaType, "application/vnd.docker.distribution.manifest.list.v2+json"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestKindTables checks every kind of both formats in both directions,
// on the format values and through the registry.
func TestKindTables(t *testing.T) {
	builtins := []core.Format{oci.Format, docker.Format}
	for _, row := range append(append([][3]string{}, seedTable...), extraTable...) {
		kind := row[0]
		for i, f := range builtins {
			want := row[1+i]
			table := f.Describe().Table
			t.Run(f.Describe().Name+"/"+kind, func(t *testing.T) {
				if want == "" {
					if got := table.MediaType(kind); got != kind {
						t.Errorf("MediaType(%q) = %q, want it passed through", kind, got)
					}
					return
				}
				if got := table.MediaType(kind); got != want {
					t.Errorf("MediaType(%q) = %q, want %q", kind, got, want)
				}
				if got := table.Kind(want); got != kind {
					t.Errorf("Kind(%q) = %q, want %q", want, got, kind)
				}
				// The reverse table over both formats (concil's
				// REVERSED_MEDIA_TYPES), whichever way it is asked.
				if got := formats.Kind(want); got != kind {
					t.Errorf("formats.Kind(%q) = %q, want %q", want, got, kind)
				}
				if got := core.Default.Kind(want); got != kind {
					t.Errorf("core.Default.Kind(%q) = %q, want %q", want, got, kind)
				}
				if got := table.Kind(want + "; charset=utf-8"); got != kind {
					t.Errorf("Kind(%q with parameters) = %q, want %q", want, got, kind)
				}
				// Each table knows only its own format's types.
				for _, g := range builtins {
					if g != f && g.Describe().Table.Kind(want) != want {
						t.Errorf("%s's table knows %s's type %q", g.Describe().Name, f.Describe().Name, want)
					}
				}
			})
		}
	}
	if got, want := len(oci.MediaTypes()), 15; got != want {
		t.Errorf("len(oci.MediaTypes()) = %d, want %d", got, want)
	}
	if got, want := len(docker.MediaTypes()), 13; got != want {
		t.Errorf("len(docker.MediaTypes()) = %d, want %d", got, want)
	}
}

func TestSeedTables(t *testing.T) {
	mt := formats.MediaTypes()
	rev := formats.ReversedMediaTypes()
	for _, row := range seedTable {
		if got := mt[oci.MediaTypeManifest][row[0]]; got != row[1] {
			t.Errorf("MEDIA_TYPES[oci][%q] = %q, want %q", row[0], got, row[1])
		}
		if got := mt[docker.MediaTypeManifest][row[0]]; got != row[2] {
			t.Errorf("MEDIA_TYPES[docker][%q] = %q, want %q", row[0], got, row[2])
		}
		for _, concrete := range row[1:] {
			if got := rev[concrete]; got != row[0] {
				t.Errorf("REVERSED_MEDIA_TYPES[%q] = %q, want %q", concrete, got, row[0])
			}
		}
	}
	if len(rev) != len(oci.MediaTypes())+len(docker.MediaTypes()) {
		t.Errorf("REVERSED_MEDIA_TYPES has %d entries; two types share a kind entry", len(rev))
	}
}

func TestPassThrough(t *testing.T) {
	for _, s := range []string{"application/x-custom", "not-a-kind", "", "TAR"} {
		for _, f := range formats.Builtin() {
			if got := f.Describe().Table.MediaType(s); got != s {
				t.Errorf("%s.MediaType(%q) = %q, want unchanged", f.Describe().Name, s, got)
			}
		}
	}
	for _, s := range []string{"application/x-custom", "application/vnd.oci.image.layer.v2.tar"} {
		if got := formats.Kind(s); got != s {
			t.Errorf("formats.Kind(%q) = %q, want unchanged", s, got)
		}
	}
	// Case and parameters are normalised for lookups.
	if got := formats.Kind("Application/VND.OCI.image.layer.v1.tar+GZIP ; foo=bar"); got != "tar+gzip" {
		t.Errorf("formats.Kind(mixed case with parameters) = %q, want tar+gzip", got)
	}
}

func TestSupports(t *testing.T) {
	for _, tt := range []struct {
		f    core.Format
		kind string
		want bool
	}{
		{oci.Format, "tar+zstd", true},
		{oci.Format, "squashfs+encrypted", true},
		{oci.Format, "empty", true},
		{docker.Format, "tar", true},
		{docker.Format, "tar+gzip", true},
		{docker.Format, "config", true},
		{docker.Format, "nondistributable.tar+gzip", true},
		{docker.Format, "tar+zstd", false},
		{docker.Format, "tar+gzip+encrypted", false},
		{docker.Format, "squashfs", false},
		{docker.Format, "empty", false},
		{oci.Format, "unknown", false},
	} {
		if got := tt.f.Describe().Table.Supports(tt.kind); got != tt.want {
			t.Errorf("%s.Supports(%q) = %v, want %v", tt.f.Describe().Name, tt.kind, got, tt.want)
		}
	}
}

func TestPrivateRegistry(t *testing.T) {
	r := formats.NewRegistry(nil)
	if got := r.FormatNames(); len(got) != 2 || got[0] != "docker" || got[1] != "oci" {
		t.Fatalf("FormatNames() = %v, want [docker oci]", got)
	}
	for _, mt := range []string{oci.MediaTypeManifest, oci.MediaTypeIndex, docker.MediaTypeManifest, docker.MediaTypeManifestList} {
		f, err := r.FormatByMediaType(mt)
		if err != nil {
			t.Fatalf("FormatByMediaType(%q) = %v", mt, err)
		}
		if d := f.Describe(); d.ManifestMediaType != mt && d.IndexMediaType != mt {
			t.Errorf("FormatByMediaType(%q) = %s", mt, d.Name)
		}
	}
}
