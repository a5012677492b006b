package core

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

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

// specEncodedLen gives the encoded lengths of the algorithms the
// image-spec registers, so their digests are checked exactly even when
// no Digester for them is registered.
var specEncodedLen = map[digest.Algorithm]int{SHA256: 64, SHA512: 128, BLAKE3: 64}

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
// algorithms the spec registers or that are registered in [Default], the
// exact encoding (sha256 and blake3: 64 lowercase hex; sha512: 128). A
// well-formed digest of an unknown algorithm is valid (the spec's SHOULD);
// [Registry.CheckSupported] says whether it can be computed.
func ValidateDigest(d digest.Digest) error { return Default.ValidateDigest(d) }

// ValidateDigest is [ValidateDigest] with this registry's algorithms.
func (r *Registry) ValidateDigest(d digest.Digest) error {
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
	for j := 0; j < len(enc); j++ {
		c := enc[j]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '=' || c == '_' || c == '-') {
			return fmt.Errorf("%w: %q: character %q in the encoded part not in [a-zA-Z0-9=_-]", ErrInvalidDigest, s, c)
		}
	}
	n, known := specEncodedLen[alg]
	if dg, err := r.Digester(alg); err == nil {
		n, known = 2*dg.Size(), true
	}
	if !known {
		return nil
	}
	if len(enc) != n {
		return fmt.Errorf("%w: %q: %s wants %d hex characters, got %d", ErrInvalidDigest, s, alg, n, len(enc))
	}
	for j := 0; j < len(enc); j++ {
		if c := enc[j]; !('a' <= c && c <= 'f' || '0' <= c && c <= '9') {
			return fmt.Errorf("%w: %q: %s wants lowercase hex, found %q", ErrInvalidDigest, s, alg, c)
		}
	}
	return nil
}

// CheckSupported returns nil when this registry can compute digests of
// d's algorithm, and an error wrapping [ErrUnsupportedDigest] otherwise.
func (r *Registry) CheckSupported(alg digest.Algorithm) error {
	_, err := r.NewHash(alg)
	return err
}

// NewHash returns a hash for alg: the registered Digester's, else the
// standard library's sha256 or sha512 (so that core alone can check the
// common digests), else an error wrapping [ErrUnsupportedDigest] that
// says what to import.
func (r *Registry) NewHash(alg digest.Algorithm) (hash.Hash, error) {
	if dg, err := r.Digester(alg); err == nil {
		return dg.New(), nil
	}
	switch alg {
	case SHA256:
		return sha256.New(), nil
	case SHA512:
		return sha512.New(), nil
	}
	return nil, fmt.Errorf("%w: %q (forgotten import of github.com/concil-go/ocispec/digesters?)", ErrUnsupportedDigest, alg)
}

// FromBytes returns the digest of data with algorithm alg.
func (r *Registry) FromBytes(alg digest.Algorithm, data []byte) (digest.Digest, error) {
	h, err := r.NewHash(alg)
	if err != nil {
		return "", err
	}
	h.Write(data)
	return digest.Digest(string(alg) + ":" + hex.EncodeToString(h.Sum(nil))), nil
}

// VerifyBytes checks that data has the given size and digest; the errors
// are *SizeMismatchError and *DigestMismatchError.
func (r *Registry) VerifyBytes(data []byte, size int64, d digest.Digest) error {
	if int64(len(data)) != size {
		return &SizeMismatchError{Want: size, Got: int64(len(data))}
	}
	if err := r.ValidateDigest(d); err != nil {
		return err
	}
	got, err := r.FromBytes(algorithmOf(d), data)
	if err != nil {
		return err
	}
	if got != d {
		return &DigestMismatchError{Want: d, Got: got}
	}
	return nil
}

// algorithmOf returns the algorithm part of d without go-digest's panic
// on a digest that has no ':'.
func algorithmOf(d digest.Digest) digest.Algorithm {
	alg, _, _ := strings.Cut(string(d), ":")
	return digest.Algorithm(alg)
}
