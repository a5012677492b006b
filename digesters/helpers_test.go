package digesters

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
	"github.com/zeebo/blake3"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pattern returns n bytes that do not repeat on any power-of-two period.
func pattern(n int) []byte {
	b := make([]byte, n)
	var x uint32 = 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// reference computes a digest with the algorithm's reference
// implementation, independently of the engine.
func reference(alg digest.Algorithm, b []byte) digest.Digest {
	var sum []byte
	switch alg {
	case core.SHA256:
		s := sha256.Sum256(b)
		sum = s[:]
	case core.SHA512:
		s := sha512.Sum512(b)
		sum = s[:]
	case core.BLAKE3:
		s := blake3.Sum256(b)
		sum = s[:]
	default:
		panic("no reference for " + alg)
	}
	return digest.Digest(string(alg) + ":" + hex.EncodeToString(sum))
}

func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
