package digesters

import (
	"crypto/md5"
	"errors"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	digest "github.com/opencontainers/go-digest"
)

func TestConformance(t *testing.T) {
	for _, d := range Builtins() {
		t.Run(string(d.Algorithm())+"/"+d.Backend(), func(t *testing.T) { coretest.TestDigester(t, d) })
	}
}

func TestBuiltinsRegistered(t *testing.T) {
	for _, want := range []core.Digester{SHA256, SHA512, BLAKE3} {
		got, err := core.DefaultAlgorithms.Digester(want.Algorithm())
		if err != nil || got != want {
			t.Errorf("core.DefaultAlgorithms.Digester(%q) = %v, %v; want %v", want.Algorithm(), got, err, want)
		}
	}
	reg := core.NewAlgorithms()
	if err := Register(reg); err != nil {
		t.Fatalf("Register(new registry) = %v", err)
	}
	if got := reg.Names(); len(got) != 3 {
		t.Errorf("Register gave algorithms %v, want 3", got)
	}
	if err := Register(reg); !errors.Is(err, core.ErrDuplicate) {
		t.Errorf("Register twice = %v, want ErrDuplicateAlgorithm", err)
	}
}

func TestNewDigester(t *testing.T) {
	d, err := NewDigester("md5", "crypto/md5", md5.New)
	if err != nil {
		t.Fatalf("NewDigester(md5) = %v", err)
	}
	if d.Size() != 16 || d.Backend() != "crypto/md5" || d.Algorithm() != "md5" {
		t.Errorf("NewDigester(md5) = %v/%d/%s", d.Algorithm(), d.Size(), d.Backend())
	}
	coretest.TestDigester(t, d, coretest.Vector{Name: "abc", Input: []byte("abc"), Encoded: "900150983cd24fb0d6963f7d28e17f72"})
	for _, tt := range []struct {
		name string
		alg  string
		want error
	}{
		{"bad name", "MD5", core.ErrInvalidDigest},
		{"empty", "", core.ErrInvalidDigest},
	} {
		if _, err := NewDigester(digest.Algorithm(tt.alg), "x", md5.New); !errors.Is(err, tt.want) {
			t.Errorf("NewDigester(%q) = %v, want %v", tt.alg, err, tt.want)
		}
	}
	if _, err := NewDigester("md5", "x", nil); !errors.Is(err, core.ErrInvalidDigester) {
		t.Errorf("NewDigester(nil constructor) = %v, want ErrNilDigester", err)
	}
}
