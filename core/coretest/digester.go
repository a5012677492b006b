package coretest

import (
	"bytes"
	"encoding"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// Vector is a known answer for a digest algorithm: the encoded part of
// the digest (lowercase hex of the sum) of Input.
type Vector struct {
	Name    string
	Input   []byte
	Encoded string
}

// PatternSize is the length of the pattern vector, 1 MiB.
const PatternSize = 1 << 20

// Pattern returns n bytes of the pattern BLAKE3's official test vectors
// use: byte i is i mod 251, so no power-of-two block lines up with a
// repeat.
func Pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// knownAnswers were computed with GNU coreutils' sha256sum and sha512sum
// and the BLAKE3 team's b3sum, not with any code under test.
var knownAnswers = map[digest.Algorithm][4]string{
	core.SHA256: {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee",
		"631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769",
	},
	core.SHA512: {
		"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
		"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
		"e1645e7492f032fb62c674db75500be7b260bfc0daa965821ddb3f8a49b5d33788ee3f046744e2b95afb5c3d8f2500c549ca89d79fc6890885d28e055007424f",
		"67dad569eefc986a3b2424f5516d5a0284bb53d7b52d75f5ed881a6830a95765ccc82bc48752fb693422579f11dc9a400561ec1885af9eeef703dbbd312d4fd0",
	},
	core.BLAKE3: {
		"af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
		"6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
		"b224a1da2bf5e72b337dc6dde457a05265a06dec8875be379e2ad2be5edb3bf2",
		"74cb441fd087764ca9c3694da742ebe30cbeb3060a17009ca81825c7a8d10343",
	},
}

// KnownAnswers returns the suite's vectors for alg: the empty string,
// "abc", the seed's "some data" and a [PatternSize] [Pattern]. It
// returns nil for algorithms other than sha256, sha512 and blake3.
func KnownAnswers(alg digest.Algorithm) []Vector {
	enc, ok := knownAnswers[alg]
	if !ok {
		return nil
	}
	return []Vector{
		{"empty", []byte{}, enc[0]},
		{"abc", []byte("abc"), enc[1]},
		{"some data", []byte("some data"), enc[2]},
		{"pattern 1MiB", Pattern(PatternSize), enc[3]},
	}
}

// TestDigester runs the conformance suite every [core.Digester] must
// pass, built-in or third-party: a valid description (algorithm of the
// spec's grammar, sizes that agree, a backend name), known answers
// (the suite's own for sha256, sha512 and blake3, plus vectors, which
// are required for any other algorithm), split writes equal to one
// write, Sum appending without changing the state, Reset restoring a
// new hash, hashes from New independent under concurrent use (run it
// with -race), and, when the hash implements encoding.BinaryMarshaler
// and BinaryUnmarshaler, a state that survives a round trip.
//
//	func TestMyDigester(t *testing.T) { coretest.TestDigester(t, mydigester.Digester) }
func TestDigester(t *testing.T, d core.Digester, vectors ...Vector) {
	t.Helper()
	if d == nil {
		t.Fatal("TestDigester(nil)")
	}
	all := append(KnownAnswers(d.Algorithm()), vectors...)
	for _, c := range digesterChecks {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.check(d, all) {
				t.Error(p)
			}
		})
	}
}

// digesterChecks are the suite's parts; each returns the problems it
// found, so the suite itself can be tested on broken digesters.
var digesterChecks = []struct {
	name  string
	check func(d core.Digester, vectors []Vector) []string
}{
	{"Describe", checkDescribe},
	{"KnownAnswers", checkKnownAnswers},
	{"SplitWrites", checkSplitWrites},
	{"SumAppends", checkSumAppends},
	{"Reset", checkReset},
	{"Concurrent", checkConcurrent},
	{"BinaryState", checkBinaryState},
}

func checkDescribe(d core.Digester, _ []Vector) []string {
	var out []string
	if err := core.ValidateAlgorithm(d.Algorithm()); err != nil {
		out = append(out, fmt.Sprintf("Algorithm() = %q: %v", d.Algorithm(), err))
	}
	if d.Size() <= 0 {
		out = append(out, fmt.Sprintf("Size() = %d, want > 0", d.Size()))
	}
	if d.Backend() == "" {
		out = append(out, `Backend() = "", want a name`)
	}
	h := d.New()
	if h == nil {
		return append(out, "New() = nil")
	}
	if h.Size() != d.Size() {
		out = append(out, fmt.Sprintf("New().Size() = %d, want Size() = %d", h.Size(), d.Size()))
	}
	if h.BlockSize() <= 0 {
		out = append(out, fmt.Sprintf("New().BlockSize() = %d, want > 0", h.BlockSize()))
	}
	if n := len(h.Sum(nil)); n != d.Size() {
		out = append(out, fmt.Sprintf("len(Sum(nil)) = %d, want Size() = %d", n, d.Size()))
	}
	if n, err := h.Write([]byte("abc")); n != 3 || err != nil {
		out = append(out, fmt.Sprintf("Write(%q) = %d, %v; want 3, nil", "abc", n, err))
	}
	algs := core.NewAlgorithms()
	if err := algs.Register(d); err != nil {
		out = append(out, fmt.Sprintf("Register = %v", err))
	} else if err := algs.ValidateDigest(digestOf(d.Algorithm(), d.New().Sum(nil))); err != nil {
		out = append(out, fmt.Sprintf("the digest of empty input does not validate: %v", err))
	}
	return out
}

func checkKnownAnswers(d core.Digester, vectors []Vector) []string {
	if len(vectors) == 0 {
		return []string{fmt.Sprintf("no known-answer vectors for algorithm %q: pass some to TestDigester", d.Algorithm())}
	}
	var out []string
	for _, v := range vectors {
		h := d.New()
		h.Write(v.Input)
		if got := hex.EncodeToString(h.Sum(nil)); got != v.Encoded {
			out = append(out, fmt.Sprintf("%s(%s) = %s, want %s", d.Algorithm(), v.Name, got, v.Encoded))
		}
	}
	return out
}

// splitSizes are the piece sizes split writes use: around common block
// sizes (64, 128), odd sizes, and larger than a block buffer.
var splitSizes = []int{1, 3, 63, 64, 65, 127, 128, 129, 1000, 4095, 4096, 65537}

func checkSplitWrites(d core.Digester, vectors []Vector) []string {
	var out []string
	rng := rand.New(rand.NewPCG(1, 2))
	for _, v := range vectors {
		if len(v.Input) == 0 {
			continue
		}
		want := sumOf(d, v.Input)
		for _, size := range splitSizes {
			if size == 1 && len(v.Input) > 4096 || size >= len(v.Input) && size != 1 {
				continue
			}
			h := d.New()
			for p := v.Input; len(p) > 0; {
				n := min(size, len(p))
				h.Write(p[:n])
				p = p[n:]
			}
			if got := h.Sum(nil); !bytes.Equal(got, want) {
				out = append(out, fmt.Sprintf("%s(%s) in writes of %d = %x, want %x as in one write", d.Algorithm(), v.Name, size, got, want))
			}
		}
		h := d.New()
		for p := v.Input; len(p) > 0; {
			n := min(1+rng.IntN(3*d.New().BlockSize()), len(p))
			h.Write(p[:n])
			h.Write(nil)
			p = p[n:]
		}
		if got := h.Sum(nil); !bytes.Equal(got, want) {
			out = append(out, fmt.Sprintf("%s(%s) in random writes = %x, want %x as in one write", d.Algorithm(), v.Name, got, want))
		}
	}
	return out
}

func checkSumAppends(d core.Digester, vectors []Vector) []string {
	var out []string
	for _, v := range vectors {
		want := sumOf(d, v.Input)
		h := d.New()
		h.Write(v.Input)
		prefix := []byte("prefix")
		got := h.Sum(prefix)
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			out = append(out, fmt.Sprintf("Sum(%q) after %s = %x, want the prefix then %x", "prefix", v.Name, got, want))
		}
		if string(prefix) != "prefix" {
			out = append(out, fmt.Sprintf("Sum changed its argument to %q", prefix))
		}
		roomy := make([]byte, 2, 2+d.Size()+8)
		if got := h.Sum(roomy); !bytes.Equal(got[:2], []byte{0, 0}) || !bytes.Equal(got[2:], want) {
			out = append(out, fmt.Sprintf("Sum(2 bytes with spare capacity) after %s = %x, want 0000%x", v.Name, got, want))
		}
		if again := h.Sum(nil); !bytes.Equal(again, want) {
			out = append(out, fmt.Sprintf("a second Sum after %s = %x, want %x (Sum must not change the state)", v.Name, again, want))
		}
		h.Write([]byte("more"))
		if got, want := h.Sum(nil), sumOf(d, append(bytes.Clone(v.Input), "more"...)); !bytes.Equal(got, want) {
			out = append(out, fmt.Sprintf("Write after Sum after %s = %x, want %x (the sum of both writes)", v.Name, got, want))
		}
	}
	return out
}

func checkReset(d core.Digester, vectors []Vector) []string {
	var out []string
	for _, v := range vectors {
		h := d.New()
		h.Write([]byte("state to forget"))
		h.Sum(nil)
		h.Reset()
		h.Write(v.Input)
		if got := hex.EncodeToString(h.Sum(nil)); got != v.Encoded {
			out = append(out, fmt.Sprintf("%s(%s) after Reset = %s, want %s", d.Algorithm(), v.Name, got, v.Encoded))
		}
	}
	h := d.New()
	empty := h.Sum(nil)
	h.Write(Pattern(5000))
	h.Reset()
	if got := h.Sum(nil); !bytes.Equal(got, empty) {
		out = append(out, fmt.Sprintf("Sum after Write and Reset = %x, want the empty sum %x", got, empty))
	}
	return out
}

func checkConcurrent(d core.Digester, vectors []Vector) []string {
	const goroutines = 4
	var (
		mu  sync.Mutex
		out []string
		wg  sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			for i := range vectors {
				v := vectors[(i+g)%len(vectors)]
				h := d.New()
				for p := v.Input; len(p) > 0; {
					n := min(1000+g, len(p))
					h.Write(p[:n])
					p = p[n:]
				}
				if got := hex.EncodeToString(h.Sum(nil)); got != v.Encoded {
					mu.Lock()
					out = append(out, fmt.Sprintf("goroutine %d: %s(%s) = %s, want %s (hashes from New share state?)", g, d.Algorithm(), v.Name, got, v.Encoded))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return out
}

func checkBinaryState(d core.Digester, vectors []Vector) []string {
	if _, ok := d.New().(encoding.BinaryMarshaler); !ok {
		return nil
	}
	if _, ok := d.New().(encoding.BinaryUnmarshaler); !ok {
		return nil
	}
	var out []string
	for _, v := range vectors {
		half := len(v.Input) / 2
		h := d.New()
		h.Write(v.Input[:half])
		state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			out = append(out, fmt.Sprintf("MarshalBinary after half of %s: %v", v.Name, err))
			continue
		}
		h2 := d.New()
		if err := h2.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			out = append(out, fmt.Sprintf("UnmarshalBinary(state after half of %s): %v", v.Name, err))
			continue
		}
		h2.Write(v.Input[half:])
		if got := hex.EncodeToString(h2.Sum(nil)); got != v.Encoded {
			out = append(out, fmt.Sprintf("%s(%s) resumed from MarshalBinary = %s, want %s", d.Algorithm(), v.Name, got, v.Encoded))
		}
	}
	return out
}

func sumOf(d core.Digester, b []byte) []byte {
	h := d.New()
	h.Write(b)
	return h.Sum(nil)
}

func digestOf(alg digest.Algorithm, sum []byte) digest.Digest {
	return digest.Digest(string(alg) + ":" + hex.EncodeToString(sum))
}
