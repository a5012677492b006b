package wire

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
)

// fullManifest uses every field of the values.
func fullManifest() core.Manifest {
	d := core.DescriptorFromBytes("application/vnd.x.layer", []byte("layer"))
	d.Annotations = map[string]string{"a": "b"}
	d.URLs = []string{"https://example.com/l"}
	d.Data = []byte("layer")
	d.ArtifactType = "application/vnd.x.artifact"
	d.Platform = &core.Platform{Architecture: "arm64", OS: "linux", OSVersion: "6", OSFeatures: []string{"f"}, Variant: "v8"}
	empty := core.DescriptorFromBytes("application/vnd.x.empty", nil)
	empty.Data = []byte{} // present but empty
	subject := core.DescriptorFromBytes(oci.MediaTypeManifest, []byte("{}"))
	return core.Manifest{
		ArtifactType: "application/vnd.x.artifact",
		Config:       core.DescriptorFromBytes("config", []byte("{}")),
		Layers:       []core.Descriptor{d, empty},
		Subject:      &subject,
		Annotations:  map[string]string{"k": "v"},
	}
}

// Values survive the trip through protobuf's wire form unchanged.
func TestConvertRoundTrip(t *testing.T) {
	manifests := map[string]core.Manifest{
		"full":      fullManifest(),
		"no layers": {Config: core.DescriptorFromBytes("config", nil), Layers: []core.Descriptor{}},
	}
	for name, m := range manifests {
		b, err := proto.Marshal(ManifestToProto(m))
		if err != nil {
			t.Fatal(err)
		}
		var pm formatpb.Manifest
		if err := proto.Unmarshal(b, &pm); err != nil {
			t.Fatal(err)
		}
		if got := ManifestFromProto(&pm); !reflect.DeepEqual(got, m) {
			t.Errorf("%s: ManifestFromProto(ManifestToProto(m)) =\n%#v\nwant\n%#v", name, got, m)
		}
	}
	full := fullManifest()
	ix := core.Index{ArtifactType: "application/vnd.x", Manifests: full.Layers, Subject: full.Subject, Annotations: map[string]string{"k": "v"}}
	b, _ := proto.Marshal(IndexToProto(ix))
	var pi formatpb.Index
	if err := proto.Unmarshal(b, &pi); err != nil {
		t.Fatal(err)
	}
	if got := IndexFromProto(&pi); !reflect.DeepEqual(got, ix) {
		t.Errorf("IndexFromProto(IndexToProto(ix)) =\n%#v\nwant\n%#v", got, ix)
	}
	if got := IndexFromProto(&formatpb.Index{}); got.Manifests == nil {
		t.Errorf("IndexFromProto(empty).Manifests = nil, want an empty list")
	}
}

func TestEncodings(t *testing.T) {
	for _, enc := range core.Encodings {
		p, err := EncodingToProto(enc)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := EncodingFromProto(p); err != nil || got != enc {
			t.Errorf("EncodingFromProto(EncodingToProto(%v)) = %v, %v", enc, got, err)
		}
	}
	if _, err := EncodingToProto(core.Encoding(7)); !errors.Is(err, core.ErrUnknownEncoding) {
		t.Errorf("EncodingToProto(7) = %v, want ErrUnknownEncoding", err)
	}
	for _, p := range []formatpb.Encoding{formatpb.Encoding_ENCODING_UNSPECIFIED, 42} {
		if _, err := EncodingFromProto(p); !errors.Is(err, core.ErrUnknownEncoding) {
			t.Errorf("EncodingFromProto(%v) = %v, want ErrUnknownEncoding", p, err)
		}
	}
}

// A format's error keeps its sentinel and its field problems (each with
// its own sentinel) across the protocol.
func TestErrorRoundTrip(t *testing.T) {
	x := core.NewFormat(core.FormatSpec{Description: core.Description{Name: "x", ManifestMediaType: "a/m", Table: core.NewTable(map[string]string{"c": "a/b"}, nil)}})
	_, decodeErr := x.DecodeManifest(context.Background(), []byte(`{"schemaVersion":2,"mediaType":"a/m","config":{"mediaType":"a/b","size":-1,"digest":"sha256:zz"},"layers":[]}`))
	tests := []struct {
		name string
		err  error
		want []error
	}{
		{"decode", decodeErr, []error{core.ErrInvalidDocument, core.ErrInvalidDigest}},
		{"unsupported", fmt.Errorf("no index: %w", errors.ErrUnsupported), []error{errors.ErrUnsupported}},
		{"mismatch", &core.DigestMismatchError{Want: "sha256:a", Got: "sha256:b"}, []error{core.ErrDigestMismatch}},
		{"plain", errors.New("something else"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := proto.Marshal(ErrorToProto(tt.err))
			var pe formatpb.Error
			if err := proto.Unmarshal(b, &pe); err != nil {
				t.Fatal(err)
			}
			got := ErrorFromProto(&pe)
			if got.Error() != tt.err.Error() {
				t.Errorf("message %q, want %q", got.Error(), tt.err.Error())
			}
			for _, w := range tt.want {
				if !errors.Is(got, w) {
					t.Errorf("ErrorFromProto(%v): errors.Is(%v) = false", got, w)
				}
			}
			var wantFields, gotFields []string
			for _, p := range core.Problems(tt.err) {
				var fe *core.FieldError
				if errors.As(p, &fe) {
					wantFields = append(wantFields, fe.Field)
				}
			}
			for _, p := range core.Problems(got) {
				var fe *core.FieldError
				if errors.As(p, &fe) {
					gotFields = append(gotFields, fe.Field)
				}
			}
			if !reflect.DeepEqual(gotFields, wantFields) {
				t.Errorf("problems at %q, want %q", gotFields, wantFields)
			}
		})
	}
}

// A plugin's error cannot flood the host: the message and the problems
// are bounded and cleaned.
func TestErrorFromProtoBounds(t *testing.T) {
	pe := &formatpb.Error{Code: 999, Message: strings.Repeat("é", 2000) + "\x1b[2J"}
	for range 500 {
		pe.Problems = append(pe.Problems, &formatpb.FieldProblem{Field: "f", Message: "m\x00"})
	}
	err := ErrorFromProto(pe)
	if n := len(err.Error()); n > MaxErrorMessage {
		t.Errorf("message of %d bytes, limit %d", n, MaxErrorMessage)
	}
	if !utf8.ValidString(err.Error()) || strings.ContainsRune(err.Error(), 0x1b) {
		t.Errorf("message %q is not clean UTF-8", err.Error())
	}
	if n := len(core.Problems(err)); n != MaxProblems {
		t.Errorf("%d problems, want %d", n, MaxProblems)
	}
	if got := ErrorFromProto(&formatpb.Error{}).Error(); got == "" {
		t.Errorf("ErrorFromProto(no message) has no message")
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 100, "plain"},
		{"two\nlines\ttab", 100, "two\nlines\ttab"},
		{"bell\a", 100, "bell\uFFFD"},
		{"bad \xff utf8", 100, "bad \uFFFD utf8"},
		{"abcdefgh", 8, "abcdefgh"},
		{"abcdefghi", 8, "abcde..."},
		{"ééé", 5, "é..."}, // the cut does not split a character
		{"ééé", 4, "..."},
	}
	for _, tt := range tests {
		if got := Clean(tt.in, tt.max); got != tt.want {
			t.Errorf("Clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
