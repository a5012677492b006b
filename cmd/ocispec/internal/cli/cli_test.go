package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/layout"
)

func runMain(ctx context.Context, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := Main(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestMainExitCodes(t *testing.T) {
	t.Setenv("OCISPEC_PLUGIN_DIR", "")
	tests := []struct {
		args   []string
		code   int
		stdout string // a part of stdout
		stderr string // a part of stderr
	}{
		{[]string{"--help"}, ExitOK, "Usage:", ""},
		{[]string{"digest", "testdata/some-data.txt"}, ExitOK, `"size":9`, ""},
		{nil, ExitUsage, "", "missing command"},
		{[]string{"nope"}, ExitUsage, "", `unknown command "nope"`},
		{[]string{"digest", "--bad"}, ExitUsage, "", "unknown flag --bad"},
		{[]string{"digest", "testdata/missing"}, ExitError, "", "no such file"},
		{[]string{"inspect", "testdata"}, ExitError, "", "not an image layout"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runMain(context.Background(), tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("Main(%q) = %d, stdout %q, stderr %q; want %d, stdout with %q, stderr with %q", tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
			if code != ExitOK && stdout != "" {
				t.Errorf("Main(%q) failed and printed %q on stdout", tt.args, stdout)
			}
		})
	}
}

func TestMainInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(t.TempDir(), "image")
	code, stdout, stderr := runMain(ctx, "pack", "testdata", out)
	if code != ExitInterrupted || stdout != "" || !strings.Contains(stderr, "interrupted") {
		t.Errorf("pack with a cancelled context = %d, %q, %q; want %d and a note", code, stdout, stderr, ExitInterrupted)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("an interrupted pack left %d entries", len(entries))
	}
}

func TestDetectDocument(t *testing.T) {
	tests := []struct {
		doc, want string
	}{
		{`{"schemaVersion":2,"config":{},"layers":[]}`, docManifest},
		{`{"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json"}`, docIndex},
		{`{"mediaType":"application/vnd.oci.image.manifest.v1+json"}`, docManifest},
		{`{"manifests":[]}`, docIndex},
		{`{"architecture":"amd64","os":"linux"}`, docConfig},
		{`{"rootfs":{}}`, docConfig},
		{`{"mediaType":"application/octet-stream","digest":"sha256:x","size":1}`, docDescriptor},
		{`{"name":"x"}`, ""},
		{`[1]`, ""},
	}
	for _, tt := range tests {
		got, err := (&app{reg: formats.NewRegistry(nil), pluginsDone: true}).detectDocument([]byte(tt.doc))
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("detectDocument(%q) = %q, %v; want %q", tt.doc, got, err, tt.want)
		}
	}
}

// fields lists the fields of the problems of err.
func fields(err error) []string {
	var out []string
	for _, p := range core.Problems(err) {
		var fe *core.FieldError
		if errors.As(p, &fe) {
			out = append(out, fe.Field)
		} else {
			out = append(out, "?"+p.Error())
		}
	}
	return out
}

func TestValidateConfig(t *testing.T) {
	const d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
	tests := []struct {
		doc  string
		want string // the fields with problems, joined
	}{
		{`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + d + `"]}}`, ""},
		{`{"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05.5Z","config":{"Env":["A=1"]},"rootfs":{"type":"layers","diff_ids":[]},"history":[{"empty_layer":true}]}`, ""},
		{`{}`, "architecture os rootfs"},
		{`{"architecture":"amd64","os":"linux","rootfs":{}}`, "rootfs.type rootfs.diff_ids"},
		{`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["x"]},"created":"now","config":{"Env":["NOEQUALS"]}}`, "created config.Env[0] rootfs.diff_ids[0]"},
		// config.md does not tie history to diff_ids: a warning, not a problem.
		{`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + d + `"]},"history":[{"empty_layer":true}]}`, ""},
		{`{"architecture":5}`, "architecture"},
		// Exact keys: "OS" is not "os"; a repeated key is refused.
		{`{"architecture":"amd64","OS":"linux","rootfs":{"type":"layers","diff_ids":[]}}`, "os"},
		{`{"architecture":"amd64","os":"linux","os":"windows","rootfs":{"type":"layers","diff_ids":[]}}`, "os"},
	}
	for _, tt := range tests {
		_, problems := validateConfig([]byte(tt.doc))
		got := strings.Join(fields(problems), " ")
		if got != tt.want {
			t.Errorf("validateConfig(%s) problems at %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func TestValidateDescriptor(t *testing.T) {
	tests := []struct {
		doc, want string
	}{
		{`{"mediaType":"application/octet-stream","size":9,"digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}`, ""},
		{`{"mediaType":"application/octet-stream","digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"}`, "size"},
		{`{"size":"9"}`, "size"},
		{`{"size":1}`, "mediaType digest"},
	}
	for _, tt := range tests {
		got := strings.Join(fields(validateDescriptor([]byte(tt.doc))), " ")
		if got != tt.want {
			t.Errorf("validateDescriptor(%s) problems at %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func TestPrepareOutput(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing")
	l, err := layout.Create(existing, layout.Dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	full := filepath.Join(dir, "full")
	os.MkdirAll(filepath.Join(full, "x"), 0o755)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)

	tests := []struct {
		path          string
		kind, def     layout.Kind
		wantKind      layout.Kind
		inPlace, fail bool
	}{
		{filepath.Join(dir, "new", "image"), 0, layout.Dir, layout.Dir, false, false},
		{filepath.Join(dir, "new2"), layout.OCI, layout.Dir, layout.OCI, false, false},
		{empty, 0, layout.OCI, layout.OCI, true, false}, // written in place: it may be a mount point
		{existing, 0, layout.OCI, layout.Dir, true, false},
		{existing, layout.OCI, layout.OCI, 0, false, true},
		{full, 0, layout.OCI, 0, false, true},
		{file, 0, layout.OCI, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			o, err := prepareOutput(tt.path, tt.kind, tt.def)
			if tt.fail {
				if err == nil || !errors.Is(err, ErrOutput) {
					t.Errorf("prepareOutput(%s) error = %v, want ErrOutput", tt.path, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer o.abort()
			if o.kind != tt.wantKind || o.inPlace != tt.inPlace {
				t.Errorf("prepareOutput(%s) = kind %v, in place %v; want %v, %v", tt.path, o.kind, o.inPlace, tt.wantKind, tt.inPlace)
			}
			if !o.inPlace {
				l, err := layout.Create(o.dir, o.kind)
				if err != nil {
					t.Fatal(err)
				}
				l.Close()
				if _, err := os.Stat(tt.path); tt.path != empty && !os.IsNotExist(err) {
					t.Errorf("%s exists before commit: %v", tt.path, err)
				}
				if err := o.commit(context.Background(), formats.NewRegistry(nil)); err != nil {
					t.Fatal(err)
				}
				if k, err := layout.Detect(tt.path); err != nil || k != tt.wantKind {
					t.Errorf("after commit, %s holds %v, %v", tt.path, k, err)
				}
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	inEmpty, _ := os.ReadDir(empty)
	for _, e := range append(entries, inEmpty...) {
		if strings.Contains(e.Name(), "ocispec-tmp") || strings.Contains(e.Name(), "ocispec-work") {
			t.Errorf("workspace %s left behind", e.Name())
		}
	}
}

func ExampleMain() {
	code := Main(context.Background(), []string{"digest", "--algorithm", "sha256", "testdata/some-data.txt"}, os.Stdout, os.Stderr)
	fmt.Println("exit status", code)
	// Output:
	// {"mediaType":"application/octet-stream","digest":"sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee","size":9,"annotations":{"org.opencontainers.image.title":"testdata/some-data.txt"}}
	// exit status 0
}

func TestWithin(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(src, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, dir string
		want      bool
	}{
		{filepath.Join(src, "out"), src, true},
		{filepath.Join(src, "sub", "out"), src, true},
		{src, src, true},
		{filepath.Join(dir, "out"), src, false},
		{filepath.Join(dir, "src-out"), src, false},
		{filepath.Join(link, "out"), src, true},
		{filepath.Join(src, "out"), link, true},
		{filepath.Join(dir, "..out"), dir + "/..", true},
	}
	for _, tt := range tests {
		if got := within(tt.path, tt.dir); got != tt.want {
			t.Errorf("within(%q, %q) = %v, want %v", tt.path, tt.dir, got, tt.want)
		}
	}
}

func TestDefaultKind(t *testing.T) {
	for _, tt := range []struct {
		format string
		want   layout.Kind
	}{{"oci", layout.OCI}, {"docker", layout.Dir}} {
		f, err := core.Default.Format(tt.format)
		if err != nil {
			t.Fatal(err)
		}
		if got := defaultKind(f); got != tt.want {
			t.Errorf("defaultKind(%s) = %v, want %v", tt.format, got, tt.want)
		}
	}
}
