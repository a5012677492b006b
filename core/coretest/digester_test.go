package coretest

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"sync"
	"testing"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// fake is a Digester over any hash constructor, to feed the suite good
// and broken implementations.
type fake struct {
	alg  digest.Algorithm
	size int
	new  func() hash.Hash
}

func (f fake) Algorithm() digest.Algorithm { return f.alg }
func (f fake) Size() int                   { return f.size }
func (f fake) New() hash.Hash              { return f.new() }
func (f fake) Backend() string             { return "test" }

var (
	goodSHA256 = fake{core.SHA256, 32, sha256.New}
	goodSHA512 = fake{core.SHA512, 64, sha512.New}
)

func TestDigesterSuiteOnStdlib(t *testing.T) {
	TestDigester(t, goodSHA256)
	TestDigester(t, goodSHA512)
}

func TestDigesterThirdPartyVectors(t *testing.T) {
	// md5 is not a spec algorithm; its author supplies the answers
	// (RFC 1321's test suite).
	TestDigester(t, fake{"md5", 16, md5.New},
		Vector{"empty", nil, "d41d8cd98f00b204e9800998ecf8427e"},
		Vector{"abc", []byte("abc"), "900150983cd24fb0d6963f7d28e17f72"},
		Vector{"message digest", []byte("message digest"), "f96b697d7cb7938d525a2f31aaf161d0"})
}

func TestKnownAnswers(t *testing.T) {
	for _, alg := range []digest.Algorithm{core.SHA256, core.SHA512, core.BLAKE3} {
		vs := KnownAnswers(alg)
		if len(vs) != 4 {
			t.Fatalf("KnownAnswers(%q) has %d vectors, want 4", alg, len(vs))
		}
		if n := len(vs[3].Input); n != PatternSize {
			t.Errorf("KnownAnswers(%q) pattern has %d bytes, want %d", alg, n, PatternSize)
		}
	}
	if vs := KnownAnswers("md5"); vs != nil {
		t.Errorf("KnownAnswers(%q) = %d vectors, want none", "md5", len(vs))
	}
	if p := Pattern(300); p[250] != 250 || p[251] != 0 || p[299] != 48 {
		t.Errorf("Pattern(300)[250,251,299] = %d,%d,%d, want 250,0,48", p[250], p[251], p[299])
	}
}

// Broken hashes, each wrong in one way the suite must notice.

type noAppend struct{ hash.Hash }

func (h noAppend) Sum(b []byte) []byte { return h.Hash.Sum(nil) }

type noReset struct{ hash.Hash }

func (noReset) Reset() {}

type dropsSingleBytes struct{ hash.Hash }

func (h dropsSingleBytes) Write(p []byte) (int, error) {
	if len(p) == 1 {
		return 1, nil
	}
	return h.Hash.Write(p)
}

type sumResets struct{ hash.Hash }

func (h sumResets) Sum(b []byte) []byte {
	out := h.Hash.Sum(b)
	h.Hash.Reset()
	return out
}

type wrongFirstByte struct{ hash.Hash }

func (h wrongFirstByte) Sum(b []byte) []byte {
	out := h.Hash.Sum(b)
	out[len(b)] ^= 1
	return out
}

// lockedShared is one hash shared by every New, locked so that sharing
// shows as wrong answers rather than as a data race.
type lockedShared struct {
	mu *sync.Mutex
	h  hash.Hash
}

func (s lockedShared) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h.Write(p)
}
func (s lockedShared) Sum(b []byte) []byte { s.mu.Lock(); defer s.mu.Unlock(); return s.h.Sum(b) }
func (s lockedShared) Reset()              { s.mu.Lock(); defer s.mu.Unlock(); s.h.Reset() }
func (s lockedShared) Size() int           { return s.h.Size() }
func (s lockedShared) BlockSize() int      { return s.h.BlockSize() }

func wrap(w func(hash.Hash) hash.Hash) func() hash.Hash {
	return func() hash.Hash { return w(sha256.New()) }
}

func TestDigesterSuiteCatches(t *testing.T) {
	shared := lockedShared{&sync.Mutex{}, sha256.New()}
	tests := []struct {
		name  string
		d     core.Digester
		check string
	}{
		{"bad algorithm name", fake{"SHA-256", 32, sha256.New}, "Describe"},
		{"size disagrees", fake{core.SHA256, 16, sha256.New}, "Describe"},
		{"wrong answers", fake{core.SHA256, 32, wrap(func(h hash.Hash) hash.Hash { return wrongFirstByte{h} })}, "KnownAnswers"},
		{"no vectors", fake{"mine", 32, sha256.New}, "KnownAnswers"},
		{"split writes differ", fake{core.SHA256, 32, wrap(func(h hash.Hash) hash.Hash { return dropsSingleBytes{h} })}, "SplitWrites"},
		{"Sum does not append", fake{core.SHA256, 32, wrap(func(h hash.Hash) hash.Hash { return noAppend{h} })}, "SumAppends"},
		{"Sum resets", fake{core.SHA256, 32, wrap(func(h hash.Hash) hash.Hash { return sumResets{h} })}, "SumAppends"},
		{"Reset does nothing", fake{core.SHA256, 32, wrap(func(h hash.Hash) hash.Hash { return noReset{h} })}, "Reset"},
		{"New shares state", fake{core.SHA256, 32, func() hash.Hash { return shared }}, "Concurrent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vectors := KnownAnswers(tt.d.Algorithm())
			found := false
			for _, c := range digesterChecks {
				if c.name == tt.check {
					found = true
					if problems := c.check(tt.d, vectors); len(problems) == 0 {
						t.Errorf("check %s(%s) found no problem, want one", c.name, tt.name)
					}
				}
			}
			if !found {
				t.Fatalf("no check named %q", tt.check)
			}
		})
	}
}

func TestDigesterChecksPassGood(t *testing.T) {
	for _, d := range []core.Digester{goodSHA256, goodSHA512} {
		for _, c := range digesterChecks {
			if problems := c.check(d, KnownAnswers(d.Algorithm())); len(problems) > 0 {
				t.Errorf("check %s(%s) = %q, want no problems", c.name, d.Algorithm(), problems)
			}
		}
	}
}
