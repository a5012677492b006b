package orasbridge

import (
	"context"
	"fmt"
	"io"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/transport"
	"oras.land/oras-go/v2/registry/remote"
)

// registrySource reads a repository of a registry.
type registrySource struct {
	ref    DockerReference
	repo   *remote.Repository
	reg    *core.Registry
	maxDoc int64
}

var (
	_ transport.Source            = (*registrySource)(nil)
	_ transport.UnverifiedFetcher = (*registrySource)(nil)
	_ transport.ReferrerLister    = (*registrySource)(nil)
)

func (s *registrySource) Reference() transport.Reference { return s.ref }

// Images lists the image the reference names: a registry's repository
// is read one tag or digest at a time (its tags are listed by
// [DockerReference.Tags]).
func (s *registrySource) Images(ctx context.Context) ([]transport.Image, error) {
	return s.Resolve(ctx)
}

// Resolve asks the registry for the manifest or index the reference
// names (a HEAD request): its tag ("latest" when it names none) or its
// digest, which the registry's answer must match.
func (s *registrySource) Resolve(ctx context.Context) ([]transport.Image, error) {
	want := s.ref.reference()
	desc, err := s.repo.Resolve(ctx, want)
	if err != nil {
		return nil, s.ref.wrap("resolve "+want, err)
	}
	d := core.DescriptorFromOCI(desc)
	if s.ref.Digest != "" && d.Digest != s.ref.Digest {
		return nil, fmt.Errorf("orasbridge: %s: %w: the registry answered %s", s.ref, core.ErrDigestMismatch, d.Digest)
	}
	if d.Size > s.maxDoc {
		return nil, fmt.Errorf("orasbridge: %s: %w: the manifest is %d bytes, over the limit of %d", s.ref, core.ErrTooLarge, d.Size, s.maxDoc)
	}
	if d.Size < 0 {
		return nil, fmt.Errorf("orasbridge: %s: %w: the registry gave no size", s.ref, core.ErrInvalidDocument)
	}
	img := transport.Image{Descriptor: d}
	if s.ref.Digest == "" {
		img.Names = []string{want}
	}
	return []transport.Image{img}, nil
}

// Fetch opens the manifest, index or blob d describes, verified against
// d. The request is sent at the first Read, so that a reader closed
// unread (a blob the destination mounted) costs nothing; a manifest or
// blob the registry does not have is an error wrapping core.ErrNotFound
// from that Read.
func (s *registrySource) Fetch(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	if _, err := digesters.NewVerifyingReaderWith(s.reg.Algorithms(), nil, d); err != nil {
		return nil, fmt.Errorf("orasbridge: %s: %w", s.ref, err)
	}
	return &lazyReader{ctx: ctx, s: s, d: d, verify: true}, nil
}

// FetchUnverified is Fetch without the hashing, for a caller that
// verifies what it reads (transport.Copy into a destination, which
// verifies what it writes). The body is still cut one byte past d's
// size.
func (s *registrySource) FetchUnverified(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	return &lazyReader{ctx: ctx, s: s, d: d}, nil
}

func (s *registrySource) Close() error { return nil }

// what names d in errors.
func what(d core.Descriptor, reg *core.Registry) string {
	if transport.IsDocument(reg, d.MediaType) {
		return "manifest " + string(d.Digest)
	}
	return "blob " + string(d.Digest)
}

// lazyReader sends its GET at its first Read.
type lazyReader struct {
	ctx    context.Context
	s      *registrySource
	d      core.Descriptor
	verify bool

	body io.ReadCloser
	r    io.Reader
	err  error
}

func (l *lazyReader) open() {
	rc, err := l.s.repo.Fetch(l.ctx, l.d.OCI())
	if err != nil {
		l.err = l.s.ref.wrap("fetch "+what(l.d, l.s.reg), err)
		return
	}
	l.body = rc
	l.r = io.LimitReader(rc, l.d.Size+1)
	if l.verify {
		vr, err := digesters.NewVerifyingReaderWith(l.s.reg.Algorithms(), rc, l.d)
		if err != nil {
			l.err = fmt.Errorf("orasbridge: %s: %w", l.s.ref, err)
			return
		}
		l.r = vr
	}
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if l.r == nil && l.err == nil {
		l.open()
	}
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		l.err = fmt.Errorf("orasbridge: %s: %s: %w", l.s.ref, what(l.d, l.s.reg), err)
		return n, l.err
	}
	return n, err
}

func (l *lazyReader) Close() error {
	if l.body != nil {
		return l.body.Close()
	}
	return nil
}

// Referrers lists subject's referrers in the repository (see
// [DockerReference.Referrers]), for transport.Copy's Referrers option.
func (s *registrySource) Referrers(ctx context.Context, subject core.Descriptor) ([]transport.Image, error) {
	ds, err := s.ref.Referrers(ctx, subject, "")
	if err != nil {
		return nil, err
	}
	out := make([]transport.Image, len(ds))
	for i, d := range ds {
		out[i] = transport.Image{Descriptor: d}
	}
	return out, nil
}
