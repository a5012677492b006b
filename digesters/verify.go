package digesters

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// VerifyingReader reads a blob against its descriptor. It hands out at
// most Size bytes, reads at most Size+1 bytes from the source, and ends
// with io.EOF only when the blob had exactly Size bytes and the digest
// matched; otherwise the bytes already handed out are followed by an
// error naming the blob that wraps a *core.SizeMismatchError or a
// *core.DigestMismatchError. It is not safe for concurrent use.
type VerifyingReader struct {
	r    io.Reader
	desc core.Descriptor
	h    hash.Hash
	n    int64 // bytes handed out
	err  error // sticky final error

}

// NewVerifyingReader wraps r to be verified against d, with the
// digesters of core.DefaultAlgorithms. A descriptor whose digest is malformed or of
// an algorithm no digester serves, or whose size is negative, is an error
// before anything is read.
func NewVerifyingReader(r io.Reader, d core.Descriptor) (*VerifyingReader, error) {
	return NewVerifyingReaderWith(core.DefaultAlgorithms, r, d)
}

// NewVerifyingReaderWith is NewVerifyingReader with the digesters of
// algs (nil: sha256 and sha512 from the standard library only).
func NewVerifyingReaderWith(algs *core.Algorithms, r io.Reader, d core.Descriptor) (*VerifyingReader, error) {
	h, err := newHash(algs, d)
	if err != nil {
		return nil, err
	}
	return &VerifyingReader{r: r, desc: d, h: h}, nil
}

func newHash(reg *core.Algorithms, d core.Descriptor) (hash.Hash, error) {
	if err := reg.ValidateDigest(d.Digest); err != nil {
		return nil, fmt.Errorf("digesters: blob %q: %w", d.Digest, err)
	}
	if d.Size < 0 {
		return nil, fmt.Errorf("digesters: blob %s: %w: negative size %d", d.Digest, core.ErrInvalidDocument, d.Size)
	}
	h, err := reg.NewHash(core.AlgorithmOf(d.Digest))
	if err != nil {
		return nil, fmt.Errorf("digesters: blob %s: %w", d.Digest, err)
	}
	return h, nil
}

// Read implements io.Reader.
func (v *VerifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	// Ask for one byte past the end so a longer blob is noticed, and
	// never more.
	if rem := v.desc.Size - v.n; int64(len(p)) > rem+1 && rem < math.MaxInt64 {
		p = p[:rem+1]
	}
	n, err := v.r.Read(p)
	if n < 0 || n > len(p) {
		v.err = fmt.Errorf("digesters: blob %s: %w: Read returned %d for a buffer of %d", v.desc.Digest, ErrBadReader, n, len(p))
		return 0, v.err
	}
	if over := v.n + int64(n) - v.desc.Size; over > 0 {
		n -= int(over)
		v.h.Write(p[:n])
		v.n += int64(n)
		v.err = v.fail(&core.SizeMismatchError{Want: v.desc.Size, Got: v.desc.Size + over})
		return n, v.err
	}
	v.h.Write(p[:n])
	v.n += int64(n)
	switch {
	case err == io.EOF:
		v.err = v.finish()
		return n, v.err
	case err != nil:
		v.err = fmt.Errorf("digesters: blob %s: read after %d bytes: %w", v.desc.Digest, v.n, err)
		return n, v.err
	}
	return n, nil
}

// finish checks size and digest at the end of the source.
func (v *VerifyingReader) finish() error {
	if v.n != v.desc.Size {
		return v.fail(&core.SizeMismatchError{Want: v.desc.Size, Got: v.n})
	}
	got := digest.Digest(string(v.desc.Digest.Algorithm()) + ":" + hex.EncodeToString(v.h.Sum(nil)))
	if got != v.desc.Digest {
		return v.fail(&core.DigestMismatchError{Want: v.desc.Digest, Got: got})
	}
	return io.EOF
}

func (v *VerifyingReader) fail(err error) error {
	return fmt.Errorf("digesters: blob %s: %w", v.desc.Digest, err)
}

// Verified reports whether the whole blob has been read and matched its
// descriptor.
func (v *VerifyingReader) Verified() bool { return v.err == io.EOF }

// Descriptor returns the descriptor the reader verifies against.
func (v *VerifyingReader) Descriptor() core.Descriptor { return v.desc }

// WriteTo writes the rest of the blob to w in BufferSize pieces (so
// io.Copy does not use its 32 KiB buffer) and ends with the error Read
// would give: nil when the blob matched its descriptor.
func (v *VerifyingReader) WriteTo(w io.Writer) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var total int64
	for {
		n, err := v.Read(*bp)
		if n > 0 {
			m, werr := w.Write((*bp)[:n])
			total += int64(m)
			if werr == nil && m < n {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// VerifyReader reads r to the end against d and returns nil when it
// matched, without keeping the bytes. It is [Engine.Verify] with the
// default engine and no deadline.
func VerifyReader(r io.Reader, d core.Descriptor) error {
	return (&Engine{}).Verify(context.Background(), r, d)
}
