package layout_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

func TestValidateRegistryTag(t *testing.T) {
	for _, tt := range []struct {
		tag string
		ok  bool
	}{
		{"v1", true}, {"_x", true}, {"1.0-rc_2", true}, {strings.Repeat("a", 128), true},
		{"", false}, {"a/b", false}, {strings.Repeat("a", 129), false}, {strings.Repeat("x", 200), false},
		{".v1", false}, {"-v1", false}, {"v:1", false}, {"v@1", false}, {"é", false},
	} {
		err := layout.ValidateRegistryTag(tt.tag)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, layout.ErrInvalidTag)) {
			t.Errorf("ValidateRegistryTag(%q) = %v, want ok=%v", tt.tag, err, tt.ok)
		}
	}
}

// The distribution-spec's referrers tag schema: <alg>-<ref>, the
// algorithm cut to 32 characters and the encoded part to 64.
func TestReferrersTag(t *testing.T) {
	hex256 := strings.Repeat("0123456789abcdef", 4)
	hex512 := strings.Repeat("fedcba9876543210", 8)
	for _, tt := range []struct {
		d    digest.Digest
		want string
	}{
		{digest.Digest("sha256:" + hex256), "sha256-" + hex256},
		{digest.Digest("sha512:" + hex512), "sha512-" + hex512[:64]},
		{digest.Digest("blake3:" + hex256), "blake3-" + hex256},
		{digest.Digest(strings.Repeat("a", 40) + ":" + hex256), strings.Repeat("a", 32) + "-" + hex256},
	} {
		got := layout.ReferrersTag(tt.d)
		if got != tt.want {
			t.Errorf("ReferrersTag(%q) = %q, want %q", tt.d, got, tt.want)
		}
		if err := layout.ValidateRegistryTag(got); err != nil {
			t.Errorf("ReferrersTag(%q) = %q, not a valid tag: %v", tt.d, got, err)
		}
	}
}
