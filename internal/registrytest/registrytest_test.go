package registrytest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/concil-go/ocispec/internal/tooltest"
)

func start(t *testing.T, opts Options) *Registry {
	t.Helper()
	tooltest.Need(t, Binary)
	if opts.Auth {
		tooltest.Need(t, "htpasswd")
	}
	r, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop() })
	return r
}

// pushBlob uploads data monolithically (POST then PUT) and returns its
// digest.
func pushBlob(t *testing.T, host, user, pass string, data []byte) string {
	t.Helper()
	sum := sha256.Sum256(data)
	dg := "sha256:" + hex.EncodeToString(sum[:])
	do := func(method, url string, body io.Reader) *http.Response {
		req, _ := http.NewRequest(method, url, body)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := do(http.MethodPost, "http://"+host+"/v2/test/blobs/uploads/", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST upload: %s", resp.Status)
	}
	loc := resp.Header.Get("Location")
	sep := "?"
	if bytes.ContainsRune([]byte(loc), '?') {
		sep = "&"
	}
	resp = do(http.MethodPut, loc+sep+"digest="+dg, bytes.NewReader(data))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT upload: %s", resp.Status)
	}
	return dg
}

func TestRegistryAndProxy(t *testing.T) {
	r := start(t, Options{})
	p, err := NewProxy(r.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	data := bytes.Repeat([]byte("layer data "), 100000)
	dg := pushBlob(t, p.Host, "", "", data)
	reqs := p.Requests()
	if len(reqs) != 2 || reqs[1].BodyBytes != int64(len(data)) {
		t.Errorf("recorded %+v, want the POST and a PUT of %d bytes", reqs, len(data))
	}
	get := func() ([]byte, error) {
		resp, err := http.Get("http://" + p.Host + "/v2/test/blobs/" + dg)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, errors.New(resp.Status)
		}
		return io.ReadAll(resp.Body)
	}
	if b, err := get(); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("GET blob = %d bytes, %v", len(b), err)
	}
	p.SetFault(CutBlob(1000))
	if b, err := get(); err == nil {
		t.Errorf("GET through CutBlob = %d bytes and no error", len(b))
	}
	p.SetFault(Status(http.StatusInternalServerError, IsBlobGet))
	if _, err := get(); err == nil || err.Error() != "500 Internal Server Error" {
		t.Errorf("GET through Status(500) = %v", err)
	}
	p.SetFault(CorruptBlob())
	if b, err := get(); err != nil || len(b) != len(data) || bytes.Equal(b, data) {
		t.Errorf("GET through CorruptBlob = %d bytes, %v; want the same length, other bytes", len(b), err)
	}
}

func TestRegistryAuth(t *testing.T) {
	r := start(t, Options{Auth: true})
	resp, err := http.Get("http://" + r.Host + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /v2/ without credentials = %s, want 401", resp.Status)
	}
	resp, err = r.Get(context.Background(), "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v2/ with credentials = %s, want 200", resp.Status)
	}
	dir := r.Dir
	r.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Stop left %s: %v", dir, err)
	}
}
