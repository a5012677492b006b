package orasbridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/errcode"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// RegistryOptions configure the docker:// transport. The zero value (or
// nil) talks HTTPS, reads credentials as docker, skopeo and oras do, and
// retries as oras-go's retry.DefaultPolicy does.
type RegistryOptions struct {
	// PlainHTTP talks HTTP instead of HTTPS: for a local registry
	// without TLS, never across a network.
	PlainHTTP bool
	// Username and Password, when Username is set, are the credentials
	// for every registry reached (a one-off login: the command's
	// --username and --password-stdin). Otherwise Credentials does.
	Username, Password string
	// Credentials returns the credentials for a registry ("HOST[:PORT]").
	// nil reads Docker's config.json ($DOCKER_CONFIG/config.json, else
	// ~/.docker/config.json) and the credential helpers it names, through
	// oras-go's credentials package. Bearer tokens and basic auth are
	// negotiated by oras-go's auth package.
	Credentials auth.CredentialFunc
	// Retry decides whether a request answered 429 or 5xx (or not
	// answered) is sent again, and after how long (nil: oras-go's
	// retry.DefaultPolicy: at most 5 retries, exponential backoff from
	// 250 ms). A request whose body cannot be replayed (a blob upload)
	// is not retried.
	Retry retry.Policy
	// Base carries the requests (nil: http.DefaultTransport).
	Base http.RoundTripper
	// UserAgent is sent with every request ("" : "ocispec").
	UserAgent string
}

// DockerTransport is the registry transport: docker://HOST[:PORT]/REPO
// [:TAG|@DIGEST], as skopeo writes it, on oras-go v2's registry/remote.
// It is not built into package transport (so that an embedder of the
// library who does not use registries does not link oras-go); pass it to
// transport.Parse:
//
//	docker := orasbridge.Docker(&orasbridge.RegistryOptions{PlainHTTP: true})
//	ref, err := transport.Parse("docker://localhost:5000/app:v1", docker)
//
// The references it parses share one HTTP client, one token cache and
// the knowledge of which repositories were opened for reading, so that
// a destination on the same registry mounts their blobs rather than
// uploading them. A DockerTransport is safe for concurrent use.
type DockerTransport struct {
	opts RegistryOptions

	once    sync.Once
	client  *auth.Client
	credErr error

	mu      sync.Mutex
	sources map[string][]string // host → repositories opened for reading
}

var _ transport.Transport = (*DockerTransport)(nil)

// Docker returns a registry transport with opts (nil: the defaults).
func Docker(opts *RegistryOptions) *DockerTransport {
	t := &DockerTransport{sources: map[string][]string{}}
	if opts != nil {
		t.opts = *opts
	}
	return t
}

// Bind returns r as t opens it: with t's options, its client and its
// record of the repositories read (a reference parsed by another
// DockerTransport, given the options only once the command line is
// read).
func (t *DockerTransport) Bind(r DockerReference) DockerReference {
	r.t = t
	return r
}

// Name returns "docker".
func (t *DockerTransport) Name() string { return "docker" }

// Parse reads a reference of any transport, with t for docker://
// (transport.Parse(s, t)).
func (t *DockerTransport) Parse(s string) (transport.Reference, error) {
	return transport.Parse(s, t)
}

// The grammar of distribution's references: a repository's path
// components and a digest (tags are layout.ValidateRegistryTag's),
// compiled on first use so that a command that reads no docker://
// reference does not pay for them at start-up.
var (
	digestRe    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`) })
	componentRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`) })
)

// ParseReference reads what follows "docker:": //HOST[:PORT]/REPO, then
// :TAG or @DIGEST (neither: the tag "latest" for reading). A first
// component that is no host (no '.', no ':', not "localhost") is a
// Docker Hub name, as docker and skopeo read it: docker://busybox is
// docker://docker.io/library/busybox.
func (t *DockerTransport) ParseReference(rest string) (transport.Reference, error) {
	whole := "docker:" + rest
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %q: %s", transport.ErrInvalidReference, whole, fmt.Sprintf(format, args...))
	}
	s, ok := strings.CutPrefix(rest, "//")
	if !ok {
		return nil, bad("the docker transport takes docker://HOST[:PORT]/REPO[:TAG|@DIGEST]")
	}
	ref := DockerReference{t: t}
	if name, dg, ok := strings.Cut(s, "@"); ok {
		if !digestRe().MatchString(dg) {
			return nil, bad("%q is not a digest (ALGORITHM:HEX)", dg)
		}
		ref.Digest = digest.Digest(dg)
		s = name
	}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		ref.Tag = s[i+1:]
		s = s[:i]
		if layout.ValidateRegistryTag(ref.Tag) != nil {
			return nil, bad("%q is not a tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')", ref.Tag)
		}
		if ref.Digest != "" {
			return nil, bad("a reference names a tag or a digest, not both")
		}
	}
	host, repo, ok := strings.Cut(s, "/")
	if !ok || !strings.ContainsAny(host, ".:") && host != "localhost" {
		host, repo = "docker.io", s
		if !strings.Contains(repo, "/") {
			repo = "library/" + repo
		}
	}
	if host == "" || repo == "" {
		return nil, bad("empty host or repository")
	}
	for _, c := range strings.Split(repo, "/") {
		if !componentRe().MatchString(c) {
			return nil, bad("repository %q: component %q is not lower-case letters and digits separated by '.', '_', '__' or '-'", repo, c)
		}
	}
	ref.Host, ref.Repository = host, repo
	if err := (registry.Reference{Registry: host, Repository: repo}).ValidateRegistry(); err != nil {
		return nil, bad("host %q: %v", host, err)
	}
	return ref, nil
}

// DockerReference is a docker:// reference: a repository of a registry
// and, optionally, a tag or a digest in it. Its zero value has no
// transport; parse references with a DockerTransport.
type DockerReference struct {
	Host       string        // "registry.example.com:5000"
	Repository string        // "team/app"
	Tag        string        // "v1", or ""
	Digest     digest.Digest // or ""
	t          *DockerTransport
}

var _ transport.Reference = DockerReference{}

// Transport returns the reference's transport.
func (r DockerReference) Transport() transport.Transport {
	if r.t == nil {
		return nil
	}
	return r.t
}

// String returns the reference as ParseReference reads it.
func (r DockerReference) String() string {
	s := "docker://" + r.Host + "/" + r.Repository
	switch {
	case r.Digest != "":
		s += "@" + string(r.Digest)
	case r.Tag != "":
		s += ":" + r.Tag
	}
	return s
}

// Selection is the tag, "@DIGEST", or "" when the reference names
// neither.
func (r DockerReference) Selection() string {
	if r.Digest != "" {
		return "@" + string(r.Digest)
	}
	return r.Tag
}

// reference is what the reference names in its repository: its digest,
// its tag, or "latest".
func (r DockerReference) reference() string {
	switch {
	case r.Digest != "":
		return string(r.Digest)
	case r.Tag != "":
		return r.Tag
	}
	return "latest"
}

func (r DockerReference) transport() *DockerTransport {
	if r.t == nil {
		return Docker(nil)
	}
	return r.t
}

// repository returns oras-go's client of the reference's repository.
func (r DockerReference) repository(maxDoc int64) (*remote.Repository, error) {
	t := r.transport()
	client, err := t.httpClient()
	if err != nil {
		return nil, err
	}
	return &remote.Repository{
		Reference:        registry.Reference{Registry: r.Host, Repository: r.Repository},
		PlainHTTP:        t.opts.PlainHTTP,
		Client:           client,
		TagListMaxPages:  maxTagPages,
		MaxMetadataBytes: maxDoc,
	}, nil
}

// maxTagPages bounds a tag listing (the registry chooses the page size,
// often 100 or 1000).
const maxTagPages = 10000

// httpClient builds, once, the client every repository of the transport
// shares: oras-go's auth client (token cache, credentials) over its
// retrying transport.
func (t *DockerTransport) httpClient() (*auth.Client, error) {
	t.once.Do(func() {
		cred := t.opts.Credentials
		switch {
		case t.opts.Username != "":
			cred = StaticCredentials(t.opts.Username, t.opts.Password)
		case cred == nil:
			store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
			if err != nil {
				t.credErr = fmt.Errorf("%w: %w", ErrCredentials, err)
				return
			}
			cred = credentials.Credential(store)
		}
		rt := retry.NewTransport(t.opts.Base)
		if p := t.opts.Retry; p != nil {
			rt.Policy = func() retry.Policy { return p }
		}
		ua := t.opts.UserAgent
		if ua == "" {
			ua = "ocispec"
		}
		t.client = &auth.Client{
			Client:     &http.Client{Transport: rt},
			Header:     http.Header{"User-Agent": {ua}},
			Cache:      auth.NewCache(),
			Credential: cred,
		}
	})
	return t.client, t.credErr
}

// opened records a repository opened for reading, from which
// destinations on the same registry mount blobs.
func (t *DockerTransport) opened(host, repo string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.sources[host] {
		if r == repo {
			return
		}
	}
	t.sources[host] = append(t.sources[host], repo)
}

// mountFrom returns a repository of host opened for reading, other
// than repo ("" when there is none).
func (t *DockerTransport) mountFrom(host, repo string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.sources[host]) - 1; i >= 0; i-- {
		if r := t.sources[host][i]; r != repo {
			return r
		}
	}
	return ""
}

// NewSource opens the reference for reading. Nothing is asked of the
// registry until the image is resolved.
func (r DockerReference) NewSource(ctx context.Context, opts *transport.Options) (transport.Source, error) {
	o := opts.WithDefaults()
	repo, err := r.repository(o.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	r.transport().opened(r.Host, r.Repository)
	return &registrySource{ref: r, repo: repo, reg: o.Registry, maxDoc: o.MaxDocumentSize}, nil
}

// NewDestination opens the reference for writing: a tag (or none: the
// source's name when it is a tag, else "latest"), not a digest.
func (r DockerReference) NewDestination(ctx context.Context, opts *transport.Options) (transport.Destination, error) {
	if r.Digest != "" {
		return nil, fmt.Errorf("%w: %s: a destination is named by a tag, not a digest", transport.ErrInvalidReference, r)
	}
	o := opts.WithDefaults()
	repo, err := r.repository(o.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	return &registryDest{ref: r, repo: repo, reg: o.Registry, maxDoc: o.MaxDocumentSize, held: map[digest.Digest]heldDoc{}}, nil
}

// Tags lists the repository's tags, in the registry's order (oras-go's
// tag listing, its pages bounded).
func (r DockerReference) Tags(ctx context.Context) ([]string, error) {
	repo, err := r.repository(core.DefaultMaxDocumentSize)
	if err != nil {
		return nil, err
	}
	var tags []string
	err = repo.Tags(ctx, "", func(page []string) error {
		tags = append(tags, page...)
		return nil
	})
	if err != nil {
		return nil, r.wrap("list tags", err)
	}
	return tags, nil
}

// wrap names the reference and what was done in an error of oras-go,
// and maps it to this module's sentinels: core.ErrNotFound,
// ErrUnauthorized.
func (r DockerReference) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	var resp *errcode.ErrorResponse
	switch {
	case errors.Is(err, errdef.ErrNotFound):
		return fmt.Errorf("orasbridge: %s: %s: %w: %w", r, what, core.ErrNotFound, err)
	case errors.Is(err, auth.ErrBasicCredentialNotFound) || errors.As(err, &resp) && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
		return fmt.Errorf("orasbridge: %s: %s: %w (docker login %s, or give the credentials): %w", r, what, ErrUnauthorized, r.Host, err)
	case errors.As(err, &resp) && resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("orasbridge: %s: %s: %w: %w", r, what, core.ErrNotFound, err)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("orasbridge: %s: %s: %w (a registry without TLS: talk plain HTTP to it, the command's --plain-http)", r, what, err)
	}
	return fmt.Errorf("orasbridge: %s: %s: %w", r, what, err)
}

// StaticCredentials returns the same credentials for every registry
// ("", "": none, so that Docker's config.json is not read).
func StaticCredentials(username, password string) auth.CredentialFunc {
	c := auth.Credential{Username: username, Password: password}
	return func(context.Context, string) (auth.Credential, error) { return c, nil }
}
