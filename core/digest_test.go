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

func TestAvailable(t *testing.T) {
	var none *Algorithms
	for _, alg := range []digest.Algorithm{SHA256, SHA512} {
		if !none.Available(alg) {
			t.Errorf("Available(%s) = false with no registry (stdlib fallback)", alg)
		}
	}
	if none.Available(BLAKE3) {
		t.Errorf("Available(blake3) = true with no registry")
	}
	_, err := NewAlgorithms().NewHash("foo")
	if !errors.Is(err, ErrUnknownAlgorithm) || !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "forgotten import?") {
		t.Errorf("NewHash(foo) = %v, want ErrUnknownAlgorithm with a hint", err)
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

func TestAlgorithmsRegistry(t *testing.T) {
	r := NewAlgorithms()
	if err := r.Register(nil); !errors.Is(err, ErrInvalidDigester) {
		t.Errorf("Register(nil) = %v", err)
	}
	if err := r.Register(testDigester{"Bad Name", 32}); !errors.Is(err, ErrInvalidDigest) {
		t.Errorf("Register(bad name) = %v", err)
	}
	if err := r.Register(testDigester{"x", 0}); err == nil {
		t.Errorf("Register(size 0) = nil")
	}
	if err := r.Register(testDigester{SHA512, 32}); !errors.Is(err, ErrInvalidDigester) {
		t.Errorf("Register(sha512 of 32 bytes) = %v, want ErrInvalidDigester", err)
	}
	if err := r.Register(testDigester{"mine", 32}); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(testDigester{"mine", 32}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("Register(dup) = %v, want ErrDuplicate", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("MustRegister(dup) did not panic")
			}
		}()
		r.MustRegister(testDigester{"mine", 32})
	}()
	// A registered algorithm's digests are checked for its exact length.
	if err := r.ValidateDigest(digest.Digest("mine:" + hex64)); err != nil {
		t.Errorf("ValidateDigest(mine:64 hex) = %v", err)
	}
	if err := r.ValidateDigest("mine:abc"); err == nil {
		t.Errorf("ValidateDigest(mine:abc) = nil, want a length error")
	}
	if err := ValidateDigest("mine:abc"); err != nil {
		t.Errorf("core.ValidateDigest(mine:abc) = %v, want nil (the spec's rules only)", err)
	}
	old, err := r.Set(testDigester{"mine", 32})
	if err != nil || old == nil {
		t.Errorf("Set = %v, %v; want the replaced digester", old, err)
	}
	if _, err := r.Digester("nope"); !errors.Is(err, ErrUnknownAlgorithm) || !strings.Contains(err.Error(), "mine") {
		t.Errorf("Digester(nope) = %v, want ErrUnknownAlgorithm listing the known", err)
	}
	if got := r.Names(); len(got) != 1 || got[0] != "mine" {
		t.Errorf("Names() = %v", got)
	}
	var none *Algorithms
	if err := none.Register(testDigester{"x", 1}); err == nil {
		t.Errorf("nil Algorithms Register = nil")
	}
}

// TestValidateDigestAllocs pins that validating a well-formed digest does
// not allocate, with no algorithms, with algorithms that do not serve it
// and with one that does (it runs for every descriptor of every decode).
func TestValidateDigestAllocs(t *testing.T) {
	d := digest.Digest("sha256:" + hex64)
	other := NewAlgorithms()
	other.MustRegister(testDigester{"mine", 32})
	serving := NewAlgorithms()
	serving.MustRegister(testDigester{SHA256, 32})
	for name, a := range map[string]*Algorithms{"nil": nil, "other": other, "serving": serving} {
		if n := testing.AllocsPerRun(100, func() { _ = a.ValidateDigest(d) }); n != 0 {
			t.Errorf("%s: ValidateDigest allocates %v times, want 0", name, n)
		}
	}
}

func BenchmarkValidateDigest(b *testing.B) {
	d := digest.Digest("sha256:" + hex64)
	serving := NewAlgorithms()
	serving.MustRegister(testDigester{SHA256, 32})
	for _, c := range []struct {
		name string
		a    *Algorithms
	}{{"algorithms=none", nil}, {"algorithms=sha256", serving}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.a.ValidateDigest(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestVerifyBytes(t *testing.T) {
	d := DescriptorFromBytes("x/y", []byte("some data"))
	if err := (*Algorithms)(nil).VerifyBytes([]byte("some data"), d.Size, d.Digest); err != nil {
		t.Errorf("VerifyBytes(matching) = %v", err)
	}
	var sm *SizeMismatchError
	if err := (*Algorithms)(nil).VerifyBytes([]byte("some dat"), d.Size, d.Digest); !errors.As(err, &sm) || sm.Want != 9 || sm.Got != 8 {
		t.Errorf("VerifyBytes(short) = %v", err)
	}
	var dm *DigestMismatchError
	if err := (*Algorithms)(nil).VerifyBytes([]byte("some dato"), d.Size, d.Digest); !errors.As(err, &dm) || dm.Want != d.Digest || !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("VerifyBytes(flipped) = %v", err)
	}
	if err := (*Algorithms)(nil).VerifyBytes(nil, 0, "nocolon"); !errors.Is(err, ErrInvalidDigest) {
		t.Errorf("VerifyBytes(bad digest) = %v, want ErrInvalidDigest (and no panic)", err)
	}
}
