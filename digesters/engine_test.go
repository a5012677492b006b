package digesters

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// engines cover the three paths: the default (direct for small blobs,
// then the pipeline), always the pipeline, and always direct.
var engines = []struct {
	name string
	e    *Engine
}{
	{"default", &Engine{}},
	{"pipeline", &Engine{DirectLimit: -1}},
	{"direct", &Engine{DirectLimit: 1 << 40}},
}

var algSets = [][]digest.Algorithm{
	nil, // sha256
	{core.SHA512},
	{core.BLAKE3},
	{core.SHA256, core.SHA512},
	{core.BLAKE3, core.SHA256, core.SHA512},
	{core.SHA256, core.SHA256},
}

var sizes = []int{0, 1, 1000, DefaultDirectLimit - 1, DefaultDirectLimit, DefaultDirectLimit + 1, 3*BufferSize + 17, (pipelineDepth+2)*BufferSize + 1}

func wantResult(b []byte, algs []digest.Algorithm) Result {
	if len(algs) == 0 {
		algs = []digest.Algorithm{core.SHA256}
	}
	r := Result{Size: int64(len(b))}
	for _, a := range algs {
		r.Digests = append(r.Digests, reference(a, b))
	}
	return r
}

func equalResult(a, b Result) bool { return a.Size == b.Size && slices.Equal(a.Digests, b.Digests) }

func TestDigestReader(t *testing.T) {
	data := pattern((pipelineDepth+2)*BufferSize + 1)
	for _, en := range engines {
		for _, n := range sizes {
			for i, algs := range algSets {
				if n > 3*BufferSize && i%2 == 1 {
					continue // the largest size with half the sets keeps -race fast
				}
				b := data[:n]
				want := wantResult(b, algs)
				readers := map[string]io.Reader{
					"bytes":   bytes.NewReader(b),
					"half":    iotest.HalfReader(bytes.NewReader(b)),
					"dataErr": iotest.DataErrReader(bytes.NewReader(b)),
				}
				if n <= DefaultDirectLimit+1 {
					readers["onebyte"] = iotest.OneByteReader(bytes.NewReader(b))
				}
				for rname, r := range readers {
					name := fmt.Sprintf("%s/size=%d/algs=%v/%s", en.name, n, algs, rname)
					got, err := en.e.DigestReader(context.Background(), r, algs...)
					if err != nil || !equalResult(got, want) {
						t.Errorf("DigestReader(%s) = %v, %v; want %v", name, got, err, want)
					}
				}
			}
		}
	}
}

func TestDigestFile(t *testing.T) {
	data := pattern(3*BufferSize + 17)
	for _, n := range []int{0, 5, DefaultDirectLimit + 1, len(data)} {
		path := writeFile(t, fmt.Sprintf("blob-%d", n), data[:n])
		for _, en := range engines {
			for _, algs := range algSets {
				want := wantResult(data[:n], algs)
				got, err := en.e.DigestFile(context.Background(), path, algs...)
				if err != nil || !equalResult(got, want) {
					t.Errorf("DigestFile(%s, size=%d, %v) = %v, %v; want %v", en.name, n, algs, got, err, want)
				}
			}
		}
	}
}

func TestResult(t *testing.T) {
	r, err := DigestReader(context.Background(), bytes.NewReader([]byte("some data")), core.SHA512, core.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Digest(core.SHA256), digest.Digest("sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"); got != want {
		t.Errorf("Result.Digest(sha256) = %s, want %s", got, want)
	}
	if got := r.Digest(core.BLAKE3); got != "" {
		t.Errorf("Result.Digest(blake3) = %q, want empty (not asked for)", got)
	}
	d := r.Descriptor(core.KindConfig)
	if d.Size != 9 || d.Digest != r.Digests[0] || d.MediaType != core.KindConfig || d.Digest.Algorithm() != core.SHA512 {
		t.Errorf("Result.Descriptor = %+v, want size 9 and the first (sha512) digest", d)
	}
}

func TestDescriptorFromReaderAndFile(t *testing.T) {
	blob := []byte("some data")
	path := writeFile(t, "blob", blob)
	for _, alg := range []digest.Algorithm{"", core.SHA256, core.SHA512, core.BLAKE3} {
		want := alg
		if want == "" {
			want = core.SHA256
		}
		fromR, err := DescriptorFromReader(context.Background(), bytes.NewReader(blob), core.KindTar, alg)
		if err != nil || fromR.Size != 9 || fromR.Digest != reference(want, blob) || fromR.MediaType != core.KindTar {
			t.Errorf("DescriptorFromReader(%q) = %+v, %v", alg, fromR, err)
		}
		fromF, err := DescriptorFromFile(context.Background(), path, core.KindTar, alg)
		if err != nil || !reflectEqual(fromF, fromR) {
			t.Errorf("DescriptorFromFile(%q) = %+v, %v; want %+v", alg, fromF, err, fromR)
		}
	}
	if want := core.DescriptorFromBytes(core.KindTar, blob); !reflectEqual(mustDesc(t, blob), want) {
		t.Errorf("DescriptorFromReader = %+v, want core.DescriptorFromBytes = %+v", mustDesc(t, blob), want)
	}
}

func reflectEqual(a, b core.Descriptor) bool {
	return a.MediaType == b.MediaType && a.Size == b.Size && a.Digest == b.Digest
}

func mustDesc(t *testing.T, b []byte) core.Descriptor {
	d, err := DescriptorFromReader(context.Background(), bytes.NewReader(b), core.KindTar, "")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestProgress(t *testing.T) {
	data := pattern(5*BufferSize + 3)
	for _, en := range engines {
		var total, calls, inside atomic.Int64
		e := *en.e
		e.Progress = func(n int64) {
			if inside.Add(1) != 1 {
				t.Errorf("Progress called concurrently")
			}
			if n <= 0 || n > BufferSize {
				t.Errorf("Progress(%d), want 1..%d", n, BufferSize)
			}
			total.Add(n)
			calls.Add(1)
			inside.Add(-1)
		}
		if _, err := e.DigestReader(context.Background(), bytes.NewReader(data), core.SHA256, core.SHA512); err != nil {
			t.Fatal(err)
		}
		if total.Load() != int64(len(data)) || calls.Load() < 5 {
			t.Errorf("%s: Progress reported %d bytes in %d calls, want %d in at least 5", en.name, total.Load(), calls.Load(), len(data))
		}
	}
}

// endless produces pattern bytes forever without allocating.
type endless struct{ off int }

func (r *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.off + i)
	}
	r.off += len(p)
	return len(p), nil
}

// TestMemoryConstant checks that the heap a digest allocates does not
// grow with the blob: 32 MiB go through a few pooled buffers.
func TestMemoryConstant(t *testing.T) {
	const size = 32 << 20
	measure := func(algs ...digest.Algorithm) uint64 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := DigestReader(context.Background(), io.LimitReader(&endless{}, size), algs...)
		runtime.ReadMemStats(&after)
		if err != nil || res.Size != size {
			t.Fatalf("DigestReader(32 MiB) = %v, %v", res, err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	for _, algs := range [][]digest.Algorithm{{core.SHA256}, {core.SHA256, core.SHA512}} {
		if got := measure(algs...); got > (pipelineDepth+2)*BufferSize {
			t.Errorf("DigestReader(32 MiB, %v) allocated %d bytes, want at most %d", algs, got, (pipelineDepth+2)*BufferSize)
		}
	}
}
