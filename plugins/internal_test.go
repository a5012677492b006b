package plugins

import (
	"bytes"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
)

func TestBackoffDelay(t *testing.T) {
	b := backoff{initial: 10 * time.Millisecond, max: 100 * time.Millisecond}
	want := []time.Duration{0, 10, 20, 40, 80, 100, 100}
	for n, w := range want {
		if got := b.delay(n); got != w*time.Millisecond {
			t.Errorf("delay(%d) = %v, want %v", n, got, w*time.Millisecond)
		}
	}
	if got := b.delay(1000); got != b.max {
		t.Errorf("delay(1000) = %v, want %v", got, b.max)
	}
}

func goodDescription() (*formatpb.InfoResponse, *formatpb.MediaTypesResponse) {
	return &formatpb.InfoResponse{Name: "x", Version: "1.0", ApiVersions: []uint32{1},
			Capabilities: []formatpb.Capability{formatpb.Capability_CAPABILITY_DETECT, 99}},
		&formatpb.MediaTypesResponse{ManifestMediaType: "application/vnd.x.manifest+json",
			MediaTypes:     map[string]string{"config": "application/vnd.x.config+json", "blob": "application/vnd.x.blob"},
			SupportedKinds: []string{"config"}}
}

// Every rule of checkDescription refuses the answer that breaks it.
func TestCheckDescription(t *testing.T) {
	ir, mr := goodDescription()
	info, f, err := checkDescription(ir, mr, 1)
	if err != nil {
		t.Fatalf("checkDescription(good) = %v", err)
	}
	if info.Name != "x" || len(info.Capabilities) != 1 || !f.desc.Detects || f.index || !f.desc.Table.Supports("config") || f.desc.Table.Supports("blob") {
		t.Errorf("checkDescription(good) = %+v, %+v", info, f)
	}
	long := strings.Repeat("k", maxKindLen+1)
	many := map[string]string{}
	for i := range maxKinds + 1 {
		many[strings.Repeat("k", 1+i%100)+string(rune('a'+i/100))] = "a/b"
	}
	tests := []struct {
		name   string
		change func(*formatpb.InfoResponse, *formatpb.MediaTypesResponse)
		want   error
	}{
		{"bad name", func(i *formatpb.InfoResponse, _ *formatpb.MediaTypesResponse) { i.Name = "X Y" }, core.ErrInvalidFormat},
		{"empty name", func(i *formatpb.InfoResponse, _ *formatpb.MediaTypesResponse) { i.Name = "" }, core.ErrInvalidFormat},
		{"long version", func(i *formatpb.InfoResponse, _ *formatpb.MediaTypesResponse) { i.Version = strings.Repeat("1", 65) }, ErrInvalidAnswer},
		{"control in version", func(i *formatpb.InfoResponse, _ *formatpb.MediaTypesResponse) { i.Version = "1\x1b[2J" }, ErrInvalidAnswer},
		{"no api version", func(i *formatpb.InfoResponse, _ *formatpb.MediaTypesResponse) { i.ApiVersions = nil }, ErrInvalidAnswer},
		{"other api version", func(i *formatpb.InfoResponse, _ *formatpb.MediaTypesResponse) { i.ApiVersions = []uint32{2} }, ErrInvalidAnswer},
		{"bad manifest type", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) { m.ManifestMediaType = "json" }, core.ErrInvalidMediaType},
		{"bad index type", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) { m.IndexMediaType = "a/b c" }, core.ErrInvalidMediaType},
		{"index without type", func(i *formatpb.InfoResponse, _ *formatpb.MediaTypesResponse) {
			i.Capabilities = []formatpb.Capability{formatpb.Capability_CAPABILITY_INDEX}
		}, ErrInvalidAnswer},
		{"empty table", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) { m.MediaTypes = nil }, ErrInvalidAnswer},
		{"huge table", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) { m.MediaTypes = many }, ErrInvalidAnswer},
		{"kind with slash", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) { m.MediaTypes["a/b"] = "a/b" }, ErrInvalidAnswer},
		{"empty kind", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) { m.MediaTypes[""] = "a/b" }, ErrInvalidAnswer},
		{"long kind", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) { m.MediaTypes[long] = "a/b" }, ErrInvalidAnswer},
		{"bad media type", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) { m.MediaTypes["blob"] = "not a type" }, core.ErrInvalidMediaType},
		{"unknown supported kind", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) {
			m.SupportedKinds = append(m.SupportedKinds, "other")
		}, ErrInvalidAnswer},
		{"bad config media type", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) {
			m.ConfigMediaTypes = []string{"application/x", "no type"}
		}, core.ErrInvalidMediaType},
		{"too many config media types", func(_ *formatpb.InfoResponse, m *formatpb.MediaTypesResponse) {
			m.ConfigMediaTypes = slices.Repeat([]string{"application/x"}, maxConfigTypes+1)
		}, ErrInvalidAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ir, mr := goodDescription()
			tt.change(ir, mr)
			_, _, err := checkDescription(ir, mr, 1)
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalidAnswer) {
				t.Errorf("checkDescription(%s) = %v, want %v and %v", tt.name, err, tt.want, ErrInvalidAnswer)
			}
		})
	}
}

func TestCheckClaims(t *testing.T) {
	r := core.NewRegistry(nil)
	r.MustRegisterFormat(core.NewFormat(core.FormatSpec{Description: core.Description{Name: "other",
		ManifestMediaType: "application/vnd.other.manifest+json", Table: core.NewTable(map[string]string{"layer": "application/vnd.other.layer"}, nil)}}))
	mk := func(table map[string]string) core.Format {
		return core.NewFormat(core.FormatSpec{Description: core.Description{Name: "mine", ManifestMediaType: oci.MediaTypeManifest, Table: core.NewTable(table, nil)}})
	}
	tests := []struct {
		name  string
		table map[string]string
		want  error
	}{
		{"own types", map[string]string{"config": "application/vnd.mine.config+json"}, nil},
		{"another format's layer", map[string]string{"blob": "application/vnd.other.layer"}, ErrClaimedMediaType},
		{"another format's layer, other spelling", map[string]string{"blob": "Application/Vnd.Other.Layer; x=1"}, ErrClaimedMediaType},
		{"another format's manifest", map[string]string{"m": "application/vnd.other.manifest+json"}, ErrClaimedMediaType},
		{"a built-in document type", map[string]string{"i": docker.MediaTypeManifestList}, ErrClaimedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkClaims(mk(tt.table), []*core.Registry{r})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("checkClaims(%v) = %v, want %v", tt.table, err, tt.want)
			}
		})
	}
}

func TestCheckEncoded(t *testing.T) {
	d := core.DigestOf([]byte("x"))
	doc := []byte(`{"digest":"` + string(d) + `"}`)
	ok := &formatpb.EncodeResponse{Result: &formatpb.EncodeResponse_Document{Document: doc}}
	if b, err := checkEncoded(ok, nil); err != nil || !bytes.Equal(b, doc) {
		t.Errorf("checkEncoded(good) = %s, %v", b, err)
	}
	if _, err := checkEncoded(ok, []digest.Digest{d}); err != nil {
		t.Errorf("checkEncoded(good, its digest) = %v", err)
	}
	tests := map[string]*formatpb.EncodeResponse{
		"nothing":   {},
		"empty":     {Result: &formatpb.EncodeResponse_Document{}},
		"not json":  {Result: &formatpb.EncodeResponse_Document{Document: []byte("{")}},
		"too large": {Result: &formatpb.EncodeResponse_Document{Document: bytes.Repeat([]byte(" "), 5<<20)}},
	}
	for name, resp := range tests {
		if _, err := checkEncoded(resp, nil); !errors.Is(err, ErrInvalidAnswer) {
			t.Errorf("checkEncoded(%s) = %v, want ErrInvalidAnswer", name, err)
		}
	}
	if _, err := checkEncoded(ok, []digest.Digest{core.DigestOf([]byte("y"))}); !errors.Is(err, ErrInvalidAnswer) {
		t.Errorf("checkEncoded(without the digest) = %v, want ErrInvalidAnswer", err)
	}
	refused := &formatpb.EncodeResponse{Result: &formatpb.EncodeResponse_Error{Error: &formatpb.Error{
		Code: formatpb.ErrorCode_ERROR_CODE_NOT_CONVERTIBLE, Message: "no"}}}
	if _, err := checkEncoded(refused, nil); !errors.Is(err, core.ErrNotConvertible) || errors.Is(err, ErrInvalidAnswer) {
		t.Errorf("checkEncoded(refusal) = %v, want ErrNotConvertible", err)
	}
}

// The logger adapter passes go-plugin's logs, with their level and
// arguments, to slog.
func TestSlogLogger(t *testing.T) {
	var buf bytes.Buffer
	l := newHCLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Named("helm").With("pid", 7).Warn("plugin died", "call", "Decode")
	l.Debug("hidden")
	l.Log(hclog.Error, "broken")
	l.StandardLogger(nil).Print("from the standard logger\n")
	got := buf.String()
	for _, want := range []string{`level=WARN msg="plugin died" logger=helm pid=7 call=Decode`, `level=ERROR msg=broken`, `msg="from the standard logger"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log = %q, want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "hidden") || l.IsDebug() || !l.IsInfo() || l.GetLevel() != hclog.Info {
		t.Errorf("debug enabled on an info logger: %q, IsDebug %v, GetLevel %v", got, l.IsDebug(), l.GetLevel())
	}
	if _, ok := newHCLogger(nil).(*slogLogger); ok {
		t.Errorf("newHCLogger(nil) is not the null logger")
	}
}
