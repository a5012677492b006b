package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
)

// Path returns a reference to what is at path, told when it is opened:
// an OCI layout or dir: folder, an oci-archive or a docker-archive
// (Docker 25's dual format is read as a docker-archive, whose images
// keep their manifests and carry their RepoTags). As a destination it
// names an existing layout only: a new one needs its transport.
func Path(path string) (Reference, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty reference", ErrInvalidReference)
	}
	return PathReference{Path: path}, nil
}

// PathReference is a path without a transport (see [Path]).
type PathReference struct{ Path string }

func (r PathReference) Transport() Transport { return nil }
func (r PathReference) String() string       { return r.Path }
func (r PathReference) Selection() string    { return "" }

// resolve tells the transport of what is at the path.
func (r PathReference) resolve() (Reference, error) {
	fi, err := os.Stat(r.Path)
	if errors.Is(err, fs.ErrNotExist) {
		if i := strings.LastIndexByte(r.Path, ':'); i > 0 {
			if _, serr := os.Stat(r.Path[:i]); serr == nil {
				return nil, fmt.Errorf("transport: %s: %w (for the image tagged %q of the layout %s, as umoci and oras write PATH:TAG, write oci:%s)", r.Path, err, r.Path[i+1:], r.Path[:i], r.Path)
			}
		}
		return nil, fmt.Errorf("transport: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if fi.IsDir() {
		kind, err := layout.Detect(r.Path)
		if err != nil {
			return nil, fmt.Errorf("transport: %w", err)
		}
		return LayoutReference{Kind: kind, Path: r.Path}, nil
	}
	return nil, nil // a file: an archive, told once read
}

func (r PathReference) NewSource(ctx context.Context, opts *Options) (Source, error) {
	ref, err := r.resolve()
	if err != nil {
		return nil, err
	}
	if ref != nil {
		return ref.NewSource(ctx, opts)
	}
	o := opts.orZero()
	af, err := openArchiveFile(ctx, r.Path, o)
	if err != nil {
		return nil, err
	}
	return &autoArchiveSource{ref: r, af: af, opts: o}, nil
}

func (r PathReference) NewDestination(ctx context.Context, opts *Options) (Destination, error) {
	ref, err := r.resolve()
	if err != nil || ref == nil {
		return nil, fmt.Errorf("%w: %s: a new destination needs its transport (oci:, dir:, oci-archive: or docker-archive:)", ErrInvalidReference, r.Path)
	}
	return ref.NewDestination(ctx, opts)
}

// autoArchiveSource reads an archive as oci-archive or docker-archive,
// whichever it is, once it has been indexed or read.
type autoArchiveSource struct {
	ref  PathReference
	af   *archiveFile
	opts *Options

	once  sync.Once
	err   error
	mu    sync.Mutex // guards inner for Reference
	inner Source
}

func (s *autoArchiveSource) choose(ctx context.Context) (Source, error) {
	s.once.Do(func() {
		if s.err = s.af.ready(ctx); s.err != nil {
			return
		}
		var in Source
		switch s.af.layout.Kind {
		case archive.LayoutOCI:
			in = &ociArchiveSource{ref: OCIArchiveReference{Path: s.ref.Path}, af: s.af, opts: s.opts}
		default:
			in = &dockerArchiveSource{ref: DockerArchiveReference{Path: s.ref.Path, Index: -1}, af: s.af, opts: s.opts}
		}
		s.mu.Lock()
		s.inner = in
		s.mu.Unlock()
	})
	return s.inner, s.err
}

// Reference is the path, or, once the archive has been read, the
// reference of the transport it was read as.
func (s *autoArchiveSource) Reference() Reference {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inner != nil {
		return s.inner.Reference()
	}
	return s.ref
}
func (s *autoArchiveSource) spoolIn(dir string) { s.af.spoolIn(dir) }

func (s *autoArchiveSource) Images(ctx context.Context) ([]Image, error) {
	in, err := s.choose(ctx)
	if err != nil {
		return nil, err
	}
	return in.Images(ctx)
}

func (s *autoArchiveSource) Resolve(ctx context.Context) ([]Image, error) {
	in, err := s.choose(ctx)
	if err != nil {
		return nil, err
	}
	return in.Resolve(ctx)
}

func (s *autoArchiveSource) Fetch(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	in, err := s.choose(ctx)
	if err != nil {
		return nil, err
	}
	return in.Fetch(ctx, d)
}

func (s *autoArchiveSource) fetchRaw(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	in, err := s.choose(ctx)
	if err != nil {
		return nil, err
	}
	return in.(rawSource).fetchRaw(ctx, d)
}

func (s *autoArchiveSource) openFile(ctx context.Context, d core.Descriptor) (*os.File, bool, error) {
	in, err := s.choose(ctx)
	if err != nil {
		return nil, false, err
	}
	return in.(fileSource).openFile(ctx, d)
}

func (s *autoArchiveSource) Close() error { return s.af.close() }
