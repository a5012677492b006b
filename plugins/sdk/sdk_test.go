package sdk

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/wire"
)

// serveEnv makes the test binary call Serve with the format it names.
const serveEnv = "OCISPEC_SDK_TEST_SERVE"

var formats = map[string]core.Format{
	"nil":     nil,
	"badname": core.NewFormat(core.FormatSpec{Description: core.Description{Name: "Bad Name", ManifestMediaType: "a/m", Table: core.NewTable(map[string]string{"c": "a/b"}, nil)}}),
	"panics":  panicking{},
	"good":    core.NewFormat(core.FormatSpec{Description: core.Description{Name: "good", ManifestMediaType: "a/m", Table: core.NewTable(map[string]string{"c": "a/b"}, nil)}}),
}

func TestMain(m *testing.M) {
	if name := os.Getenv(serveEnv); name != "" {
		Serve(formats[name])
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type panicking struct{ core.Format }

func (panicking) Describe() core.Description { panic("no description") }

func TestCheck(t *testing.T) {
	for name, f := range formats {
		err := check(f)
		if (name == "good") != (err == nil) || name != "good" && !errors.Is(err, ErrInvalidFormat) {
			t.Errorf("check(%s) = %v", name, err)
		}
	}
}

// Serve refuses a malformed format, and a process started outside a
// host, with a message on stderr, nothing on stdout and status 1.
func TestServeRefuses(t *testing.T) {
	tests := []struct {
		format string
		cookie bool
		want   string
	}{
		{"nil", true, "sdk: invalid format: nil"},
		{"badname", true, "sdk: invalid format"},
		{"panics", true, "panic while describing it: no description"},
		{"good", false, "This binary is a plugin"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), serveEnv+"="+tt.format)
			if tt.cookie {
				cmd.Env = append(cmd.Env, wire.MagicCookieKey+"="+wire.MagicCookieValue)
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Errorf("Serve(%s) exited with %v, want status 1", tt.format, err)
			}
			if stdout.Len() != 0 {
				t.Errorf("Serve(%s) wrote %q to stdout", tt.format, stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("Serve(%s) stderr = %q, want %q", tt.format, stderr.String(), tt.want)
			}
		})
	}
}
