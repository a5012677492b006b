// Package registrytest runs a real registry for the module's tests: the
// CNCF distribution registry that Debian packages as docker-registry
// (2.8), started on 127.0.0.1 on a free port with a storage folder and a
// configuration of its own, without authentication or with htpasswd
// basic authentication; and a proxy in front of it that records every
// request and injects faults (a connection cut in the middle of a blob,
// a status, a wrong digest, a manifest that never ends).
//
//	func TestMain(m *testing.M) {
//		reg, err := registrytest.Start(registrytest.Options{})
//		if err != nil { ... } // errors.Is(err, registrytest.ErrNotInstalled): skip
//		code := m.Run()
//		reg.Stop()
//		os.Exit(code)
//	}
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Binary is the registry's command, as Debian installs it.
const Binary = "docker-registry"

// ErrNotInstalled: the registry (or htpasswd, for Options.Auth) is not
// installed.
var ErrNotInstalled = errors.New("registrytest: docker-registry is not installed (apt-get install -y docker-registry apache2-utils)")

// Options say how to run the registry.
type Options struct {
	// Auth requires htpasswd basic authentication as User and Password.
	Auth bool
	// Log receives the registry's output (nil: discarded).
	Log *os.File
}

// Registry is a running registry.
type Registry struct {
	// Host is "127.0.0.1:PORT".
	Host string
	// Dir holds the registry's storage, configuration and credentials.
	Dir string
	// User and Password are the credentials with Options.Auth.
	User, Password string

	cmd  *exec.Cmd
	done chan error
	once sync.Once
}

// Start starts a registry and waits until it answers. Stop it when
// done; no process is left behind.
func Start(opts Options) (*Registry, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, ErrNotInstalled
	}
	dir, err := os.MkdirTemp("", "ocispec-registry-")
	if err != nil {
		return nil, err
	}
	r := &Registry{Dir: dir, done: make(chan error, 1)}
	var auth string
	if opts.Auth {
		htpasswd, err := exec.LookPath("htpasswd")
		if err != nil {
			os.RemoveAll(dir)
			return nil, ErrNotInstalled
		}
		r.User, r.Password = "ocispec", "test-password"
		out, err := exec.Command(htpasswd, "-Bbn", r.User, r.Password).Output()
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("registrytest: htpasswd: %w", err)
		}
		pw := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(pw, out, 0o600); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: ocispec-test\n    path: %s\n", pw)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	r.Host = fmt.Sprintf("127.0.0.1:%d", port)
	config := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, filepath.Join(dir, "storage"), r.Host, auth)
	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	r.cmd = exec.Command(bin, "serve", cfg)
	if opts.Log != nil {
		r.cmd.Stdout, r.cmd.Stderr = opts.Log, opts.Log
	}
	if err := r.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("registrytest: start %s: %w", bin, err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	if err := r.waitReady(30 * time.Second); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// waitReady polls GET /v2/ until the registry answers (200, or 401 with
// authentication) or exits.
func (r *Registry) waitReady(patience time.Duration) error {
	deadline := time.Now().Add(patience)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-r.done:
			r.done <- err
			return fmt.Errorf("registrytest: the registry exited at start-up: %v", err)
		default:
		}
		resp, err := client.Get("http://" + r.Host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("registrytest: the registry on %s did not answer within %v", r.Host, patience)
}

// Stop stops the registry, waits for it to exit and removes its folder.
func (r *Registry) Stop() error {
	var err error
	r.once.Do(func() {
		if r.cmd != nil && r.cmd.Process != nil {
			r.cmd.Process.Signal(os.Interrupt)
			select {
			case <-r.done:
			case <-time.After(10 * time.Second):
				r.cmd.Process.Kill()
				<-r.done
			}
		}
		err = os.RemoveAll(r.Dir)
	})
	return err
}

// Repository returns "HOST/name", a reference prefix for repository name.
func (r *Registry) Repository(name string) string { return r.Host + "/" + name }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Get is a plain GET of the registry's API with its credentials, for
// tests that check what it holds.
func (r *Registry) Get(ctx context.Context, path string, accept ...string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Host+path, nil)
	if err != nil {
		return nil, err
	}
	if r.User != "" {
		req.SetBasicAuth(r.User, r.Password)
	}
	if len(accept) > 0 {
		req.Header.Set("Accept", strings.Join(accept, ", "))
	}
	return http.DefaultClient.Do(req)
}
