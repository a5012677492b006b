package archive

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// Defaults of [ScanOptions].
const (
	// DefaultKeepSize is the largest entry Scan keeps in memory by
	// default: manifests, configs and other small blobs fit.
	DefaultKeepSize = 1 << 20
	// DefaultKeepTotal bounds the bytes Scan keeps in memory by default,
	// all kept entries together (the top-level documents aside).
	DefaultKeepTotal = 64 << 20
)

// TopDocuments are the files at an archive's root that say what it
// holds: an OCI image layout's oci-layout and index.json, docker save's
// manifest.json and repositories. [Scan] always keeps them in memory.
var TopDocuments = []string{"oci-layout", "index.json", "manifest.json", "repositories"}

func isTopDocument(name string) bool {
	for _, d := range TopDocuments {
		if name == d {
			return true
		}
	}
	return false
}

// ScanOptions control [Scan]. The zero value keeps the top documents
// and the entries of at most DefaultKeepSize bytes while they total at
// most DefaultKeepTotal, computes sha256 digests, and skips the rest.
type ScanOptions struct {
	Options
	// Keep, when set, decides which regular entries other than the
	// TopDocuments are read into memory; the kept bytes may then total
	// KeepTotal at most, or Scan fails with an error wrapping ErrLimit.
	// Unset, entries of at most KeepSize bytes are kept while the total
	// stays within KeepTotal, and the others are spooled.
	Keep func(Entry) bool
	// KeepSize and KeepTotal: <= 0 is DefaultKeepSize and
	// DefaultKeepTotal.
	KeepSize, KeepTotal int64
	// Spool receives, in archive order, every regular entry that is not
	// kept, with a reader of exactly its data. For an entry named
	// blobs/ALGORITHM/ENCODED, with a digest of an algorithm the
	// registry serves, the reader is verifying: when the bytes do not
	// match the name, its last Read returns an error wrapping
	// core.ErrDigestMismatch instead of io.EOF, so a Spool that commits
	// only after reading io.EOF never commits a wrong blob and need not
	// hash it again. Spool may read less than the whole entry to skip
	// it; the rest is read past (and still hashed). An error from Spool
	// ends the scan. Nil: entries not kept are read past.
	Spool func(ctx context.Context, e Entry, r io.Reader) error
	// Algorithm digests the regular entries not named by digest; ""
	// is sha256.
	Algorithm digest.Algorithm
}

// ScanResult is what one pass of [Scan] learnt.
type ScanResult struct {
	// Index lists every entry, in archive order; links resolve through
	// it.
	*Index
	Compression core.Compression
	// Documents holds the data of the entries kept in memory, by name.
	Documents map[string][]byte
	// Digests holds, by name, the digest of every regular entry's data,
	// computed as it passed: for an entry named blobs/ALGORITHM/ENCODED
	// it is that digest, verified; for the others it is of
	// ScanOptions.Algorithm. Links are not listed: resolve them with
	// Index.Resolve.
	Digests map[string]digest.Digest
}

// Scan reads an archive (compressed or not) in one sequential pass,
// keeping the small documents in memory and handing every other regular
// entry to a spool as it passes, while it computes the digest of each.
//
// It is how a transport reads an image from a compressed oci-archive or
// docker-archive in a single pass, although the producers write blobs
// before index.json (skopeo and docker save tar up a folder in name
// order, blobs/ first): the blobs are spooled into the destination as
// they pass, verified against their names, before it is known which of
// them the image needs; once Scan has returned, index.json and the
// manifests (small, so kept) say which are needed, and the destination
// drops the others. The archive is never copied whole: what is spooled
// is what a destination keeps, each blob once, plus the blobs of the
// archive's other images.
func Scan(ctx context.Context, r io.Reader, opts *ScanOptions) (*ScanResult, error) {
	var o ScanOptions
	if opts != nil {
		o = *opts
	}
	o.Options = o.Options.orZero()
	if o.KeepSize <= 0 {
		o.KeepSize = DefaultKeepSize
	}
	if o.KeepTotal <= 0 {
		o.KeepTotal = DefaultKeepTotal
	}
	if o.Algorithm == "" {
		o.Algorithm = digest.SHA256
	}
	if _, err := o.Algorithms.NewHash(o.Algorithm); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	s, err := NewStream(ctx, r, &o.Options)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	res := &ScanResult{Index: s.Index(), Compression: s.Compression(), Documents: map[string][]byte{}, Digests: map[string]digest.Digest{}}
	var kept int64
	for {
		e, err := s.Next()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return nil, err
		}
		if e.Type != TypeReg {
			continue
		}
		top := isTopDocument(e.Name)
		keep := top
		switch {
		case top:
		case o.Keep != nil:
			keep = o.Keep(e)
			if keep && kept+e.Size > o.KeepTotal {
				return nil, entryErr(e.Name, -1, fmt.Errorf("%w: the entries kept would exceed %d bytes (ScanOptions.KeepTotal)", ErrLimit, o.KeepTotal))
			}
		default:
			keep = e.Size <= o.KeepSize && kept+e.Size <= o.KeepTotal
		}
		named, hasName := blobDigest(o.Algorithms, e.Name)
		if keep {
			max := o.MaxDocumentSize
			if !top {
				max = max64(max, o.KeepSize)
			}
			data, err := s.ReadDocument(max)
			if err != nil {
				return nil, err
			}
			if !top {
				kept += int64(len(data))
			}
			if hasName {
				if err := o.Algorithms.VerifyBytes(data, e.Size, named); err != nil {
					return nil, entryErr(e.Name, -1, err)
				}
				res.Digests[e.Name] = named
			} else {
				d, _ := o.Algorithms.FromBytes(o.Algorithm, data)
				res.Digests[e.Name] = d
			}
			res.Documents[e.Name] = data
			continue
		}
		d, err := spool(ctx, s, e, named, hasName, &o)
		if err != nil {
			return nil, err
		}
		res.Digests[e.Name] = d
	}
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// spool hands the current entry to the Spool (if any) and reads past
// what it left, hashing all of it.
func spool(ctx context.Context, s *Stream, e Entry, named digest.Digest, hasName bool, o *ScanOptions) (digest.Digest, error) {
	var r io.Reader
	var h hash.Hash
	if hasName {
		vr, err := digesters.NewVerifyingReaderWith(o.Algorithms, s, core.Descriptor{Digest: named, Size: e.Size})
		if err != nil {
			return "", entryErr(e.Name, -1, err)
		}
		r = vr
	} else {
		h, _ = o.Algorithms.NewHash(o.Algorithm)
		r = io.TeeReader(s, h)
	}
	if o.Spool != nil {
		if err := o.Spool(ctx, e, struct{ io.Reader }{r}); err != nil {
			if errors.Is(err, ctx.Err()) && ctx.Err() != nil {
				return "", err
			}
			return "", entryErr(e.Name, -1, err)
		}
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return "", entryErr(e.Name, -1, err)
	}
	if hasName {
		return named, nil
	}
	return digest.NewDigestFromEncoded(o.Algorithm, hex.EncodeToString(h.Sum(nil))), nil
}

// blobDigest returns the digest an entry named blobs/ALGORITHM/ENCODED
// claims, when it is one the registry can verify.
func blobDigest(reg *core.Algorithms, name string) (digest.Digest, bool) {
	rest, ok := strings.CutPrefix(name, "blobs/")
	if !ok {
		return "", false
	}
	alg, enc, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(enc, "/") {
		return "", false
	}
	d := digest.NewDigestFromEncoded(digest.Algorithm(alg), enc)
	if reg.ValidateDigest(d) != nil {
		return "", false
	}
	if _, err := reg.NewHash(d.Algorithm()); err != nil {
		return "", false
	}
	return d, true
}
