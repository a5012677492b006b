package core

import (
	"errors"
	"testing"
)

func TestParseMediaType(t *testing.T) {
	tests := []struct {
		in   string
		want MediaTypeParts
		str  string
	}{
		{"application/vnd.oci.image.layer.v1.tar", MediaTypeParts{"application/vnd.oci.image.layer.v1.tar", Uncompressed, false}, ""},
		{"application/vnd.oci.image.layer.v1.tar+gzip", MediaTypeParts{"application/vnd.oci.image.layer.v1.tar", Gzip, false}, ""},
		{"application/vnd.oci.image.layer.v1.tar+zstd+encrypted", MediaTypeParts{"application/vnd.oci.image.layer.v1.tar", Zstd, true}, ""},
		{"application/vnd.oci.image.layer.v1.squashfs+encrypted", MediaTypeParts{"application/vnd.oci.image.layer.v1.squashfs", Uncompressed, true}, ""},
		{"application/vnd.docker.image.rootfs.diff.tar.gzip", MediaTypeParts{"application/vnd.docker.image.rootfs.diff.tar", Gzip, false}, ""},
		{"application/vnd.docker.image.rootfs.diff.tar.zstd+encrypted", MediaTypeParts{"application/vnd.docker.image.rootfs.diff.tar", Zstd, true}, ""},
		{"application/vnd.docker.image.rootfs.diff.tar+encrypted", MediaTypeParts{"application/vnd.docker.image.rootfs.diff.tar", Uncompressed, true}, ""},
		{"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", MediaTypeParts{"application/vnd.docker.image.rootfs.foreign.diff.tar", Gzip, false}, ""},
		{"tar+gzip+encrypted", MediaTypeParts{"tar", Gzip, true}, ""},
		{"nondistributable.tar+zstd", MediaTypeParts{"nondistributable.tar", Zstd, false}, ""},
		{"Application/VND.OCI.Image.Layer.v1.TAR+GZIP; foo=bar", MediaTypeParts{"application/vnd.oci.image.layer.v1.tar", Gzip, false}, "application/vnd.oci.image.layer.v1.tar+gzip"},
		{"application/vnd.oci.image.config.v1+json", MediaTypeParts{"application/vnd.oci.image.config.v1+json", Uncompressed, false}, ""},
	}
	for _, tt := range tests {
		got := ParseMediaType(tt.in)
		if got != tt.want {
			t.Errorf("ParseMediaType(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		want := tt.str
		if want == "" {
			want = tt.in
		}
		if s := got.String(); s != want {
			t.Errorf("ParseMediaType(%q).String() = %q, want %q", tt.in, s, want)
		}
	}
}

func TestEncryptionAndCompression(t *testing.T) {
	for _, tt := range []struct{ in, with, without string }{
		{"application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+gzip+encrypted", "application/vnd.oci.image.layer.v1.tar+gzip"},
		{"application/vnd.oci.image.layer.v1.tar+gzip+encrypted", "application/vnd.oci.image.layer.v1.tar+gzip+encrypted", "application/vnd.oci.image.layer.v1.tar+gzip"},
		{"application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip+encrypted", "application/vnd.docker.image.rootfs.diff.tar.gzip"},
		{"squashfs", "squashfs+encrypted", "squashfs"},
	} {
		if got := WithEncryption(tt.in); got != tt.with {
			t.Errorf("WithEncryption(%q) = %q, want %q", tt.in, got, tt.with)
		}
		if got := WithoutEncryption(tt.with); got != tt.without {
			t.Errorf("WithoutEncryption(%q) = %q, want %q", tt.with, got, tt.without)
		}
	}
	for _, tt := range []struct {
		in   string
		c    Compression
		want string
	}{
		{"application/vnd.oci.image.layer.v1.tar", Zstd, "application/vnd.oci.image.layer.v1.tar+zstd"},
		{"application/vnd.oci.image.layer.v1.tar+gzip+encrypted", Zstd, "application/vnd.oci.image.layer.v1.tar+zstd+encrypted"},
		{"application/vnd.oci.image.layer.v1.tar+gzip", Uncompressed, "application/vnd.oci.image.layer.v1.tar"},
		{"application/vnd.docker.image.rootfs.diff.tar", Gzip, "application/vnd.docker.image.rootfs.diff.tar.gzip"},
		{"application/vnd.docker.image.rootfs.diff.tar.gzip", Zstd, "application/vnd.docker.image.rootfs.diff.tar.zstd"},
		{"tar", Gzip, "tar+gzip"},
		{"tar+zstd+encrypted", Uncompressed, "tar+encrypted"},
	} {
		got, err := WithCompression(tt.in, tt.c)
		if err != nil || got != tt.want {
			t.Errorf("WithCompression(%q, %v) = %q, %v; want %q", tt.in, tt.c, got, err, tt.want)
		}
	}
	for _, in := range []string{"application/vnd.oci.image.config.v1+json", "squashfs"} {
		if _, err := WithCompression(in, Gzip); !errors.Is(err, ErrInvalidMediaType) {
			t.Errorf("WithCompression(%q, gzip) error = %v, want ErrInvalidMediaType", in, err)
		}
	}
}

func TestParseCompression(t *testing.T) {
	for _, c := range []Compression{Uncompressed, Gzip, Zstd} {
		got, err := ParseCompression(c.String())
		if err != nil || got != c {
			t.Errorf("ParseCompression(%q) = %v, %v", c.String(), got, err)
		}
	}
	if _, err := ParseCompression("lz4"); err == nil {
		t.Errorf("ParseCompression(lz4) = nil error")
	}
}

func TestValidateMediaType(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"application/vnd.oci.image.manifest.v1+json", true},
		{"application/vnd.cncf.helm.chart.content.v1.tar+gzip", true},
		{"text/plain; charset=utf-8", false},
		{"a/b", true},
		{"application", false},
		{"/json", false},
		{"application/", false},
		{"application/+json", false},
		{"appli cation/json", false},
		{"application/js\x00on", false},
		{"application/json/extra", false},
		{"", false},
		{"application/" + string(make([]byte, 128)), false},
	} {
		if err := ValidateMediaType(tt.in); (err == nil) != tt.ok {
			t.Errorf("ValidateMediaType(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestNormalizeMediaType(t *testing.T) {
	if got := NormalizeMediaType(" Application/JSON ; charset=UTF-8"); got != "application/json" {
		t.Errorf("NormalizeMediaType = %q", got)
	}
}

func TestLayerCompression(t *testing.T) {
	tests := []struct {
		in   string
		want Compression
		err  error
	}{
		{KindTar, Uncompressed, nil},
		{KindTarGzip, Gzip, nil},
		{KindTarZstd, Zstd, nil},
		{KindNondistributableGzip, Gzip, nil},
		{"application/vnd.docker.image.rootfs.diff.tar.gzip", Gzip, nil},
		{"application/vnd.docker.image.rootfs.diff.tar.zstd", Zstd, nil},
		{"application/vnd.docker.image.rootfs.foreign.diff.tar", Uncompressed, nil},
		{"application/vnd.oci.image.layer.v1.tar", Uncompressed, nil},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Zstd, nil},
		{"Application/VND.OCI.Image.Layer.v1.Tar+Gzip; x=y", Gzip, nil},
		{"application/tar+gzip", Gzip, nil}, // Helm's legacy chart layer
		{KindTarZstdEncrypted, 0, ErrUnknownCompression},
		{KindConfig, 0, ErrUnknownCompression},
		{"squashfs", 0, ErrUnknownCompression},
		{"application/vnd.oci.image.config.v1+json", 0, ErrUnknownCompression},
		{"application/vnd.example.startar", 0, ErrUnknownCompression},
	}
	for _, tt := range tests {
		got, err := LayerCompression(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("LayerCompression(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
