//go:build unix

package layout_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

const leftoverEnvDir = "OCISPEC_LAYOUT_LEFTOVER_DIR"

// stallSource hands out 3 MiB and then blocks until the process dies:
// a writer caught in the middle of a blob.
type stallSource struct{ ready func() }

func (s stallSource) Open(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(&stallReader{left: 3 << 20, ready: s.ready}), nil
}

type stallReader struct {
	left  int
	ready func()
}

func (r *stallReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		r.ready()
		select {}
	}
	n := min(len(p), r.left)
	clear(p[:n])
	r.left -= n
	return n, nil
}

// TestLeftoverHelper is the writer TestSweepLeftovers kills or keeps
// alive: it owns a scratch folder inside the layout and one beside it
// (as the command does), each holding 1000 bytes, and is stuck in the
// middle of a blob (so a temporary file of the layout is in use). It
// prints the three paths, then "ready".
func TestLeftoverHelper(t *testing.T) {
	dir := os.Getenv(leftoverEnvDir)
	if dir == "" {
		t.Skip("helper process of TestSweepLeftovers")
	}
	l, err := layout.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	work, _, err := layout.MakeWorkspace(dir, layout.WorkPrefix)
	if err != nil {
		t.Fatal(err)
	}
	beside, _, err := layout.MakeWorkspace(filepath.Dir(dir), "."+filepath.Base(dir)+layout.BesidePrefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, ws := range []string{work, beside} {
		if err := os.WriteFile(filepath.Join(ws, "part"), make([]byte, 1000), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Println(ws)
	}
	d := core.Descriptor{MediaType: core.KindTar, Size: 4 << 20, Digest: digest.FromString("never finished")}
	done := make(chan struct{})
	go l.PutBlob(context.Background(), d, stallSource{ready: func() { close(done) }}, nil)
	<-done
	fmt.Println("ready")
	select {}
}

type helper struct {
	cmd   *exec.Cmd
	owned []string // its scratch folders
}

// startLeftoverHelper starts a writer and waits until it is in the middle
// of its blob.
func startLeftoverHelper(t *testing.T, dir string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeftoverHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), leftoverEnvDir+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd}
	t.Cleanup(func() { h.kill() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if sc.Text() == "ready" {
			return h
		}
		h.owned = append(h.owned, sc.Text())
	}
	t.Fatalf("helper ended before it was ready: %v", cmd.Wait())
	return nil
}

func (h *helper) kill() {
	if h.cmd.ProcessState == nil {
		h.cmd.Process.Signal(syscall.SIGKILL)
		h.cmd.Wait()
	}
}

// tempFiles lists the layout's temporary files with their sizes, as
// stat sees them.
func tempFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".ocispec-tmp-") {
			fi, err := os.Stat(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Join(dir, e.Name())] = fi.Size()
		}
	}
	return out
}

func leftoverPaths(los []layout.Leftover) []string {
	var out []string
	for _, lo := range los {
		out = append(out, lo.Path)
	}
	slices.Sort(out)
	return out
}

// TestSweepLeftovers kills a writer process (SIGKILL) in the middle of
// a blob while it owns scratch folders inside and beside the layout,
// keeps another one alive doing the same, and checks that the dead
// writer's leftovers are listed with their sizes and swept by the next
// writer that takes the layout's lock, while the live writer's files
// stay untouched until it dies too.
func TestSweepLeftovers(t *testing.T) {
	ctx := context.Background()
	dir, l := newLayout(t, layout.OCI)
	l.Close()

	dead := startLeftoverHelper(t, dir)
	deadTmp := tempFiles(t, dir)
	if len(deadTmp) != 1 {
		t.Fatalf("the writer has %d temporary files in the layout, want 1", len(deadTmp))
	}
	dead.kill()
	live := startLeftoverHelper(t, dir)

	want := map[string]int64{dead.owned[0]: 1000, dead.owned[1]: 1000}
	for p, n := range deadTmp {
		want[p] = n
	}
	l = mustOpen(t, dir)
	los, err := l.Leftovers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, lo := range los {
		got[lo.Path] = lo.Size
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Leftovers = %v, want the dead writer's %v (and none of the live one's)", got, want)
	}
	var reported []string
	// The layout holds no image yet, which Verify reports; it names the
	// leftovers all the same.
	_ = l.VerifyWith(ctx, layout.VerifyOptions{Leftover: func(lo layout.Leftover) { reported = append(reported, lo.Path) }})
	slices.Sort(reported)
	if !slices.Equal(reported, leftoverPaths(los)) {
		t.Errorf("Verify reported leftovers %v, want %v", reported, leftoverPaths(los))
	}

	// A writer takes the lock: it sweeps.
	img := newTestImage(t, core.SHA256, nil)
	if _, err := l.WriteImage(ctx, mustFormat(t, "oci"), img.manifest, img.blobs, &layout.WriteOptions{Tag: "v1"}); err != nil {
		t.Fatal(err)
	}
	for p := range want {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there after a write; the dead writer's leftovers should be swept", p)
		}
	}
	liveTmp := tempFiles(t, dir)
	for _, p := range append(live.owned, slices.Collect(maps.Keys(liveTmp))...) {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("the live writer's %s was touched: %v", p, err)
		}
	}
	if len(liveTmp) != 1 {
		t.Errorf("the live writer has %d temporary files after the sweep, want its 1", len(liveTmp))
	}

	// Once it dies, an explicit sweep removes its leftovers too.
	live.kill()
	swept, err := l.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSwept := append(slices.Clone(live.owned), slices.Collect(maps.Keys(liveTmp))...)
	slices.Sort(wantSwept)
	if got := leftoverPaths(swept); !slices.Equal(got, wantSwept) {
		t.Errorf("Sweep = %v, want %v", got, wantSwept)
	}
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify after the sweeps = %v", err)
	}
	if los, _ := l.Leftovers(ctx); len(los) != 0 {
		t.Errorf("Leftovers after Sweep = %v, want none", los)
	}
}

const gcWriterEnvDir = "OCISPEC_LAYOUT_GC_WRITER_DIR"

// TestGCWriterHelper puts an image's blobs into the layout, says
// "put", waits for a line on standard input, then commits the image
// without sources (every blob must still be there) and exits.
func TestGCWriterHelper(t *testing.T) {
	dir := os.Getenv(gcWriterEnvDir)
	if dir == "" {
		t.Skip("helper process of TestGCBesideWriter")
	}
	ctx := context.Background()
	l, err := layout.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	img := newTestImage(t, core.SHA256, map[string]string{"w": "written before gc"})
	for _, d := range append([]core.Descriptor{img.manifest.Config}, img.manifest.Layers...) {
		if err := l.PutBlob(ctx, d, img.blobs[d.Digest], nil); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("put")
	bufio.NewReader(os.Stdin).ReadString('\n')
	f, _ := core.Default.Format("oci")
	if _, err := l.WriteImage(ctx, f, img.manifest, nil, &layout.WriteOptions{Tag: "late"}); err != nil {
		t.Fatal(err)
	}
}

// TestGCBesideWriter: a writer process has put its blobs (garbage to a
// GC, since nothing refers to them yet) and not committed; GC waits for
// it, the writer commits, and its image is whole after GC.
func TestGCBesideWriter(t *testing.T) {
	ctx := context.Background()
	dir, l := newLayout(t, layout.OCI)
	cmd := exec.Command(os.Args[0], "-test.run=^TestGCWriterHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), gcWriterEnvDir+"="+dir)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "put" {
	}
	waited := false
	res, err := l.GC(ctx, &layout.GCOptions{OnWait: func() {
		waited = true
		fmt.Fprintln(in, "go")
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !waited {
		fmt.Fprintln(in, "go")
		t.Errorf("GC did not wait for the writer (removed %d blobs)", len(res.Removed))
	}
	for sc.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the writer failed after gc: %v\n%s", err, stderr.String())
	}
	if err := l.Verify(ctx); err != nil {
		t.Errorf("Verify = %v", err)
	}
	if _, err := l.Image(ctx, layout.Selector{Tag: "late"}); err != nil {
		t.Errorf("the writer's image: %v", err)
	}
}
