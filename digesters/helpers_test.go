package digesters

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/internal/leaktest"
	digest "github.com/opencontainers/go-digest"
	"github.com/zeebo/blake3"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := findLeaks(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left running after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// findLeaks looks for goroutines other than the test's own, waiting up
// to ten seconds for ones that are only finishing.
func findLeaks() error { return leaktest.Find(nil, 10*time.Second) }

// verifyNone fails t when goroutines are left running; defer it.
func verifyNone(t *testing.T) {
	t.Helper()
	if err := findLeaks(); err != nil {
		t.Error(err)
	}
}

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
