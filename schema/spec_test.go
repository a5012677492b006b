package schema

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"strings"
	"testing"

	specschema "github.com/opencontainers/image-spec/schema"
)

// TestSpecFilesAreImageSpecs proves the embedded schema files are
// image-spec v1.1.1's, byte for byte, and all of them.
func TestSpecFilesAreImageSpecs(t *testing.T) {
	theirs := specschema.FileSystem()
	dir, err := theirs.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	infos, err := dir.Readdir(-1)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := fs.Glob(specFS, "spec/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(ours) != len(infos) {
		t.Errorf("%d embedded schema files, image-spec has %d", len(ours), len(infos))
	}
	for _, fi := range infos {
		f, err := theirs.Open("/" + fi.Name())
		if err != nil {
			t.Fatal(err)
		}
		want, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, err := specFS.ReadFile("spec/" + fi.Name())
		if err != nil {
			t.Errorf("image-spec's %s is not embedded: %v", fi.Name(), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("spec/%s differs from image-spec's", fi.Name())
		}
	}
}

// TestCompile compiles every schema: compile refuses a keyword it does
// not implement, so this proves the files use no other.
func TestCompile(t *testing.T) {
	roots, err := compileAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 5 {
		t.Errorf("%d schemas compiled, want 5", len(roots))
	}
	for _, bad := range []string{`{"additionalProperties":false}`, `{"type":"string","maxLength":3}`, `{"format":"email"}`} {
		c := &compiler{docs: map[string]any{}, nodes: map[string]*node{}}
		if _, err := c.compile("x.json", "", decodeNumber(t, bad)); err == nil {
			t.Errorf("compile(%s) = nil, want an unsupported keyword", bad)
		}
	}
}

func decodeNumber(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
