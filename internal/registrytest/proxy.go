package registrytest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Request is one request the proxy passed on (or answered itself).
type Request struct {
	Method, Path string
	Status       int
	// BodyBytes is how many bytes of request body went through (a
	// blob upload's size).
	BodyBytes int64
}

// Fault, when it matches a request, answers it instead of the registry,
// or changes the registry's answer: it returns true when it handled the
// request. next passes the request on.
type Fault func(w http.ResponseWriter, r *http.Request, next http.Handler) bool

// Proxy is an HTTP proxy in front of a registry that records requests
// and injects faults.
type Proxy struct {
	// Host is "127.0.0.1:PORT".
	Host string

	srv   *http.Server
	mu    sync.Mutex
	log   []Request
	fault Fault
}

// NewProxy starts a proxy to the registry at host ("127.0.0.1:PORT").
func NewProxy(host string) (*Proxy, error) {
	target, err := url.Parse("http://" + host)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Host: l.Addr().String()}
	rp := httputil.NewSingleHostReverseProxy(target)
	// Locations the registry gives (upload URLs) name its own host; a
	// client must keep talking to the proxy.
	rp.ModifyResponse = func(resp *http.Response) error {
		if loc := resp.Header.Get("Location"); loc != "" {
			resp.Header.Set("Location", strings.Replace(loc, host, p.Host, 1))
		}
		return nil
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := &countingBody{r: r.Body}
		r.Body = body
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		p.mu.Lock()
		fault := p.fault
		p.mu.Unlock()
		if fault == nil || !fault(rec, r, rp) {
			rp.ServeHTTP(rec, r)
		}
		p.mu.Lock()
		p.log = append(p.log, Request{Method: r.Method, Path: r.URL.Path, Status: rec.status, BodyBytes: body.n})
		p.mu.Unlock()
	})}
	go p.srv.Serve(l)
	return p, nil
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.srv.Close() }

// SetFault installs a fault (nil: none).
func (p *Proxy) SetFault(f Fault) {
	p.mu.Lock()
	p.fault = f
	p.mu.Unlock()
}

// Requests returns the requests so far and forgets them.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.log
	p.log = nil
	return out
}

var (
	blobPath     = regexp.MustCompile(`^/v2/.+/blobs/(sha256|sha512|blake3):[0-9a-f]+$`)
	manifestPath = regexp.MustCompile(`^/v2/.+/manifests/[^/]+$`)
)

// IsBlobGet matches GET requests of a blob.
func IsBlobGet(r *http.Request) bool {
	return r.Method == http.MethodGet && blobPath.MatchString(r.URL.Path)
}

// IsManifestGet matches GET requests of a manifest.
func IsManifestGet(r *http.Request) bool {
	return r.Method == http.MethodGet && manifestPath.MatchString(r.URL.Path)
}

// Status answers the matching requests with code and no body.
func Status(code int, match func(*http.Request) bool) Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if !match(r) {
			return false
		}
		http.Error(w, http.StatusText(code), code)
		return true
	}
}

// CutBlob passes blob GETs on but cuts the connection after n bytes of
// the body.
func CutBlob(n int64) Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		if !IsBlobGet(r) {
			return false
		}
		next.ServeHTTP(&cuttingWriter{ResponseWriter: w, left: n}, r)
		return true
	}
}

// CorruptBlob passes blob GETs on with one byte of the body changed, so
// the content does not match its digest.
func CorruptBlob() Fault {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
		if !IsBlobGet(r) {
			return false
		}
		next.ServeHTTP(&corruptingWriter{ResponseWriter: w}, r)
		return true
	}
}

// EndlessManifest answers manifest GETs with a body that never ends.
func EndlessManifest() Fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if !IsManifestGet(r) {
			return false
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.WriteHeader(http.StatusOK)
		chunk := bytes.Repeat([]byte(" "), 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				return true
			}
			if r.Context().Err() != nil {
				return true
			}
		}
	}
}

type countingBody struct {
	r io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}
func (b *countingBody) Close() error { return b.r.Close() }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type cuttingWriter struct {
	http.ResponseWriter
	left int64
}

func (c *cuttingWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
		c.ResponseWriter.Write(p)
		c.left = 0
		panic(http.ErrAbortHandler) // net/http closes the connection mid-body
	}
	c.left -= int64(len(p))
	return c.ResponseWriter.Write(p)
}

type corruptingWriter struct {
	http.ResponseWriter
	done bool
}

func (c *corruptingWriter) Write(p []byte) (int, error) {
	if !c.done && len(p) > 0 {
		q := bytes.Clone(p)
		q[len(q)/2] ^= 0xff
		c.done = true
		return c.ResponseWriter.Write(q)
	}
	return c.ResponseWriter.Write(p)
}
