package core

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	digest "github.com/opencontainers/go-digest"
)

// Digest algorithms registered by the OCI image-spec.
const (
	SHA256 digest.Algorithm = "sha256"
	SHA512 digest.Algorithm = "sha512"
	BLAKE3 digest.Algorithm = "blake3"
)

// Digester makes hashes for one digest algorithm. Implementations must be
// safe for concurrent use: New is called from many goroutines; each
// hash.Hash it returns is used by one goroutine at a time. The encoded
// part of a digest is the lowercase hex of the hash's sum, so its length
// is 2*Size().
type Digester interface {
	// Algorithm is the digest's algorithm part, of the spec's grammar.
	Algorithm() digest.Algorithm
	// Size is the length of the raw sum in bytes.
	Size() int
	// New returns a new hash. Write never returns an error and Sum
	// appends, as hash.Hash documents.
	New() hash.Hash
	// Backend names the implementation ("crypto/sha256", "sha256-simd").
	Backend() string
}

// Algorithms is a registry of digest algorithms: which [Digester] serves
// each. A nil *Algorithms is valid and empty. Whatever is registered, an
// Algorithms computes sha256 and sha512 with the standard library when
// no Digester serves them, and checks the encoded length of the
// algorithms the image-spec registers (sha256, sha512, blake3), so core
// alone validates the common digests.
//
// All methods are safe for concurrent use: lookups read an immutable
// snapshot without locking; registrations copy it under a mutex. No
// lookup allocates.
type Algorithms struct {
	mu    sync.Mutex
	state atomic.Pointer[map[digest.Algorithm]Digester]
}

// NewAlgorithms returns an empty registry of digest algorithms.
func NewAlgorithms() *Algorithms { return &Algorithms{} }

// DefaultAlgorithms is the process-wide registry of digest algorithms:
// package digesters registers sha256, sha512 and blake3 here when it is
// imported. [Default] validates and hashes with it.
var DefaultAlgorithms = NewAlgorithms()

func (a *Algorithms) snapshot() map[digest.Algorithm]Digester {
	if a == nil {
		return nil
	}
	if p := a.state.Load(); p != nil {
		return *p
	}
	return nil
}

func (a *Algorithms) update(fn func(map[digest.Algorithm]Digester) error) error {
	if a == nil {
		return fmt.Errorf("%w: nil *core.Algorithms", ErrInvalidDigester)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := maps.Clone(a.snapshot())
	if s == nil {
		s = map[digest.Algorithm]Digester{}
	}
	if err := fn(s); err != nil {
		return err
	}
	a.state.Store(&s)
	return nil
}

func validateDigester(d Digester) error {
	if d == nil {
		return fmt.Errorf("%w: nil", ErrInvalidDigester)
	}
	if err := ValidateAlgorithm(d.Algorithm()); err != nil {
		return err
	}
	if d.Size() <= 0 {
		return fmt.Errorf("%w: %q: digest size %d", ErrInvalidDigester, d.Algorithm(), d.Size())
	}
	if n, ok := specEncodedLen(d.Algorithm()); ok && n != 2*d.Size() {
		return fmt.Errorf("%w: %q: digest size %d, the image-spec says %d", ErrInvalidDigester, d.Algorithm(), d.Size(), n/2)
	}
	return nil
}

// Register adds a digest algorithm. The algorithm name must be of the
// spec's grammar; registering a name twice is an error wrapping
// [ErrDuplicate] (use [Algorithms.Set] to replace one).
func (a *Algorithms) Register(d Digester) error {
	if err := validateDigester(d); err != nil {
		return err
	}
	return a.update(func(s map[digest.Algorithm]Digester) error {
		if _, dup := s[d.Algorithm()]; dup {
			return fmt.Errorf("%w: digest algorithm %q", ErrDuplicate, d.Algorithm())
		}
		s[d.Algorithm()] = d
		return nil
	})
}

// MustRegister is Register that panics on error, for init functions.
func (a *Algorithms) MustRegister(d Digester) {
	if err := a.Register(d); err != nil {
		panic(err)
	}
}

// Set registers d, replacing any digester of the same algorithm, and
// returns the one it replaced (nil if none). Callers use it to choose a
// backend for an algorithm.
func (a *Algorithms) Set(d Digester) (Digester, error) {
	if err := validateDigester(d); err != nil {
		return nil, err
	}
	var old Digester
	err := a.update(func(s map[digest.Algorithm]Digester) error {
		old = s[d.Algorithm()]
		s[d.Algorithm()] = d
		return nil
	})
	return old, err
}

// Lookup returns the digester registered for alg.
func (a *Algorithms) Lookup(alg digest.Algorithm) (Digester, bool) {
	d, ok := a.snapshot()[alg]
	return d, ok
}

// Digester returns the digester registered for alg. An unknown name gives
// an error wrapping [ErrUnknownAlgorithm] that lists the known ones.
func (a *Algorithms) Digester(alg digest.Algorithm) (Digester, error) {
	if d, ok := a.Lookup(alg); ok {
		return d, nil
	}
	return nil, a.unknown(alg)
}

func (a *Algorithms) unknown(alg digest.Algorithm) error {
	names := make([]string, 0, 4)
	for _, k := range a.Names() {
		names = append(names, string(k))
	}
	list := "none registered"
	if len(names) > 0 {
		list = "known: " + strings.Join(names, ", ")
	}
	return fmt.Errorf("%w %q (forgotten import? %s)", ErrUnknownAlgorithm, alg, list)
}

// Names returns the registered algorithms, sorted.
func (a *Algorithms) Names() []digest.Algorithm {
	return slices.Sorted(maps.Keys(a.snapshot()))
}

// List returns the registered digesters sorted by algorithm.
func (a *Algorithms) List() []Digester {
	s := a.snapshot()
	out := make([]Digester, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		out = append(out, s[k])
	}
	return out
}

// Available reports whether a can compute digests of alg: a digester is
// registered, or alg is sha256 or sha512.
func (a *Algorithms) Available(alg digest.Algorithm) bool {
	if _, ok := a.Lookup(alg); ok {
		return true
	}
	return alg == SHA256 || alg == SHA512
}

// Check returns nil when a can compute digests of alg ([Algorithms.Available])
// and otherwise an error wrapping [ErrUnknownAlgorithm] that lists the
// algorithms a has.
func (a *Algorithms) Check(alg digest.Algorithm) error {
	if a.Available(alg) {
		return nil
	}
	return a.unknown(alg)
}

// NewHash returns a hash for alg: the registered Digester's, else the
// standard library's sha256 or sha512, else an error wrapping
// [ErrUnknownAlgorithm].
func (a *Algorithms) NewHash(alg digest.Algorithm) (hash.Hash, error) {
	if d, ok := a.Lookup(alg); ok {
		return d.New(), nil
	}
	switch alg {
	case SHA256:
		return sha256.New(), nil
	case SHA512:
		return sha512.New(), nil
	}
	return nil, a.unknown(alg)
}

// FromBytes returns the digest of data with algorithm alg.
func (a *Algorithms) FromBytes(alg digest.Algorithm, data []byte) (digest.Digest, error) {
	h, err := a.NewHash(alg)
	if err != nil {
		return "", err
	}
	h.Write(data)
	return digest.Digest(string(alg) + ":" + hex.EncodeToString(h.Sum(nil))), nil
}

// VerifyBytes checks that data has the given size and digest; the errors
// are *SizeMismatchError and *DigestMismatchError.
func (a *Algorithms) VerifyBytes(data []byte, size int64, d digest.Digest) error {
	if int64(len(data)) != size {
		return &SizeMismatchError{Want: size, Got: int64(len(data))}
	}
	if err := a.ValidateDigest(d); err != nil {
		return err
	}
	got, err := a.FromBytes(AlgorithmOf(d), data)
	if err != nil {
		return err
	}
	if got != d {
		return &DigestMismatchError{Want: d, Got: got}
	}
	return nil
}

// specEncodedLen gives the encoded lengths of the algorithms the
// image-spec registers, so their digests are checked exactly even when
// no Digester for them is registered.
func specEncodedLen(alg digest.Algorithm) (int, bool) {
	switch alg {
	case SHA256, BLAKE3:
		return 64, true
	case SHA512:
		return 128, true
	}
	return 0, false
}

// ValidateAlgorithm checks an algorithm name against the spec grammar:
//
//	algorithm           ::= algorithm-component (algorithm-separator algorithm-component)*
//	algorithm-component ::= [a-z0-9]+
//	algorithm-separator ::= [+._-]
func ValidateAlgorithm(alg digest.Algorithm) error {
	s := string(alg)
	if s == "" {
		return fmt.Errorf("%w: empty algorithm", ErrInvalidDigest)
	}
	prevSep := true // the first character may not be a separator
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			prevSep = false
		case c == '+' || c == '.' || c == '_' || c == '-':
			if prevSep {
				return fmt.Errorf("%w: algorithm %q: separator %q at %d not between components", ErrInvalidDigest, s, c, i)
			}
			prevSep = true
		default:
			return fmt.Errorf("%w: algorithm %q: character %q at %d not in [a-z0-9+._-]", ErrInvalidDigest, s, c, i)
		}
	}
	if prevSep {
		return fmt.Errorf("%w: algorithm %q ends with a separator", ErrInvalidDigest, s)
	}
	return nil
}

// ValidateDigest checks d against the spec's digest grammar
// (algorithm ":" encoded, encoded ::= [a-zA-Z0-9=_-]+) and, for the
// algorithms the image-spec registers (sha256 and blake3: 64 lowercase
// hex; sha512: 128), the exact encoding. A well-formed digest of another
// algorithm is valid (the spec's SHOULD); [Algorithms.ValidateDigest]
// also checks the length of the algorithms it has.
func ValidateDigest(d digest.Digest) error { return (*Algorithms)(nil).ValidateDigest(d) }

// ValidateDigest is [ValidateDigest] that also checks the encoded length
// of every algorithm registered in a. It does not allocate when d is
// valid.
func (a *Algorithms) ValidateDigest(d digest.Digest) error {
	s := string(d)
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return fmt.Errorf("%w: %q has no ':'", ErrInvalidDigest, s)
	}
	alg, enc := digest.Algorithm(s[:i]), s[i+1:]
	if err := ValidateAlgorithm(alg); err != nil {
		return fmt.Errorf("%w (in %q)", err, s)
	}
	if enc == "" {
		return fmt.Errorf("%w: %q has an empty encoded part", ErrInvalidDigest, s)
	}
	all := uint8(encodedClassAll)
	for j := 0; j < len(enc); j++ {
		all &= encodedClass[enc[j]]
	}
	if all&encodedChar == 0 {
		for j := 0; j < len(enc); j++ {
			if c := enc[j]; encodedClass[c]&encodedChar == 0 {
				return fmt.Errorf("%w: %q: character %q in the encoded part not in [a-zA-Z0-9=_-]", ErrInvalidDigest, s, c)
			}
		}
	}
	n, known := specEncodedLen(alg)
	if dg, ok := a.Lookup(alg); ok {
		n, known = 2*dg.Size(), true
	}
	if !known {
		return nil
	}
	if len(enc) != n {
		return fmt.Errorf("%w: %q: %s wants %d hex characters, got %d", ErrInvalidDigest, s, alg, n, len(enc))
	}
	if all&encodedHex == 0 {
		for j := 0; j < len(enc); j++ {
			if c := enc[j]; encodedClass[c]&encodedHex == 0 {
				return fmt.Errorf("%w: %q: %s wants lowercase hex, found %q", ErrInvalidDigest, s, alg, c)
			}
		}
	}
	return nil
}

// encodedClass tells, for each byte, whether it may be in the encoded
// part of a digest (encodedChar: [a-zA-Z0-9=_-]) and in a hex one
// (encodedHex: [a-f0-9]); one pass over a digest ANDs them.
var encodedClass = func() (t [256]uint8) {
	for c := range 256 {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '=' || c == '_' || c == '-' {
			t[c] |= encodedChar
		}
		if 'a' <= c && c <= 'f' || '0' <= c && c <= '9' {
			t[c] |= encodedHex
		}
	}
	return t
}()

const (
	encodedChar = 1 << iota
	encodedHex
	encodedClassAll = encodedChar | encodedHex
)

// AlgorithmOf returns the algorithm part of d ("" when d has no ':'),
// without go-digest's panic on a digest that has no ':'.
func AlgorithmOf(d digest.Digest) digest.Algorithm {
	alg, _, _ := strings.Cut(string(d), ":")
	return digest.Algorithm(alg)
}
