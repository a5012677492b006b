package transport_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/transport"
)

// TestParse reads references as skopeo writes them, and refuses with a
// hint what other tools write.
func TestParse(t *testing.T) {
	tests := []struct {
		in        string
		transport string // "" for a bare path
		str       string // String(), when it differs from in
		selection string
		err       error
		hint      string
	}{
		{in: "oci:/images/app", transport: "oci"},
		{in: "oci:/images/app:v1", transport: "oci", selection: "v1"},
		{in: "oci:app:v1@sha256:" + strings.Repeat("a", 64), transport: "oci", selection: "v1@sha256:" + strings.Repeat("a", 64)},
		{in: "oci:app:@sha256:" + strings.Repeat("a", 64), transport: "oci", selection: "@sha256:" + strings.Repeat("a", 64)},
		{in: "dir:/images/app", transport: "dir"},
		{in: "dir:/images/with:colon", transport: "dir"},
		{in: "oci-archive:/tmp/app.tar", transport: "oci-archive"},
		{in: "oci-archive:/tmp/app.tar:v1", transport: "oci-archive", selection: "v1"},
		{in: "docker-archive:/tmp/app.tar", transport: "docker-archive"},
		{in: "docker-archive:/tmp/app.tar:busybox:latest", transport: "docker-archive", selection: "busybox:latest"},
		{in: "docker-archive:/tmp/app.tar:localhost:5000/app:v1", transport: "docker-archive", selection: "localhost:5000/app:v1"},
		{in: "docker-archive:/tmp/app.tar:busybox", transport: "docker-archive", str: "docker-archive:/tmp/app.tar:busybox:latest", selection: "busybox:latest"},
		{in: "docker-archive:/tmp/app.tar:@2", transport: "docker-archive", selection: "@2"},
		{in: "images/app", transport: ""},
		{in: "/images/app:v1", transport: ""},
		{in: "C:/images/app", transport: ""},

		{in: "oci:", err: transport.ErrInvalidReference},
		{in: "oci:app:", err: transport.ErrInvalidReference},
		{in: "oci:app:bad tag", err: transport.ErrInvalidReference},
		{in: "oci://images/app", err: transport.ErrInvalidReference, hint: "without //"},
		{in: "docker-archive:/tmp/a.tar:@x", err: transport.ErrInvalidReference, hint: "@0, @1"},
		{in: "docker-archive:/tmp/a.tar:@-1", err: transport.ErrInvalidReference},
		{in: "docker-archive:/tmp/a.tar:Busybox:latest", err: transport.ErrInvalidReference, hint: "NAME:TAG"},
		{in: "docker-archive:/tmp/a.tar:busybox@sha256:" + strings.Repeat("a", 64), err: transport.ErrInvalidReference},
		{in: "ocidir://images/app", err: transport.ErrUnknownTransport, hint: "is written oci:images/app here"},
		{in: "myapp:v1", err: transport.ErrUnknownTransport, hint: "write oci:myapp:v1"},
		{in: "docker://busybox", err: transport.ErrUnknownTransport, hint: "orasbridge.Docker"},
		{in: "archive:x.tar", err: transport.ErrUnknownTransport, hint: "written oci-archive:x.tar or docker-archive:x.tar"},
		{in: "layouts:x", err: transport.ErrUnknownTransport, hint: `"oci:", "dir:"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ref, err := transport.Parse(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Parse(%q) = %v, %v; want %v", tt.in, ref, err, tt.err)
				}
				if !strings.Contains(err.Error(), strings.ReplaceAll(tt.hint, `"`, "")) && !strings.Contains(err.Error(), tt.hint) {
					t.Errorf("Parse(%q) = %q, want it to say %q", tt.in, err, tt.hint)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.in, err)
			}
			got := ""
			if tr := ref.Transport(); tr != nil {
				got = tr.Name()
			}
			if got != tt.transport {
				t.Errorf("Parse(%q).Transport() = %q, want %q", tt.in, got, tt.transport)
			}
			want := tt.str
			if want == "" {
				want = tt.in
			}
			if ref.String() != want || ref.Selection() != tt.selection {
				t.Errorf("Parse(%q) = %q selecting %q, want %q selecting %q", tt.in, ref.String(), ref.Selection(), want, tt.selection)
			}
			if tt.transport != "" {
				again, err := transport.Parse(ref.String())
				if err != nil || again.String() != ref.String() {
					t.Errorf("Parse(%q) = %v, %v; want it read back", ref.String(), again, err)
				}
			}
		})
	}
}
