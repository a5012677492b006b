package digesters

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/concil-go/ocispec/core"
)

func TestVerifyingReader(t *testing.T) {
	blob := []byte("some data")
	d := core.DescriptorFromBytes("tar", blob)
	flipped := bytes.Clone(blob)
	flipped[3] ^= 1
	tests := []struct {
		name    string
		content []byte
		want    error
		wantN   int
	}{
		{"exact", blob, io.EOF, len(blob)},
		{"longer", append(bytes.Clone(blob), "xyz"...), core.ErrSizeMismatch, len(blob)},
		{"shorter", blob[:5], core.ErrSizeMismatch, 5},
		{"flipped", flipped, core.ErrDigestMismatch, len(blob)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingReader{r: bytes.NewReader(tt.content)}
			vr, err := NewVerifyingReader(src, d)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(vr)
			if tt.want == io.EOF {
				if err != nil {
					t.Fatalf("ReadAll = %v, want nil", err)
				}
			} else if !errors.Is(err, tt.want) {
				t.Fatalf("ReadAll error = %v, want %v", err, tt.want)
			}
			if len(got) != tt.wantN {
				t.Errorf("handed out %d bytes, want %d", len(got), tt.wantN)
			}
			if src.n > d.Size+1 {
				t.Errorf("read %d bytes from the source, want at most %d", src.n, d.Size+1)
			}
			if vr.Verified() != (tt.want == io.EOF) {
				t.Errorf("Verified() = %v", vr.Verified())
			}
		})
	}
}

func TestVerifyingReaderTypedErrors(t *testing.T) {
	d := core.DescriptorFromBytes("tar", []byte("abc"))
	_, err := io.ReadAll(mustVerifier(t, bytes.NewReader([]byte("abd")), d))
	var dm *core.DigestMismatchError
	if !errors.As(err, &dm) || dm.Want != d.Digest || dm.Got != core.DescriptorFromBytes("", []byte("abd")).Digest {
		t.Fatalf("error = %v, want *DigestMismatchError with want and got", err)
	}
	_, err = io.ReadAll(mustVerifier(t, bytes.NewReader([]byte("ab")), d))
	var sm *core.SizeMismatchError
	if !errors.As(err, &sm) || sm.Want != 3 || sm.Got != 2 {
		t.Fatalf("error = %v, want *SizeMismatchError{3, 2}", err)
	}
}

func TestVerifyingReaderBadDescriptor(t *testing.T) {
	for _, d := range []core.Descriptor{
		{Digest: "sha256:../../etc/passwd", Size: 1},
		{Digest: "nodigest", Size: 1},
		{Digest: core.DescriptorFromBytes("", nil).Digest, Size: -1},
		{Digest: "foo:abc", Size: 1},
	} {
		if _, err := NewVerifyingReader(bytes.NewReader(nil), d); err == nil {
			t.Errorf("NewVerifyingReader(%q, %d) = nil error", d.Digest, d.Size)
		}
	}
}

func mustVerifier(t *testing.T, r io.Reader, d core.Descriptor) *VerifyingReader {
	t.Helper()
	v, err := NewVerifyingReader(r, d)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
