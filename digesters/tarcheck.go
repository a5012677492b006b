package digesters

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// tarCheck reads the stream written to it as a tar archive, on a
// goroutine of its own, so that a layer's tar structure is checked in
// the read that hashes it. It sits among the hashes of the stream (it
// is a hash.Hash whose sum is empty); finish says what it found.
type tarCheck struct {
	pw     *io.PipeWriter
	done   chan struct{}
	err    error // set before done is closed
	n      int64
	failed bool
}

func newTarCheck() *tarCheck {
	pr, pw := io.Pipe()
	t := &tarCheck{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		tr := tar.NewReader(pr)
		entries := 0
		for {
			_, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.err = fmt.Errorf("%w: entry %d: %w", ErrNotTar, entries, err)
				break
			}
			entries++
		}
		io.Copy(io.Discard, pr) // what follows the end, or the rest after a failure
	}()
	return t
}

func (t *tarCheck) Write(p []byte) (int, error) {
	t.n += int64(len(p))
	if !t.failed {
		if _, err := t.pw.Write(p); err != nil {
			t.failed = true
		}
	}
	return len(p), nil
}

func (t *tarCheck) Sum(b []byte) []byte { return b }
func (t *tarCheck) Reset()              {}
func (t *tarCheck) Size() int           { return 0 }
func (t *tarCheck) BlockSize() int      { return 512 }

// finish ends the stream and returns nil when it was a tar archive.
func (t *tarCheck) finish() error {
	t.pw.Close()
	<-t.done
	if t.err == nil && t.n == 0 {
		return fmt.Errorf("%w: it is empty", ErrNotTar)
	}
	return t.err
}

// abort ends the check without a verdict.
func (t *tarCheck) abort() {
	t.pw.CloseWithError(errors.New("aborted"))
	<-t.done
}

// CheckLayer reads the layer d describes from r once, with the
// compression given, and checks it as a layer: r must hold d's size and
// digest (an error wrapping core.ErrSizeMismatch or
// core.ErrDigestMismatch otherwise) and decompress to a tar archive
// (ErrNotTar, ErrCorruptLayer). It returns the layer's diffIDs in d's
// algorithm and, when that is another, in sha256, for a config's
// rootfs.diff_ids to be checked against (core.CheckDiffIDsOf).
func (e *Engine) CheckLayer(ctx context.Context, r io.Reader, d core.Descriptor, c core.Compression) ([]digest.Digest, error) {
	algs := []digest.Algorithm{core.AlgorithmOf(d.Digest)}
	if algs[0] != core.SHA256 {
		algs = append(algs, core.SHA256)
	}
	ce := *e
	ce.CheckTar = true
	comp, plain, err := ce.DigestLayerAs(ctx, r, c, algs...)
	switch {
	case err != nil:
		return nil, err
	case comp.Size != d.Size:
		return nil, &core.SizeMismatchError{Want: d.Size, Got: comp.Size}
	case comp.Digests[0] != d.Digest:
		return nil, &core.DigestMismatchError{Want: d.Digest, Got: comp.Digests[0]}
	}
	return plain.Digests, nil
}
