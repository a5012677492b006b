package benchmarks

import (
	stdgzip "compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
	ocispecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// An impl computes the sha256 digest of a file the way one library or
// idiom does.
type impl struct {
	name string
	fn   func(path string) (digest.Digest, error)
}

// fileImpls are the ways to digest a file that the benchmarks compare,
// ours first.
var fileImpls = []impl{
	{"ours", func(path string) (digest.Digest, error) {
		res, err := digesters.DigestFile(context.Background(), path)
		if err != nil {
			return "", err
		}
		return res.Digests[0], nil
	}},
	// The standard library idiom: io.Copy (32 KiB buffer) into a hash.
	{"stdlib-iocopy", func(path string) (digest.Digest, error) {
		return withOpen(path, func(f *os.File) (digest.Digest, error) {
			h := sha256.New()
			if _, err := io.Copy(h, f); err != nil {
				return "", err
			}
			return digest.NewDigest(digest.SHA256, h), nil
		})
	}},
	{"go-digest", func(path string) (digest.Digest, error) {
		return withOpen(path, func(f *os.File) (digest.Digest, error) { return digest.FromReader(f) })
	}},
	{"ggcr", func(path string) (digest.Digest, error) {
		return withOpen(path, func(f *os.File) (digest.Digest, error) {
			h, _, err := v1.SHA256(f)
			return digest.Digest(h.String()), err
		})
	}},
	// oras-go's descriptor helper works on bytes in memory.
	{"oras", func(path string) (digest.Digest, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		return content.NewDescriptorFromBytes("application/octet-stream", b).Digest, nil
	}},
}

func withOpen(path string, fn func(f *os.File) (digest.Digest, error)) (digest.Digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return fn(f)
}

// A layerImpl returns the digest and the diffID of a compressed layer.
type layerImpl struct {
	name string
	fn   func(path string) (compressed, uncompressed digest.Digest, err error)
}

var gzipImpls = []layerImpl{
	{"ours", layerOurs},
	{"twopass-stdlib", func(path string) (digest.Digest, digest.Digest, error) {
		return twoPass(path, func(r io.Reader) (io.ReadCloser, error) { return stdgzip.NewReader(r) })
	}},
}

var zstdImpls = []layerImpl{
	{"ours", layerOurs},
	// The same decoder as ours (klauspost), with its default options.
	{"twopass-klauspost", func(path string) (digest.Digest, digest.Digest, error) {
		return twoPass(path, func(r io.Reader) (io.ReadCloser, error) {
			d, err := zstd.NewReader(r)
			if err != nil {
				return nil, err
			}
			return d.IOReadCloser(), nil
		})
	}},
}

func layerOurs(path string) (digest.Digest, digest.Digest, error) {
	c, u, err := digesters.DigestLayerFile(context.Background(), path, digesters.Detect)
	if err != nil {
		return "", "", err
	}
	return c.Digests[0], u.Digests[0], nil
}

// twoPass reads the file twice, the way a caller without a one-pass
// engine does: once for the digest of the compressed bytes, once
// through the decompressor for the diffID.
func twoPass(path string, open func(io.Reader) (io.ReadCloser, error)) (digest.Digest, digest.Digest, error) {
	c, err := withOpen(path, func(f *os.File) (digest.Digest, error) {
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		return digest.NewDigest(digest.SHA256, h), nil
	})
	if err != nil {
		return "", "", err
	}
	u, err := withOpen(path, func(f *os.File) (digest.Digest, error) {
		zr, err := open(f)
		if err != nil {
			return "", err
		}
		defer zr.Close()
		h := sha256.New()
		if _, err := io.Copy(h, zr); err != nil {
			return "", err
		}
		return digest.NewDigest(digest.SHA256, h), nil
	})
	return c, u, err
}

// verifyImpls check a file against its descriptor without keeping it.
type verifyImpl struct {
	name string
	fn   func(path string, d core.Descriptor) error
}

var verifyImpls = []verifyImpl{
	{"ours", func(path string, d core.Descriptor) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return (&digesters.Engine{}).Verify(context.Background(), f, d)
	}},
	{"ours-reader", func(path string, d core.Descriptor) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		vr, err := digesters.NewVerifyingReader(f, d)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, vr)
		return err
	}},
	{"oras", func(path string, d core.Descriptor) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		vr := content.NewVerifyReader(f, ocispecv1.Descriptor{MediaType: "application/octet-stream", Digest: d.Digest, Size: d.Size})
		if _, err := io.Copy(io.Discard, vr); err != nil {
			return err
		}
		return vr.Verify()
	}},
}

// limit is the machine's single-core limit: Sum256 over bytes already
// in memory.
func limit(b []byte) digest.Digest {
	sum := sha256.Sum256(b)
	return digest.Digest("sha256:" + hex.EncodeToString(sum[:]))
}
