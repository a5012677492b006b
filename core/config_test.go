package core_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/core/coretest"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func corpusFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "formats", "testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Real configs decode, validate and encode back to the same JSON value in
// every encoding; what the model has no field for (Docker's Healthcheck,
// OnBuild, Shell, container_config, ...) is kept.
func TestImageConfigRoundTrip(t *testing.T) {
	for _, name := range []string{
		"image-spec/config-image-json-1.json",
		"docker/docker-image-spec-config.json",
		"docker/moby-config-healthcheck.json",
		"buildkit/attestation-config.json",
		"umoci/config.json",
		"image-spec-schema/config-08.json",
		"image-spec-schema/config-09.json",
	} {
		t.Run(name, func(t *testing.T) {
			data := corpusFile(t, name)
			c, err := core.DecodeImageConfig(data)
			if err != nil {
				t.Fatalf("DecodeImageConfig = %v", err)
			}
			for _, enc := range core.Encodings {
				b, err := core.EncodeImageConfig(c, enc)
				if err != nil {
					t.Fatalf("EncodeImageConfig(%v) = %v", enc, err)
				}
				if same, err := coretest.SameJSON(b, data); err != nil || !same {
					t.Errorf("EncodeImageConfig(%v) =\n%s\nnot the JSON value of\n%s", enc, b, data)
				}
			}
			// The oracle: image-spec's own Go type reads the same modelled
			// fields.
			var img v1.Image
			if err := json.Unmarshal(data, &img); err != nil {
				t.Fatal(err)
			}
			if c.Architecture != img.Architecture || c.OS != img.OS || !slices.Equal(c.RootFS.DiffIDs, img.RootFS.DiffIDs) || len(c.History) != len(img.History) {
				t.Errorf("parsed %+v, image-spec reads %+v", c, img)
			}
			if c.Config != nil && (!slices.Equal(c.Config.Env, img.Config.Env) || !slices.Equal(c.Config.Cmd, img.Config.Cmd) || c.Config.WorkingDir != img.Config.WorkingDir) {
				t.Errorf("config %+v, image-spec reads %+v", *c.Config, img.Config)
			}
		})
	}
}

// The fields image-spec's Go types drop are kept, and reachable.
func TestImageConfigKeepsDockerFields(t *testing.T) {
	c, err := core.DecodeImageConfig(corpusFile(t, "docker/moby-config-healthcheck.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Healthcheck", "OnBuild", "Shell", "Hostname", "Image", "Volumes"} {
		if _, ok := c.Config.Extra.Lookup(k); !ok {
			t.Errorf("config.%s not kept; kept %q", k, c.Config.Extra.Keys())
		}
	}
	if !c.Config.ArgsEscaped || c.Config.StopSignal != "SIGQUIT" {
		t.Errorf("ArgsEscaped %v, StopSignal %q", c.Config.ArgsEscaped, c.Config.StopSignal)
	}
	if v, _ := c.Config.Extra.Lookup("Shell"); string(v) != `["/bin/bash","-c"]` {
		t.Errorf("Shell kept as %s", v)
	}
	for _, k := range []string{"container", "container_config", "docker_version"} {
		if _, ok := c.Extra.Lookup(k); !ok {
			t.Errorf("%s not kept; kept %q", k, c.Extra.Keys())
		}
	}
	// A field set replaces a kept empty one of its name ("WorkingDir": "").
	c.Config.WorkingDir = "/srv"
	b, err := core.EncodeImageConfig(c, core.EncodingCompact)
	if err != nil || strings.Count(string(b), `"WorkingDir"`) != 1 || !strings.Contains(string(b), `"WorkingDir":"/srv"`) {
		t.Errorf("EncodeImageConfig with WorkingDir set = %s, %v", b, err)
	}
}

// config.md's rules, and only them, make a config invalid; history
// against diff_ids is a warning.
func TestValidateImageConfig(t *testing.T) {
	const d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
	tests := []struct {
		doc      string
		want     string // the fields with problems, joined
		warnings int
	}{
		{`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + d + `"]}}`, "", 0},
		{`{"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05.5Z","config":{"Env":["A=1"]},"rootfs":{"type":"layers","diff_ids":[]},"history":[{"empty_layer":true}]}`, "", 0},
		{`{}`, "architecture os rootfs", 0},
		{`{"architecture":"amd64","os":"linux","rootfs":{}}`, "rootfs.type rootfs.diff_ids", 0},
		{`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["x"]},"created":"now","config":{"Env":["NOEQUALS"]}}`, "created config.Env[0] rootfs.diff_ids[0]", 0},
		{`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + d + `"]},"history":[{"empty_layer":true}]}`, "", 1},
		{`{"architecture":"amd64","os":"linux","rootfs":{"type":"tar","diff_ids":[]}}`, "rootfs.type", 0},
	}
	for _, tt := range tests {
		c, err := core.ParseImageConfig([]byte(tt.doc))
		if err != nil {
			t.Fatalf("ParseImageConfig(%s) = %v", tt.doc, err)
		}
		if got := strings.Join(problemFields(core.ValidateImageConfig(c)), " "); got != tt.want {
			t.Errorf("ValidateImageConfig(%s) problems at %q, want %q", tt.doc, got, tt.want)
		}
		if got := len(core.ImageConfigWarnings(c)); got != tt.warnings {
			t.Errorf("ImageConfigWarnings(%s) = %d warnings, want %d", tt.doc, got, tt.warnings)
		}
	}
	// Docker's image spec example: two diff_ids, two history entries of
	// which one is empty_layer. Valid; the count is a warning.
	c, err := core.DecodeImageConfig(corpusFile(t, "docker/docker-image-spec-config.json"))
	if err != nil {
		t.Fatalf("DecodeImageConfig(docker-image-spec example) = %v", err)
	}
	if w := core.ImageConfigWarnings(c); len(w) != 1 || !strings.Contains(w[0].Error(), "does not require") {
		t.Errorf("warnings = %v, want one saying config.md does not require it", w)
	}
}

func problemFields(err error) []string {
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

// The parser is strict where encoding/json is not: exact keys,
// duplicates refused, invalid UTF-8 refused, types checked.
func TestParseImageConfigStrict(t *testing.T) {
	const base = `"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}`
	tests := []struct {
		name, doc, want string
	}{
		{"duplicate key", `{` + base + `,"os":"windows"}`, "os: key appears more than once"},
		{"duplicate nested key", `{` + base + `,"config":{"Env":[],"Env":["A=1"]}}`, "config.Env: key appears more than once"},
		{"duplicate label", `{` + base + `,"config":{"Labels":{"a":"1","a":"2"}}}`, "config.Labels.a: key appears more than once"},
		{"invalid UTF-8", "{" + base + ",\"author\":\"\xff\"}", "invalid UTF-8"},
		{"wrong type", `{` + base + `,"config":{"User":5}}`, "config.User: cannot be a JSON number"},
		{"not an object", `[1]`, "want an object"},
		{"null", `null`, "want a JSON object"},
		{"trailing data", `{` + base + `} {}`, "data after"},
		{"volumes as list", `{` + base + `,"config":{"Volumes":["/a"]}}`, "config.Volumes: cannot be a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := core.ParseImageConfig([]byte(tt.doc))
			if !errors.Is(err, core.ErrInvalidDocument) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseImageConfig(%q) = %v, want ErrInvalidDocument with %q", tt.doc, err, tt.want)
			}
		})
	}
	// A key in another case is not the field: it is kept, unknown.
	c, err := core.ParseImageConfig([]byte(`{` + base + `,"OS":"windows","Architecture":"arm64"}`))
	if err != nil || c.OS != "linux" || c.Architecture != "amd64" || len(c.Extra) != 2 {
		t.Errorf("ParseImageConfig(OS, Architecture) = %+v, %v; want the fields untouched and two kept members", c, err)
	}
}

// CheckDiffIDs is the image check: the config against its layers.
func TestCheckDiffIDs(t *testing.T) {
	a := digest.Digest("sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1")
	b := digest.Digest("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")
	c, err := core.DecodeImageConfig(corpusFile(t, "image-spec/config-image-json-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := core.CheckDiffIDs(c, []digest.Digest{a, b}); err != nil {
		t.Errorf("CheckDiffIDs(matching) = %v", err)
	}
	for _, ids := range [][]digest.Digest{{b, a}, {a}, {a, b, b}, nil} {
		if err := core.CheckDiffIDs(c, ids); !errors.Is(err, core.ErrDiffIDMismatch) {
			t.Errorf("CheckDiffIDs(%v) = %v, want ErrDiffIDMismatch", ids, err)
		}
	}
}

// FuzzParseImageConfig: no panic; what the parser accepts encodes in
// every encoding to a config it accepts again, and in the compact and
// concil encodings to the same JSON value as the input.
func FuzzParseImageConfig(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "formats", "testdata", "corpus", "*", "*config*.json"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"architecture":"","config":null,"rootfs":{},"history":[{},{"empty_layer":false}],"x":[1E3,-0]}`))
	f.Add([]byte(`{"config":{"ExposedPorts":{"80/tcp":{"a":1}},"Volumes":{},"Labels":{"a":"\u00e9"},"ArgsEscaped":false}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := core.ParseImageConfig(data)
		if err != nil {
			return
		}
		for _, enc := range core.Encodings {
			b, err := core.EncodeImageConfig(c, enc)
			if err != nil {
				if enc == core.EncodingCanonical && errors.Is(err, core.ErrOutOfRange) {
					continue
				}
				t.Fatalf("EncodeImageConfig(%v) of %q = %v", enc, data, err)
			}
			if _, err := core.ParseImageConfig(b); err != nil {
				t.Fatalf("ParseImageConfig(EncodeImageConfig(%v)) = %v\n%s", enc, err, b)
			}
			if enc != core.EncodingCanonical {
				if same, err := coretest.SameJSON(b, data); err != nil || !same {
					t.Fatalf("EncodeImageConfig(%v) =\n%s\nnot the JSON value of\n%s", enc, b, data)
				}
			}
		}
	})
}
