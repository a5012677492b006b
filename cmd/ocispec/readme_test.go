package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// The README's main job packs examples/hello and shows the config and
// layer it gets. Known answers, each from outside the code under test:
//   - helloDiffID, the tar stream, is what the command wrote before the
//     layer package existed (and the layer package's compatibility pins
//     say the same); the system's gzip must decompress the layer into
//     exactly it.
//   - helloConfig, on linux/amd64, is the config the command wrote
//     before then too (the same diffID, the same fixed time).
//   - helloGzipDigest is the gzip layer since it is compressed in
//     independent blocks; no other tool makes those bytes, so it is
//     pinned, and checked to come out the same on one core and on two,
//     in two separate runs.
const (
	helloDiffID     = "sha256:f81d7d7b262a76227fb517501b88776fe3ad18f100a4543cc72d2959fc1cdcfe"
	helloConfig     = "sha256:ea2ec38399b2261b745b53e238241ccdf657381ebe8c1483cb3c8ff7aac11d09"
	helloGzipDigest = "sha256:db3b71647c5b36d17f9a4aeafba0eb742093ff694b66e7d8dc65a31f89193ed2"
	helloGzipSize   = 506
)

// readmeRow matches a CONFIG or LAYER row of the README's inspect output.
var readmeRow = regexp.MustCompile(`(?m)^(CONFIG|0)\s+(config|tar\+gzip)\s+(\d+)\s+(sha256:[0-9a-f]{64})\s`)

func TestReadmeMainJobDigests(t *testing.T) {
	t.Parallel()
	gz := need(t, "gzip")
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := readmeRow.FindAllStringSubmatch(string(readme), -1)
	if len(rows) != 2 {
		t.Fatalf("README.md: found %d config and layer rows of inspect's output, want 2", len(rows))
	}
	if got := rows[0][3] + " " + rows[0][4]; got != "196 "+helloConfig {
		t.Errorf("README.md's config row says %s, want 196 %s", got, helloConfig)
	}
	if got, want := rows[1][3]+" "+rows[1][4], "506 "+helloGzipDigest; got != want {
		t.Errorf("README.md's layer row says %s, want %s", got, want)
	}

	dir := t.TempDir()
	for _, procs := range []string{"1", "2"} {
		out := filepath.Join(dir, "hello-"+procs)
		r := runIn(t, repoRoot, []string{"GOMAXPROCS=" + procs}, "pack", "--format", "docker", "examples/hello", out)
		if r.code != 0 {
			t.Fatalf("GOMAXPROCS=%s pack: exit %d\n%s", procs, r.code, r.stderr)
		}
		in := inspect(t, out)
		l := in.Layers[0]
		if l.Digest != helloGzipDigest || l.Size != helloGzipSize {
			t.Errorf("GOMAXPROCS=%s: layer %s (%d bytes), want %s (%d bytes)", procs, l.Digest, l.Size, helloGzipDigest, helloGzipSize)
		}
		if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" && in.Config.Digest != helloConfig {
			t.Errorf("GOMAXPROCS=%s: config %s, want %s", procs, in.Config.Digest, helloConfig)
		}
		blob := filepath.Join(out, strings.TrimPrefix(l.Digest, "sha256:"))
		plain, err := exec.Command(gz, "-dc", blob).Output()
		if err != nil {
			t.Fatalf("gzip -dc %s: %v", blob, err)
		}
		if got := sha256Of(plain); got != helloDiffID {
			t.Errorf("GOMAXPROCS=%s: gzip -dc of the layer hashes to %s, want the diffID %s", procs, got, helloDiffID)
		}
	}
}
