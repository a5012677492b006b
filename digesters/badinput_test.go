package digesters

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// Every bad input gives an error naming the blob and leaves no
// goroutine behind.

func TestReaderFailsMidway(t *testing.T) {
	defer verifyNone(t)
	// The compressed layers fail in the middle of a valid stream, so
	// that the read's error comes before any the decoder could find:
	// their tar holds noise, which keeps them longer than 2 MiB + 1.
	noisy := randomTar(t, 3*BufferSize)
	zs, gz := zstded(t, noisy), gzipped(t, noisy)
	cut := func(b []byte, r io.Reader) io.Reader {
		return io.MultiReader(bytes.NewReader(b[:r.(*failing).n]), &failing{})
	}
	calls := map[string]func(r io.Reader) error{
		"DigestReader": func(r io.Reader) error {
			_, err := DigestReader(context.Background(), r, core.SHA256, core.SHA512)
			return err
		},
		"DigestReader pipeline": func(r io.Reader) error {
			_, err := (&Engine{DirectLimit: -1}).DigestReader(context.Background(), r)
			return err
		},
		"DigestLayer plain": func(r io.Reader) error {
			_, _, err := DigestLayer(context.Background(), r)
			return err
		},
		"DigestLayer zstd": func(r io.Reader) error {
			_, _, err := DigestLayer(context.Background(), cut(zs, r))
			return err
		},
		"DigestLayer gzip": func(r io.Reader) error {
			_, _, err := DigestLayer(context.Background(), cut(gz, r))
			return err
		},
		"Verify": func(r io.Reader) error {
			return VerifyReader(r, core.Descriptor{Digest: reference(core.SHA256, nil), Size: 10 * BufferSize})
		},
	}
	for name, call := range calls {
		for _, after := range []int{0, 100, 2*BufferSize + 1} {
			err := call(&failing{n: after})
			if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "digesters: ") {
				t.Errorf("%s(fails after %d) = %v, want an error wrapping %v", name, after, err, errBoom)
			}
		}
	}
}

// randomTar is a tar stream of one entry of random bytes, about size
// bytes long.
func randomTar(t *testing.T, size int) []byte {
	t.Helper()
	body := make([]byte, size)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "noise", Mode: 0o644, Size: int64(size)}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLayerCorruptEarly: a compressed layer whose decoder fails in its
// first KiB while many more MiB follow ends with ErrCorruptLayer: the
// chunks the dead decoder will never take do not hold every buffer of
// the read (which once left DigestLayer waiting forever).
func TestLayerCorruptEarly(t *testing.T) {
	defer verifyNone(t)
	tarb := makeTar(t, 3*BufferSize)
	for name, head := range map[string][]byte{"gzip": gzipped(t, tarb)[:1000], "zstd": zstded(t, tarb)[:1000]} {
		for _, rest := range []int{pipelineDepth * readSize, 20 * BufferSize} {
			done := make(chan error, 1)
			go func() {
				_, _, err := DigestLayer(context.Background(), io.MultiReader(bytes.NewReader(head), bytes.NewReader(make([]byte, rest))))
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrCorruptLayer) || !strings.HasPrefix(err.Error(), "digesters: ") {
					t.Errorf("%s head and %d zero bytes: DigestLayer = %v, want an error wrapping ErrCorruptLayer", name, rest, err)
				}
			case <-time.After(2 * time.Minute):
				t.Fatalf("%s head and %d zero bytes: DigestLayer has not returned after 2 minutes", name, rest)
			}
		}
	}
}

func TestFileChangesWhileRead(t *testing.T) {
	defer verifyNone(t)
	data := pattern(4 * BufferSize)
	tests := []struct {
		name   string
		change func(path string) error
		want   string
	}{
		{"shrinks", func(p string) error { return os.Truncate(p, BufferSize) }, "could be read"},
		{"grows", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write([]byte("more"))
			return err
		}, "grew"},
		{"rewritten", func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte("x"), 3*BufferSize)
			return err
		}, "modified"},
	}
	for _, tt := range tests {
		for _, layer := range []bool{false, true} {
			path := writeFile(t, "blob", data)
			// An hour-old modification time: a rewrite at the same size
			// must show in the time even where the file system stamps
			// writes with a coarse clock.
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
			once := false
			// Progress runs after the first DirectLimit bytes, before
			// the pipeline has read anything more.
			e := &Engine{Progress: func(int64) {
				if !once {
					once = true
					if err := tt.change(path); err != nil {
						t.Fatal(err)
					}
				}
			}}
			var err error
			if layer {
				_, _, err = e.DigestLayerFile(context.Background(), path, core.Uncompressed)
			} else {
				_, err = e.DigestFile(context.Background(), path)
			}
			// The layer path has no direct phase, so its reader may be past
			// the change when it happens; the final stat still sees it.
			if !errors.Is(err, core.ErrFileChanged) || !strings.Contains(err.Error(), path) || !layer && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DigestFile(file that %s, layer=%v) = %v, want core.ErrFileChanged naming it (%q)", tt.name, layer, err, tt.want)
			}
		}
	}
}

func TestBadFiles(t *testing.T) {
	defer verifyNone(t)
	dir := t.TempDir()
	if _, err := DigestFile(context.Background(), dir); !errors.Is(err, core.ErrNotRegular) {
		t.Errorf("DigestFile(directory) = %v, want core.ErrNotRegular", err)
	}
	if _, err := DigestFile(context.Background(), dir+"/nope"); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("DigestFile(missing) = %v, want ErrNotExist naming it", err)
	}
}

func TestBadDescriptors(t *testing.T) {
	defer verifyNone(t)
	blob := pattern(2*BufferSize + 1)
	good := core.Descriptor{Digest: reference(core.SHA256, blob), Size: int64(len(blob))}
	tests := []struct {
		name string
		d    core.Descriptor
		want error
	}{
		{"negative size", core.Descriptor{Digest: good.Digest, Size: -1}, core.ErrInvalidDocument},
		{"size larger than the blob", core.Descriptor{Digest: good.Digest, Size: good.Size + 1}, core.ErrSizeMismatch},
		{"size the largest int64", core.Descriptor{Digest: good.Digest, Size: math.MaxInt64}, core.ErrSizeMismatch},
		{"size smaller than the blob", core.Descriptor{Digest: good.Digest, Size: good.Size - 1}, core.ErrSizeMismatch},
		{"digest of something else", core.Descriptor{Digest: reference(core.SHA256, blob[1:]), Size: good.Size}, core.ErrDigestMismatch},
		{"unknown algorithm", core.Descriptor{Digest: "md5:d41d8cd98f00b204e9800998ecf8427e", Size: good.Size}, core.ErrUnknownAlgorithm},
		{"malformed digest", core.Descriptor{Digest: "sha256:xyz", Size: good.Size}, core.ErrInvalidDigest},
	}
	for _, tt := range tests {
		src := &countingReader{r: bytes.NewReader(blob)}
		err := (&Engine{}).Verify(context.Background(), src, tt.d)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), string(tt.d.Digest)) {
			t.Errorf("Verify(%s) = %v, want %v naming the blob", tt.name, err, tt.want)
		}
		if tt.d.Size >= 0 && src.n > tt.d.Size+1 && tt.d.Size < math.MaxInt64 {
			t.Errorf("Verify(%s) read %d bytes, want at most size+1 = %d", tt.name, src.n, tt.d.Size+1)
		}
		if tt.d.Size >= 0 && tt.d.Digest != "sha256:xyz" && !strings.HasPrefix(string(tt.d.Digest), "md5") {
			vr := mustVerifier(t, bytes.NewReader(blob), tt.d)
			if _, err := io.ReadAll(vr); !errors.Is(err, tt.want) {
				t.Errorf("VerifyingReader(%s) = %v, want %v", tt.name, err, tt.want)
			}
		}
		d := tt.d
		d.Data = blob
		if err := VerifyData(d); !errors.Is(err, tt.want) {
			t.Errorf("VerifyData(%s) = %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := (&Engine{}).Verify(context.Background(), bytes.NewReader(blob), good); err != nil {
		t.Errorf("Verify(good) = %v", err)
	}
	good.Data = blob
	if err := VerifyData(good); err != nil {
		t.Errorf("VerifyData(good) = %v", err)
	}
	if err := VerifyData(core.Descriptor{Digest: "sha256:bad", Size: 3}); err != nil {
		t.Errorf("VerifyData(no data) = %v, want nil", err)
	}
	var dm *core.DigestMismatchError
	d := core.Descriptor{Digest: reference(core.SHA256, []byte("abc")), Size: 3, Data: []byte("abd")}
	if err := VerifyData(d); !errors.As(err, &dm) || dm.Want != d.Digest || dm.Got != reference(core.SHA256, []byte("abd")) {
		t.Errorf("VerifyData(abd for abc) = %v, want *DigestMismatchError with want and got", err)
	}
}

func TestCorruptLayers(t *testing.T) {
	defer verifyNone(t)
	tarb := makeTar(t, BufferSize)
	gz := gzipped(t, tarb)
	zs := zstded(t, tarb)
	flip := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[i] ^= 0xff
		return b
	}
	// A zstd frame header that claims a 2 GiB window.
	hugeWindow := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00}
	tests := []struct {
		name string
		in   []byte
		c    core.Compression
		want error
	}{
		{"gzip flipped", flip(gz, len(gz)/2), Detect, ErrCorruptLayer},
		{"gzip truncated", gz[:len(gz)/2], Detect, ErrCorruptLayer},
		{"gzip trailer flipped", flip(gz, len(gz)-6), Detect, ErrCorruptLayer},
		{"gzip then garbage", append(bytes.Clone(gz), "garbage"...), Detect, ErrCorruptLayer},
		{"gzip header only", gz[:5], Detect, ErrCorruptLayer},
		{"zstd flipped", flip(zs, len(zs)/2), Detect, ErrCorruptLayer},
		{"zstd truncated", zs[:len(zs)/2], Detect, ErrCorruptLayer},
		{"zstd then garbage", append(bytes.Clone(zs), "garbage"...), Detect, ErrCorruptLayer},
		{"zstd huge window", hugeWindow, Detect, ErrCorruptLayer},
		{"plain declared gzip", tarb, core.Gzip, ErrCorruptLayer},
		{"plain declared zstd", tarb, core.Zstd, ErrCorruptLayer},
		{"empty declared gzip", nil, core.Gzip, ErrCorruptLayer},
		{"unknown compression", gz, core.Compression(7), core.ErrUnknownCompression},
	}
	for _, tt := range tests {
		_, _, err := DigestLayerAs(context.Background(), bytes.NewReader(tt.in), tt.c)
		if !errors.Is(err, tt.want) || !strings.HasPrefix(err.Error(), "digesters: layer: ") {
			t.Errorf("DigestLayerAs(%s) = %v, want %v naming the layer", tt.name, err, tt.want)
		}
	}
}

func TestUnknownAlgorithms(t *testing.T) {
	defer verifyNone(t)
	tests := []struct {
		alg  digest.Algorithm
		want error
	}{
		{"md5", core.ErrUnknownAlgorithm},
		{"SHA256", core.ErrInvalidDigest},
		{"sha256+", core.ErrInvalidDigest},
	}
	path := writeFile(t, "blob", []byte("x"))
	for _, tt := range tests {
		if _, err := DigestReader(context.Background(), strings.NewReader("x"), core.SHA256, tt.alg); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), string(tt.alg)) {
			t.Errorf("DigestReader(%q) = %v, want %v naming it", tt.alg, err, tt.want)
		}
		if _, err := DigestFile(context.Background(), path, tt.alg); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("DigestFile(%q) = %v, want %v naming the file", tt.alg, err, tt.want)
		}
		if _, err := DigestFiles(context.Background(), []string{path}, tt.alg); !errors.Is(err, tt.want) {
			t.Errorf("DigestFiles(%q) = %v, want %v", tt.alg, err, tt.want)
		}
		if _, _, err := DigestLayerAs(context.Background(), strings.NewReader("x"), Detect, tt.alg); !errors.Is(err, tt.want) {
			t.Errorf("DigestLayerAs(%q) = %v, want %v", tt.alg, err, tt.want)
		}
		if _, err := DescriptorFromReader(context.Background(), strings.NewReader("x"), "", tt.alg); !errors.Is(err, tt.want) {
			t.Errorf("DescriptorFromReader(%q) = %v, want %v", tt.alg, err, tt.want)
		}
	}
	if _, err := (&Engine{Algorithms: core.NewAlgorithms()}).DigestReader(context.Background(), strings.NewReader("x"), core.BLAKE3); !errors.Is(err, core.ErrUnknownAlgorithm) || !strings.Contains(err.Error(), "import") {
		t.Errorf("DigestReader(blake3, empty registry) = %v, want ErrUnsupportedDigest saying what to import", err)
	}
}

func TestCancelled(t *testing.T) {
	defer verifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := DigestReader(ctx, &endless{}); !errors.Is(err, context.Canceled) {
		t.Errorf("DigestReader(cancelled) = %v, want context.Canceled", err)
	}
	if _, _, err := DigestLayer(ctx, &endless{}); !errors.Is(err, context.Canceled) {
		t.Errorf("DigestLayer(cancelled) = %v, want context.Canceled", err)
	}
	if err := (&Engine{}).Verify(ctx, &endless{}, core.Descriptor{Digest: reference(core.SHA256, nil), Size: 1 << 40}); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify(cancelled) = %v, want context.Canceled", err)
	}
	gz := gzipped(t, makeTar(t, 256<<10))
	endlessLayer := func() io.Reader { return io.MultiReader(bytes.NewReader(gz[:len(gz)/2]), &endless{}) }
	for _, tt := range []struct {
		name string
		call func(e *Engine, ctx context.Context) error
	}{
		{"DigestReader", func(e *Engine, ctx context.Context) error {
			_, err := e.DigestReader(ctx, &endless{}, core.SHA256, core.SHA512)
			return err
		}},
		{"DigestReader pipeline", func(e *Engine, ctx context.Context) error {
			e.DirectLimit = -1
			_, err := e.DigestReader(ctx, &endless{})
			return err
		}},
		{"DigestLayer plain", func(e *Engine, ctx context.Context) error {
			_, _, err := e.DigestLayer(ctx, &endless{})
			return err
		}},
		{"DigestLayer zstd", func(e *Engine, ctx context.Context) error {
			_, _, err := e.DigestLayerAs(ctx, &endless{}, core.Zstd)
			return err
		}},
		{"DigestLayer gzip", func(e *Engine, ctx context.Context) error {
			_, _, err := e.DigestLayer(ctx, endlessLayer())
			return err
		}},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		e := &Engine{Progress: func(int64) {
			if calls++; calls == 3 {
				cancel()
			}
		}}
		err := tt.call(e, ctx)
		cancel()
		if !errors.Is(err, context.Canceled) && !(tt.name != "DigestReader" && errors.Is(err, ErrCorruptLayer)) {
			t.Errorf("%s(cancelled midway) = %v, want context.Canceled", tt.name, err)
		}
		if errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "stopped after") {
			t.Errorf("%s(cancelled midway) = %v, want it to say how far it got", tt.name, err)
		}
	}
}

// liar breaks the io.Reader contract.
type liar struct{ n int }

func (l liar) Read(p []byte) (int, error) { return l.n, nil }

func TestBadReaders(t *testing.T) {
	defer verifyNone(t)
	for _, e := range []*Engine{{}, {DirectLimit: -1}} {
		for _, n := range []int{-1, BufferSize + 1} {
			if _, err := e.DigestReader(context.Background(), liar{n}); !errors.Is(err, ErrBadReader) {
				t.Errorf("DigestReader(reader returning %d) = %v, want ErrBadReader", n, err)
			}
		}
		if _, err := e.DigestReader(context.Background(), liar{0}); !errors.Is(err, io.ErrNoProgress) {
			t.Errorf("DigestReader(reader returning 0, nil forever) = %v, want io.ErrNoProgress", err)
		}
	}
	vr := mustVerifier(t, liar{1 << 30}, core.DescriptorFromBytes("", []byte("abc")))
	if _, err := io.ReadAll(vr); !errors.Is(err, ErrBadReader) {
		t.Errorf("VerifyingReader(reader returning too much) = %v, want ErrBadReader", err)
	}
}

type panicky struct{ after int }

func (p *panicky) Read(b []byte) (int, error) {
	if p.after <= 0 {
		panic("reader exploded")
	}
	n := min(len(b), p.after)
	p.after -= n
	return n, nil
}

// TestReaderPanics: a panic of the source reader surfaces on the
// caller's goroutine, as it would without the pipeline, and the
// pipeline's goroutines end.
func TestReaderPanics(t *testing.T) {
	defer verifyNone(t)
	for _, after := range []int{10, 3 * BufferSize} {
		func() {
			defer func() {
				if v := recover(); v != "reader exploded" {
					t.Errorf("DigestReader(panicking reader after %d) recovered %v, want the reader's panic", after, v)
				}
			}()
			DigestReader(context.Background(), &panicky{after: after})
		}()
	}
}

// TestSmallFileChangesBeforeRead: a small file, which one read returns
// whole, that shrinks or grows between its open and that read is an
// error wrapping core.ErrFileChanged.
func TestSmallFileChangesBeforeRead(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		size       int64
	}{{"shrinks", "could be read", 100}, {"grows", "grew", 4097}} {
		path := writeFile(t, "small", pattern(4096))
		err := withFile(context.Background(), path, nil, func(f *openedFile) error {
			if err := os.Truncate(path, tt.size); err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, f)
			if err != nil {
				return err
			}
			return f.check(n)
		})
		if !errors.Is(err, core.ErrFileChanged) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("withFile(small file that %s before its read) = %v, want core.ErrFileChanged (%q)", tt.name, err, tt.want)
		}
	}
}
