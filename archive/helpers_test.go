package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/internal/tooltest"
)

// file is one entry of a test archive built with archive/tar.
type file struct {
	name     string
	typ      byte // 0: regular
	data     string
	linkname string
}

func buildTar(t testing.TB, format tar.Format, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Typeflag: f.typ, Linkname: f.linkname, Mode: 0o644, ModTime: time.Unix(0, 0), Format: format}
		if f.typ == 0 {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.data))
		}
		if f.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("WriteHeader(%q): %v", f.name, err)
		}
		if f.data != "" {
			if _, err := io.WriteString(tw, f.data); err != nil {
				t.Fatalf("Write(%q): %v", f.name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func index(t testing.TB, data []byte, opts *archive.Options) (*archive.Archive, error) {
	t.Helper()
	return archive.New(context.Background(), bytes.NewReader(data), int64(len(data)), opts)
}

// streamAll reads a whole archive as a Stream, reading every regular
// entry's data, and returns the data by name.
func streamAll(t testing.TB, r io.Reader, opts *archive.Options) (map[string]string, *archive.Index, error) {
	t.Helper()
	s, err := archive.NewStream(context.Background(), r, opts)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	got := map[string]string{}
	for {
		e, err := s.Next()
		if err == io.EOF {
			return got, s.Index(), nil
		}
		if err != nil {
			return got, nil, err
		}
		b, err := io.ReadAll(s)
		if err != nil {
			return got, nil, err
		}
		if e.Type == archive.TypeReg {
			got[e.Name] = string(b)
		}
	}
}

// needTool skips a test when a command is missing, or fails it when
// OCISPEC_REQUIRE_TOOLS=1.
func needTool(t testing.TB, name string) string { t.Helper(); return tooltest.Need(t, name) }

func run(t testing.TB, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

func wantErr(t testing.TB, what string, err, want error, mention string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s = nil error, want %v", what, want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s = %v, want an error wrapping %v", what, err, want)
	}
	if mention != "" && !strings.Contains(err.Error(), mention) {
		t.Fatalf("%s = %q, want it to mention %q", what, err, mention)
	}
}
