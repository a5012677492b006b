//go:build unix

package layout_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

const (
	crashEnvDir  = "OCISPEC_LAYOUT_CRASH_DIR"
	crashEnvKind = "OCISPEC_LAYOUT_CRASH_KIND"
	crashEnvSlow = "OCISPEC_LAYOUT_CRASH_SLOW"
	crashSize    = 16 << 20
	crashChunk   = 256 << 10
)

// crashBlob is the big layer the helper writes: deterministic bytes, so
// that the test and the helper agree on its digest.
type crashBlob struct {
	rng   *rand.ChaCha8
	left  int64
	pause time.Duration
	chunk int
}

func newCrashBlob(pause time.Duration) *crashBlob {
	return &crashBlob{rng: rand.NewChaCha8([32]byte{'o', 'c', 'i'}), left: crashSize, pause: pause}
}

func (b *crashBlob) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	if b.chunk >= crashChunk {
		b.chunk = 0
		time.Sleep(b.pause)
	}
	n := min(int64(len(p)), b.left, int64(crashChunk-b.chunk))
	b.rng.Read(p[:n])
	b.left -= n
	b.chunk += int(n)
	return int(n), nil
}

type crashSource struct{ pause time.Duration }

func (s crashSource) Open(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(newCrashBlob(s.pause)), nil
}

// crashLayer is the digest of the big layer, computed once.
var crashLayer = sync.OnceValue(func() digest.Digest {
	h, _ := core.DefaultAlgorithms.NewHash(core.SHA256)
	io.Copy(h, newCrashBlob(0))
	return digest.NewDigestFromBytes(core.SHA256, h.Sum(nil))
})

// crashImage is the image the helper writes: a small config and the big
// layer.
func crashImage(pause time.Duration) (core.Manifest, layout.Blobs) {
	layer := core.Descriptor{MediaType: core.KindTar, Size: crashSize, Digest: crashLayer()}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + string(layer.Digest) + `"]}}`)
	cd := core.DescriptorFromBytes(core.KindConfig, config)
	m := core.Manifest{Config: cd, Layers: []core.Descriptor{layer}}
	return m, layout.Blobs{cd.Digest: layout.FromBytes(config), layer.Digest: crashSource{pause}}
}

// TestCrashHelper is the writer process TestCrashSafety kills; run on
// its own it does nothing.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("helper process of TestCrashSafety")
	}
	kind, err := layout.ParseKind(os.Getenv(crashEnvKind))
	if err != nil {
		t.Fatal(err)
	}
	pause, _ := time.ParseDuration(os.Getenv(crashEnvSlow))
	m, blobs := crashImage(pause)
	fmt.Println("writing")
	l, err := layout.Create(dir, kind)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := core.Default.Format("oci")
	if _, err := l.WriteImage(context.Background(), f, m, blobs, &layout.WriteOptions{Tag: tagFor(kind, "app")}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("done")
}

// TestCrashSafety kills a process that writes a big image (SIGKILL, at
// moments spread over the write), then checks the folder: no file under
// a blob's or manifest's final name is partial, and the layout holds
// the old image, the new one, or (in a fresh folder) none; a new write
// into the same folder then succeeds.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills writer processes; skipped with -short")
	}
	newM, _ := crashImage(0)
	f := mustFormat(t, "oci")
	newDigest, err := core.DefaultAlgorithms.FromBytes(core.SHA256, mustEncode(t, f, newM))
	if err != nil {
		t.Fatal(err)
	}
	// The helper writes 64 chunks with a pause of 5ms after each: about
	// 0.35s, more under the race detector. Kill times are spread over
	// that and past it; some land during start-up, some after the end.
	const pause = 5 * time.Millisecond
	delays := []time.Duration{0, 40, 120, 200, 300, 600}
	for _, kind := range []layout.Kind{layout.OCI, layout.Dir} {
		for _, fresh := range []bool{true, false} {
			midWrite := 0 // kills that landed before the helper finished
			for i, ms := range delays {
				delay := ms * time.Millisecond
				t.Run(fmt.Sprintf("%s/fresh=%v/%d", kind, fresh, i), func(t *testing.T) {
					dir := filepath.Join(t.TempDir(), "img")
					var oldDigest digest.Digest
					if !fresh {
						old := newTestImage(t, core.SHA256, map[string]string{"old": "image"})
						_, l := newLayoutAt(t, dir, kind)
						d, err := l.WriteImage(ctx, f, old.manifest, old.blobs, &layout.WriteOptions{Tag: tagFor(kind, "app")})
						if err != nil {
							t.Fatal(err)
						}
						oldDigest = d.Digest
					}
					cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
					cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvKind+"="+kind.String(), crashEnvSlow+"="+pause.String())
					out, err := cmd.StdoutPipe()
					if err != nil {
						t.Fatal(err)
					}
					cmd.Stderr = os.Stderr
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					sc := bufio.NewScanner(out)
					writing := false
					for !writing && sc.Scan() {
						writing = sc.Text() == "writing"
					}
					if !writing {
						cmd.Process.Kill()
						cmd.Wait()
						t.Fatal("the writer process ended before it started writing")
					}
					time.Sleep(delay)
					cmd.Process.Signal(syscall.SIGKILL)
					rest, _ := io.ReadAll(out)
					cmd.Wait()
					if !strings.Contains(string(rest), "done") {
						midWrite++
					}

					checkFinalNames(t, dir, kind)
					checkOldOrNew(t, dir, kind, fresh, oldDigest, newDigest)

					// The folder takes a new write.
					_, l := newLayoutAt(t, dir, kind)
					m, blobs := crashImage(0)
					if _, err := l.WriteImage(ctx, f, m, blobs, &layout.WriteOptions{Tag: tagFor(kind, "app")}); err != nil {
						t.Fatalf("write after the crash = %v", err)
					}
					if err := l.Verify(ctx); err != nil {
						t.Errorf("Verify after rewriting = %v", err)
					}
					if kind == layout.Dir {
						for _, n := range listFiles(t, dir) {
							if strings.HasPrefix(n, ".ocispec-tmp-") {
								t.Errorf("temporary file %s left after a dir: write", n)
							}
						}
					}
				})
			}
			if midWrite == 0 {
				t.Errorf("%s, fresh=%v: every kill landed after the write had finished; nothing was tested mid-write", kind, fresh)
			}
		}
	}
}

func newLayoutAt(t testing.TB, dir string, kind layout.Kind) (string, *layout.Layout) {
	t.Helper()
	l, err := layout.Create(dir, kind)
	if err != nil {
		t.Fatalf("Create(%q, %v) = %v", dir, kind, err)
	}
	t.Cleanup(func() { l.Close() })
	return dir, l
}

func mustEncode(t testing.TB, f core.Format, m core.Manifest) []byte {
	b, err := f.EncodeManifest(context.Background(), m, core.EncodingCompact)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	ociBlobName = regexp.MustCompile(`^blobs/([a-z0-9]+)/([a-f0-9]+)$`)
	dirBlobName = regexp.MustCompile(`^(?:([a-z0-9]+)-)?([a-f0-9]{64,128})(?:\.manifest\.json)?$`)
)

// checkFinalNames hashes every file under a blob's final name: each
// must hold exactly the bytes its name says.
func checkFinalNames(t *testing.T, dir string, kind layout.Kind) {
	t.Helper()
	re := ociBlobName
	if kind == layout.Dir {
		re = dirBlobName
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return // killed before the folder was made
	}
	for _, n := range listFiles(t, dir) {
		m := re.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		alg := m[1]
		if alg == "" {
			alg = "sha256"
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		got, err := core.DefaultAlgorithms.FromBytes(digest.Algorithm(alg), b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Encoded() != m[2] {
			t.Errorf("%s holds %d bytes of digest %s: a partial file under a final name", n, len(b), got)
		}
	}
}

// checkOldOrNew: the layout is whole and holds the old image or the new
// one; a fresh folder may hold no image at all.
func checkOldOrNew(t *testing.T, dir string, kind layout.Kind, fresh bool, oldDigest, newDigest digest.Digest) {
	t.Helper()
	l, err := layout.Open(dir)
	if err != nil {
		if fresh && (errors.Is(err, layout.ErrNotLayout) || errors.Is(err, os.ErrNotExist)) {
			return // killed before the layout's marker file was in place
		}
		t.Fatalf("Open after the crash = %v", err)
	}
	defer l.Close()
	img, err := l.Image(ctx, layout.Selector{Tag: tagFor(kind, "app")})
	switch {
	case fresh && errors.Is(err, layout.ErrNoImage):
		t.Logf("killed before the new image was in place (%d files)", len(listFiles(t, dir)))
		return
	case err != nil:
		t.Fatalf("Image after the crash = %v", err)
	case img.Descriptor.Digest != newDigest && img.Descriptor.Digest != oldDigest:
		t.Errorf("layout holds %s, neither the old image %s nor the new %s", img.Descriptor.Digest, oldDigest, newDigest)
	case img.Descriptor.Digest == newDigest:
		t.Logf("killed after the new image was in place")
	default:
		t.Logf("killed before the new image was in place; the old one is whole (%d files)", len(listFiles(t, dir)))
	}
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify after the crash = %v", err)
	}
}
