package digesters

import (
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"

	"github.com/concil-go/ocispec/core"
	simd "github.com/minio/sha256-simd"
	digest "github.com/opencontainers/go-digest"
	"github.com/zeebo/blake3"
)

// Backend names, as [core.Digester.Backend] reports them.
const (
	BackendStdlibSHA256 = "crypto/sha256"
	BackendSIMDSHA256   = "sha256-simd"
	BackendStdlibSHA512 = "crypto/sha512"
	BackendBLAKE3       = "zeebo/blake3"
)

// The built-in backends, each usable on its own (to build a
// [core.Algorithms] without globals, to benchmark or to test one backend).
// [SHA256] is the one package init registers for sha256: it serves each
// hash from whichever of SHA256Stdlib and SHA256SIMD [SHA256Choice]
// picked. None of them is ever installed with crypto.RegisterHash.
var (
	// SHA256Stdlib is sha256 from the standard library's crypto/sha256.
	SHA256Stdlib core.Digester = &digester{core.SHA256, sha256.Size, BackendStdlibSHA256, sha256.New}
	// SHA256SIMD is sha256 from github.com/minio/sha256-simd.
	SHA256SIMD core.Digester = &digester{core.SHA256, simd.Size, BackendSIMDSHA256, simd.New}
	// SHA512 is sha512 from the standard library's crypto/sha512.
	SHA512 core.Digester = &digester{core.SHA512, sha512.Size, BackendStdlibSHA512, sha512.New}
	// BLAKE3 is 256-bit BLAKE3 from github.com/zeebo/blake3, the
	// algorithm the image-spec registers as "blake3".
	BLAKE3 core.Digester = &digester{core.BLAKE3, 32, BackendBLAKE3, func() hash.Hash { return blake3.New() }}
	// SHA256 is sha256 served by the backend [SHA256Choice] reports:
	// calibrated on first use, or set by OCISPEC_SHA256 or
	// [SetSHA256Backend].
	SHA256 core.Digester = autoSHA256{}
)

// Builtins returns every built-in backend, the calibrated [SHA256]
// first, for conformance tests and benchmarks.
func Builtins() []core.Digester {
	return []core.Digester{SHA256, SHA256Stdlib, SHA256SIMD, SHA512, BLAKE3}
}

func init() {
	if err := Register(core.DefaultAlgorithms); err != nil {
		panic(err)
	}
}

// Register adds the built-in algorithms (sha256 through [SHA256],
// sha512, blake3) to algs, for an embedder that builds its own
// [core.Algorithms]. It fails like [core.Algorithms.Register] when one
// of them is already there.
func Register(algs *core.Algorithms) error {
	for _, d := range []core.Digester{SHA256, SHA512, BLAKE3} {
		if err := algs.Register(d); err != nil {
			return err
		}
	}
	return nil
}

// digester is a core.Digester over a hash constructor.
type digester struct {
	alg     digest.Algorithm
	size    int
	backend string
	newHash func() hash.Hash
}

func (d *digester) Algorithm() digest.Algorithm { return d.alg }
func (d *digester) Size() int                   { return d.size }
func (d *digester) New() hash.Hash              { return d.newHash() }
func (d *digester) Backend() string             { return d.backend }
func (d *digester) String() string              { return string(d.alg) + " (" + d.backend + ")" }

// NewDigester makes a [core.Digester] for algorithm alg from a hash
// constructor, for algorithms and backends this package does not ship.
// backend names the implementation; the digest size is newHash().Size().
// Run [github.com/concil-go/ocispec/core/coretest.TestDigester] on the
// result before registering it.
func NewDigester(alg digest.Algorithm, backend string, newHash func() hash.Hash) (core.Digester, error) {
	if err := core.ValidateAlgorithm(alg); err != nil {
		return nil, fmt.Errorf("digesters: new digester: %w", err)
	}
	if newHash == nil {
		return nil, fmt.Errorf("digesters: new digester %q: %w: nil hash constructor", alg, core.ErrInvalidDigester)
	}
	h := newHash()
	if h == nil || h.Size() <= 0 {
		return nil, fmt.Errorf("digesters: new digester %q: %w: its hash has no size", alg, core.ErrInvalidDigest)
	}
	if backend == "" {
		backend = string(alg)
	}
	return &digester{alg, h.Size(), backend, newHash}, nil
}

// autoSHA256 serves sha256 from the backend chosen by SHA256Choice.
type autoSHA256 struct{}

func (autoSHA256) Algorithm() digest.Algorithm { return core.SHA256 }
func (autoSHA256) Size() int                   { return sha256.Size }
func (autoSHA256) New() hash.Hash              { return currentSHA256().New() }
func (autoSHA256) Backend() string             { return currentSHA256().Backend() }
func (autoSHA256) String() string              { return "sha256 (" + currentSHA256().Backend() + ", calibrated)" }
