package core

import (
	"crypto/sha256"
	"errors"
	"hash"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
)

const hex64 = "1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"

func TestValidateDigest(t *testing.T) {
	tests := []struct {
		d       string
		wantErr bool
	}{
		{"sha256:" + hex64, false},
		{"sha512:" + strings.Repeat("ab", 64), false},
		{"blake3:" + hex64, false},
		{"multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", false},
		{"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", false},
		{"foo.bar-baz_qux:abc=", false},
		{"sha256:" + strings.ToUpper(hex64), true},
		{"sha256:" + hex64[:63], true},
		{"sha256:" + hex64 + "0", true},
		{"sha256:../../etc/passwd", true},
		{"sha256:abc/def", true},
		{"sha256:abc\x00", true},
		{"sha512:" + hex64, true},
		{"blake3:" + hex64[:10], true},
		{"SHA256:" + hex64, true},
		{":" + hex64, true},
		{"sha256:", true},
		{"sha256" + hex64, true},
		{"", true},
		{"+sha:abc", true},
		{"sha+:abc", true},
		{"sha++x:abc", true},
		{"foo:abc def", true},
	}
	for _, tt := range tests {
		err := ValidateDigest(digest.Digest(tt.d))
		if (err != nil) != tt.wantErr {
			t.Errorf("ValidateDigest(%q) = %v, want error %v", tt.d, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidDigest) {
			t.Errorf("ValidateDigest(%q) = %v, not ErrInvalidDigest", tt.d, err)
		}
	}
}

func TestCheckSupported(t *testing.T) {
	r := NewRegistry()
	for _, alg := range []digest.Algorithm{SHA256, SHA512} {
		if err := r.CheckSupported(alg); err != nil {
			t.Errorf("CheckSupported(%s) = %v with an empty registry (stdlib fallback)", alg, err)
		}
	}
	err := r.CheckSupported("foo")
	if !errors.Is(err, ErrUnsupportedDigest) || !strings.Contains(err.Error(), "digesters") {
		t.Errorf("CheckSupported(foo) = %v, want ErrUnsupportedDigest naming the package to import", err)
	}
}

type testDigester struct {
	alg  digest.Algorithm
	size int
}

func (d testDigester) Algorithm() digest.Algorithm { return d.alg }
func (d testDigester) Size() int                   { return d.size }
func (d testDigester) New() hash.Hash              { return sha256.New() }
func (d testDigester) Backend() string             { return "test" }

func TestDigesterRegistry(t *testing.T) {
	r := NewRegistry()
	if err := r.RegisterDigester(nil); !errors.Is(err, ErrNilDigester) {
		t.Errorf("RegisterDigester(nil) = %v", err)
	}
	if err := r.RegisterDigester(testDigester{"Bad Name", 32}); !errors.Is(err, ErrInvalidDigest) {
		t.Errorf("RegisterDigester(bad name) = %v", err)
	}
	if err := r.RegisterDigester(testDigester{"x", 0}); err == nil {
		t.Errorf("RegisterDigester(size 0) = nil")
	}
	if err := r.RegisterDigester(testDigester{"mine", 32}); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterDigester(testDigester{"mine", 32}); !errors.Is(err, ErrDuplicateAlgorithm) {
		t.Errorf("RegisterDigester(dup) = %v, want ErrDuplicateAlgorithm", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("MustRegisterDigester(dup) did not panic")
			}
		}()
		r.MustRegisterDigester(testDigester{"mine", 32})
	}()
	// A registered algorithm's digests are checked for its exact length.
	if err := r.ValidateDigest(digest.Digest("mine:" + hex64)); err != nil {
		t.Errorf("ValidateDigest(mine:64 hex) = %v", err)
	}
	if err := r.ValidateDigest("mine:abc"); err == nil {
		t.Errorf("ValidateDigest(mine:abc) = nil, want a length error")
	}
	old, err := r.SetDigester(testDigester{"mine", 32})
	if err != nil || old == nil {
		t.Errorf("SetDigester = %v, %v; want the replaced digester", old, err)
	}
	if _, err := r.Digester("nope"); !errors.Is(err, ErrUnknownAlgorithm) || !strings.Contains(err.Error(), "mine") {
		t.Errorf("Digester(nope) = %v, want ErrUnknownAlgorithm listing the known", err)
	}
	if got := r.Algorithms(); len(got) != 1 || got[0] != "mine" {
		t.Errorf("Algorithms() = %v", got)
	}
}

func TestVerifyBytes(t *testing.T) {
	d := DescriptorFromBytes("x/y", []byte("some data"))
	if err := Default.VerifyBytes([]byte("some data"), d.Size, d.Digest); err != nil {
		t.Errorf("VerifyBytes(matching) = %v", err)
	}
	var sm *SizeMismatchError
	if err := Default.VerifyBytes([]byte("some dat"), d.Size, d.Digest); !errors.As(err, &sm) || sm.Want != 9 || sm.Got != 8 {
		t.Errorf("VerifyBytes(short) = %v", err)
	}
	var dm *DigestMismatchError
	if err := Default.VerifyBytes([]byte("some dato"), d.Size, d.Digest); !errors.As(err, &dm) || dm.Want != d.Digest || !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("VerifyBytes(flipped) = %v", err)
	}
	if err := Default.VerifyBytes(nil, 0, "nocolon"); !errors.Is(err, ErrInvalidDigest) {
		t.Errorf("VerifyBytes(bad digest) = %v, want ErrInvalidDigest (and no panic)", err)
	}
}
