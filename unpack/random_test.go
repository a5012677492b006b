package unpack_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/unpack"
)

// randomLayers makes three layers of random operations over a few
// names: folders, files, symbolic links within the tree, hard links,
// whiteouts and opaque whiteouts, each entry's folders named before it
// in its layer, as real layers do.
func randomLayers(t testing.TB, rng *rand.Rand) [][]byte {
	names := []string{"a", "b", "c", "a/x", "a/y", "b/x", "c/z", "a/x/q"}
	var layers [][]byte
	var files []string
	for l := range 3 {
		var entries []entry
		seen, dirs := map[string]bool{}, map[string]bool{}
		add := func(en entry) {
			name := strings.TrimSuffix(en.hdr.Name, "/")
			if seen[name] {
				return
			}
			var parents []string
			for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
				parents = append([]string{dir}, parents...)
			}
			for _, p := range parents {
				if seen[p] && !dirs[p] {
					return // below what this layer made a file or a link
				}
			}
			for _, p := range parents {
				if !seen[p] {
					seen[p], dirs[p] = true, true
					entries = append(entries, dirE(p+"/", 0o755))
				}
			}
			seen[name] = true
			dirs[name] = en.hdr.Typeflag == tar.TypeDir
			entries = append(entries, en)
		}
		for range 4 + rng.IntN(6) {
			name := names[rng.IntN(len(names))]
			switch rng.IntN(7) {
			case 0:
				add(dirE(name+"/", []int64{0o755, 0o700, 0o2775}[rng.IntN(3)]))
			case 1, 2:
				files = append(files, name)
				add(fileE(name, []int64{0o644, 0o600, 0o4755}[rng.IntN(3)], fmt.Sprintf("layer %d %s %d\n", l, name, rng.IntN(100))))
			case 3:
				// Links to folders likely there, some used as parents.
				target := []string{"x", "../b", "a", "c", "../a/x"}[rng.IntN(5)]
				add(symE(name, target))
			case 4:
				if len(files) > 0 {
					if target := files[rng.IntN(len(files))]; target != name {
						add(linkE(name, target))
					}
				}
			case 5:
				// Whiteouts before what their layer writes, as image-spec
				// asks of layers (after it, tools differ in the times
				// they leave).
				if !seen[name] {
					dir, base := path.Split(name)
					add(wh(dir + ".wh." + base))
				}
			case 6:
				add(wh(name + "/.wh..wh..opq"))
			}
		}
		layers = append(layers, tarOf(t, entries...))
	}
	return layers
}

// TestRandomImages unpacks random images with Unpack, and Export's tar
// of each as the only layer of a new image: both refuse the same
// images, and give the same tree of the others. For some, umoci
// unpacks the image too, and gives that tree.
func TestRandomImages(t *testing.T) {
	n, withUmoci := 60, 20
	if testing.Short() {
		n, withUmoci = 20, 5
	}
	_, err := exec.LookPath("umoci")
	hasUmoci := err == nil
	root := os.Geteuid() == 0
	ctx := ctxT(t)
	agreed, refused := 0, 0
	for seed := range n {
		dir := t.TempDir()
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		ls := randomLayers(t, rng)
		img := filepath.Join(dir, "image")
		writeImage(t, img, plain(ls[0]), gz(t, ls[1]), gz(t, ls[2])) // umoci 0.4 reads no zstd
		ours := filepath.Join(dir, "ours")
		_, uerr := unpack.Unpack(ctx, openSource(t, img), ours, nil)
		var flat bytes.Buffer
		_, xerr := unpack.Export(ctx, openSource(t, img), &flat, nil)
		if (uerr == nil) != (xerr == nil) {
			t.Errorf("seed %d: Unpack = %v, Export = %v", seed, uerr, xerr)
			continue
		}
		if uerr != nil {
			if testing.Verbose() {
				t.Logf("seed %d: refused: %v", seed, uerr)
			}
			refused++
			continue
		}
		want := snapshot(t, ours, root)
		squashed := filepath.Join(dir, "squashed")
		writeImage(t, squashed, plain(flat.Bytes()))
		again := filepath.Join(dir, "again")
		if _, err := unpack.Unpack(ctx, openSource(t, squashed), again, nil); err != nil {
			t.Errorf("seed %d: Unpack of the export: %v", seed, err)
			continue
		}
		diffTrees(t, fmt.Sprintf("seed %d: the export against Unpack", seed), snapshot(t, again, root), want)
		if hasUmoci && agreed < withUmoci {
			bundle := filepath.Join(dir, "bundle")
			err := umociUnpack(img+":latest", bundle)
			if err != nil {
				t.Errorf("seed %d: umoci refuses what Unpack takes: %v", seed, err)
			} else {
				diffTrees(t, fmt.Sprintf("seed %d: Unpack against umoci", seed), want, snapshot(t, filepath.Join(bundle, "rootfs"), root))
			}
		}
		agreed++
	}
	t.Logf("%d images unpacked alike, %d refused alike", agreed, refused)
	if agreed < n/3 {
		t.Errorf("only %d of %d random images unpacked: the generator makes too few valid ones", agreed, n)
	}
}
