package digesters

import (
	"context"
	"fmt"
	"hash"
	"io"
	"math"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// DescriptorFromReader reads r once and describes it: mediaType (a kind
// or a concrete type), its size and its digest of algorithm alg (sha256
// when alg is empty), which may be any algorithm registered in
// core.DefaultAlgorithms (or the engine's).
func DescriptorFromReader(ctx context.Context, r io.Reader, mediaType string, alg digest.Algorithm) (core.Descriptor, error) {
	return (&Engine{}).DescriptorFromReader(ctx, r, mediaType, alg)
}

// DescriptorFromReader is [DescriptorFromReader] with this engine's
// settings.
func (e *Engine) DescriptorFromReader(ctx context.Context, r io.Reader, mediaType string, alg digest.Algorithm) (core.Descriptor, error) {
	res, err := e.DigestReader(ctx, r, algsOf(alg)...)
	if err != nil {
		return core.Descriptor{}, err
	}
	return res.Descriptor(mediaType), nil
}

// DescriptorFromFile is [DescriptorFromReader] over the file at path,
// with the checks of [DigestFile].
func DescriptorFromFile(ctx context.Context, path, mediaType string, alg digest.Algorithm) (core.Descriptor, error) {
	return (&Engine{}).DescriptorFromFile(ctx, path, mediaType, alg)
}

// DescriptorFromFile is [DescriptorFromFile] with this engine's settings.
func (e *Engine) DescriptorFromFile(ctx context.Context, path, mediaType string, alg digest.Algorithm) (core.Descriptor, error) {
	res, err := e.DigestFile(ctx, path, algsOf(alg)...)
	if err != nil {
		return core.Descriptor{}, err
	}
	return res.Descriptor(mediaType), nil
}

func algsOf(alg digest.Algorithm) []digest.Algorithm {
	if alg == "" {
		return nil
	}
	return []digest.Algorithm{alg}
}

// Verify reads r to its end through the pipeline and checks it against
// d, reading at most d.Size+1 bytes, with the errors of
// [VerifyingReader] (a *core.SizeMismatchError or *core.DigestMismatchError
// naming the blob). Use it when the bytes are not needed; use
// [NewVerifyingReader] to consume them.
func (e *Engine) Verify(ctx context.Context, r io.Reader, d core.Descriptor) error {
	h, err := newHash(e.algorithms(), d)
	if err != nil {
		return err
	}
	name := "blob " + string(d.Digest)
	if d.Size < math.MaxInt64 {
		r = io.LimitReader(r, d.Size+1)
	}
	n, err := e.stream(ctx, r, d.Size, []hash.Hash{h}, false)
	if err != nil {
		return streamErr(name, n, err)
	}
	if n != d.Size {
		return fmt.Errorf("digesters: %s: %w", name, &core.SizeMismatchError{Want: d.Size, Got: n})
	}
	if got := encodeDigest(d.Digest.Algorithm(), h.Sum(nil)); got != d.Digest {
		return fmt.Errorf("digesters: %s: %w", name, &core.DigestMismatchError{Want: d.Digest, Got: got})
	}
	return nil
}

// VerifyData checks a descriptor's embedded data field against its size
// and digest, with the errors of [VerifyingReader]. A descriptor without
// data is valid.
func VerifyData(d core.Descriptor) error { return (&Engine{}).VerifyData(d) }

// VerifyData is [VerifyData] with this engine's registry.
func (e *Engine) VerifyData(d core.Descriptor) error {
	if d.Data == nil {
		return nil
	}
	h, err := newHash(e.algorithms(), d)
	if err != nil {
		return err
	}
	if int64(len(d.Data)) != d.Size {
		return fmt.Errorf("digesters: blob %s: data field: %w", d.Digest, &core.SizeMismatchError{Want: d.Size, Got: int64(len(d.Data))})
	}
	h.Write(d.Data)
	if got := encodeDigest(d.Digest.Algorithm(), h.Sum(nil)); got != d.Digest {
		return fmt.Errorf("digesters: blob %s: data field: %w", d.Digest, &core.DigestMismatchError{Want: d.Digest, Got: got})
	}
	return nil
}
