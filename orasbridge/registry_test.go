package orasbridge_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/internal/registrytest"
	"github.com/concil-go/ocispec/internal/tooltest"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/orasbridge"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry/remote/retry"
)

var ctx = context.Background()

// The registries of the tests, started once in TestMain: one without
// authentication, one with htpasswd basic auth (nil when docker-registry
// is not installed: the tests that need them skip).
var plainReg, authReg *registrytest.Registry

func TestMain(m *testing.M) {
	var err error
	plainReg, err = registrytest.Start(registrytest.Options{})
	if err == nil {
		authReg, err = registrytest.Start(registrytest.Options{Auth: true})
	}
	if err != nil && !errors.Is(err, registrytest.ErrNotInstalled) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	for _, r := range []*registrytest.Registry{plainReg, authReg} {
		if r != nil {
			r.Stop()
		}
	}
	os.Exit(code)
}

func needRegistry(t *testing.T, auth bool) *registrytest.Registry {
	t.Helper()
	tooltest.Need(t, registrytest.Binary)
	r := plainReg
	if auth {
		tooltest.Need(t, "htpasswd")
		r = authReg
	}
	if r == nil {
		t.Fatal("the registry did not start")
	}
	return r
}

// proxy starts a recording, fault-injecting proxy in front of r.
func proxy(t *testing.T, r *registrytest.Registry) *registrytest.Proxy {
	t.Helper()
	p, err := registrytest.NewProxy(r.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// quick retries briefly, so that the tests of faults do not wait for
// the default backoff.
var quick = &retry.GenericPolicy{Retryable: retry.DefaultPredicate, Backoff: retry.DefaultBackoff, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, MaxRetry: 2}

func plainDocker() *orasbridge.DockerTransport {
	return orasbridge.Docker(&orasbridge.RegistryOptions{PlainHTTP: true, Retry: quick, Credentials: noCredentials})
}

// noCredentials keeps the tests off the machine's Docker config.
var noCredentials = orasbridge.StaticCredentials("", "")

// imageOf writes an image of format with one gzip layer of size bytes of
// random content (seeded) in a new OCI layout, tagged v1, and returns
// the folder and the manifest's descriptor.
func imageOf(t testing.TB, f core.Format, size int, seed uint64) (string, core.Descriptor) {
	return imageEncoded(t, f, core.EncodingCompact, size, seed)
}

// imageEncoded is imageOf with the manifest in encoding enc.
func imageEncoded(t testing.TB, f core.Format, enc core.Encoding, size int, seed uint64) (string, core.Descriptor) {
	t.Helper()
	mb := member(size, seed, nil)
	dir := filepath.Join(t.TempDir(), "src")
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d, err := l.WriteImage(ctx, f, mb.Manifest, mb.Blobs, &layout.WriteOptions{Tag: "v1", Encoding: enc})
	if err != nil {
		t.Fatal(err)
	}
	return dir, d
}

// member is an image of one gzip layer of size random bytes (seeded),
// with its config, for platform p.
func member(size int, seed uint64, p *core.Platform) layout.Member {
	data := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{byte(seed)})
	rng.Read(data)
	var plain bytes.Buffer
	tw := tar.NewWriter(&plain)
	tw.WriteHeader(&tar.Header{Name: "data", Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg})
	tw.Write(data)
	tw.Close()
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.NoCompression)
	zw.Write(plain.Bytes())
	zw.Close()
	os, arch := "linux", "amd64"
	if p != nil {
		os, arch = p.OS, p.Architecture
	}
	config, _ := json.Marshal(map[string]any{"architecture": arch, "os": os, "rootfs": map[string]any{"type": "layers", "diff_ids": []string{string(digest.FromBytes(plain.Bytes()))}}})
	cd := core.DescriptorFromBytes(core.KindConfig, config)
	ld := core.DescriptorFromBytes(core.KindTarGzip, gz.Bytes())
	return layout.Member{
		Manifest: core.Manifest{Config: cd, Layers: []core.Descriptor{ld}},
		Blobs:    layout.Blobs{cd.Digest: layout.FromBytes(config), ld.Digest: layout.FromBytes(gz.Bytes())},
		Platform: p,
	}
}

// copyRefs copies src to dst, both parsed with docker.
func copyRefs(t *testing.T, docker *orasbridge.DockerTransport, src, dst string, opts *transport.CopyOptions) (*transport.CopyResult, error) {
	t.Helper()
	sr, err := docker.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	dr, err := docker.Parse(dst)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sr.NewSource(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	d, err := dr.NewDestination(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return transport.Copy(ctx, d, s, opts)
}

// blobBytesSent sums the request bodies of blob uploads.
func blobBytesSent(reqs []registrytest.Request) (n int64, uploads int) {
	for _, r := range reqs {
		if strings.Contains(r.Path, "/blobs/uploads/") && (r.Method == http.MethodPut || r.Method == http.MethodPatch) {
			n += r.BodyBytes
			uploads++
		}
	}
	return n, uploads
}

// registryManifest is the manifest the registry holds under reference,
// as a plain GET returns it.
func registryManifest(t *testing.T, r *registrytest.Registry, repo, reference string) []byte {
	t.Helper()
	resp, err := r.Get(ctx, "/v2/"+repo+"/manifests/"+reference, oci.MediaTypeManifest, docker.MediaTypeManifest, oci.MediaTypeIndex, docker.MediaTypeManifestList)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET manifest %s:%s = %s %s", repo, reference, resp.Status, b)
	}
	return b
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func blobPath(dir string, d core.Descriptor) string {
	return filepath.Join(dir, "blobs", d.Digest.Algorithm().String(), d.Digest.Encoded())
}

// TestPushPull: a layout pushed to the registry holds the local
// manifest's bytes under the tag and its digest; pulled back into a new
// layout, the manifest and every blob are byte-identical; a second push
// sends no blob (the proxy counts the upload bytes), and a pull into the
// layout that has them skips them; the tag is listed. Both formats.
func TestPushPull(t *testing.T) {
	r := needRegistry(t, false)
	for _, f := range []core.Format{oci.Format, docker.Format} {
		t.Run(f.Describe().Name, func(t *testing.T) {
			p := proxy(t, r)
			dock := plainDocker()
			dir, md := imageOf(t, f, 300<<10, 1)
			repo := "pushpull-" + f.Describe().Name
			dst := "docker://" + p.Host + "/" + repo + ":v1"
			res, err := copyRefs(t, dock, "oci:"+dir+":v1", dst, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Blobs != 2 || res.Images[0].Descriptor.Digest != md.Digest || !slices.Equal(res.Images[0].Names, []string{"v1"}) {
				t.Errorf("push = %+v, want 2 blobs and %s named v1", res, md.Digest)
			}
			local := readFile(t, blobPath(dir, md))
			if got := registryManifest(t, r, repo, "v1"); !bytes.Equal(got, local) {
				t.Errorf("the registry's v1 = %s\nwant the local manifest %s", got, local)
			}
			if got := registryManifest(t, r, repo, string(md.Digest)); !bytes.Equal(got, local) {
				t.Errorf("the registry's %s differs from the local manifest", md.Digest)
			}
			if n, _ := blobBytesSent(p.Requests()); n < 300<<10 {
				t.Errorf("the first push sent %d blob bytes, want the layer's at least", n)
			}

			res, err = copyRefs(t, dock, "oci:"+dir+":v1", dst, nil)
			if err != nil {
				t.Fatal(err)
			}
			reqs := p.Requests()
			if n, uploads := blobBytesSent(reqs); n != 0 || uploads != 0 || res.Skipped != 2 {
				t.Errorf("the second push sent %d blob bytes in %d uploads, skipped %d; want nothing sent, 2 skipped", n, uploads, res.Skipped)
			}
			// One request per blob (is it there?) and one for the tag
			// (does it name the manifest already?): nothing is written.
			var asked []string
			for _, q := range reqs {
				asked = append(asked, q.Method+" "+q.Path)
			}
			slices.Sort(asked)
			m, _, err := core.DecodeManifest(ctx, local)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"HEAD /v2/" + repo + "/manifests/v1"}
			for _, d := range append([]core.Descriptor{m.Config}, m.Layers...) {
				want = append(want, "HEAD /v2/"+repo+"/blobs/"+string(d.Digest))
			}
			slices.Sort(want)
			if !slices.Equal(asked, want) {
				t.Errorf("the second push asked\n%s\nwant\n%s", strings.Join(asked, "\n"), strings.Join(want, "\n"))
			}

			out := filepath.Join(t.TempDir(), "pulled")
			res, err = copyRefs(t, dock, dst, "oci:"+out+":v1", nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Images[0].Descriptor.Digest != md.Digest {
				t.Errorf("pulled %s, want %s", res.Images[0].Descriptor.Digest, md.Digest)
			}
			for _, d := range append([]core.Descriptor{md, m.Config}, m.Layers...) {
				if !bytes.Equal(readFile(t, blobPath(out, d)), readFile(t, blobPath(dir, d))) {
					t.Errorf("pulled %s differs from the pushed one", d.Digest)
				}
			}
			res, err = copyRefs(t, dock, dst, "oci:"+out+":v1", nil)
			if err != nil || res.Skipped != 2 {
				t.Errorf("second pull = %+v, %v; want its 2 blobs skipped", res, err)
			}

			ref, _ := dock.Parse(dst)
			tags, err := ref.(orasbridge.DockerReference).Tags(ctx)
			if err != nil || !slices.Equal(tags, []string{"v1"}) {
				t.Errorf("Tags = %q, %v; want [v1]", tags, err)
			}
		})
	}
}

// TestMount: an image copied from one repository to another of the same
// registry has its blobs mounted: no blob byte is uploaded or
// downloaded, and the manifest keeps its digest.
func TestMount(t *testing.T) {
	r := needRegistry(t, false)
	p := proxy(t, r)
	dock := plainDocker()
	dir, md := imageOf(t, oci.Format, 200<<10, 2)
	if _, err := copyRefs(t, dock, "oci:"+dir+":v1", "docker://"+p.Host+"/mount-a:v1", nil); err != nil {
		t.Fatal(err)
	}
	p.Requests()
	res, err := copyRefs(t, dock, "docker://"+p.Host+"/mount-a:v1", "docker://"+p.Host+"/mount-b:v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := p.Requests()
	n, uploads := blobBytesSent(reqs)
	var gets int
	for _, q := range reqs {
		if q.Method == http.MethodGet && strings.Contains(q.Path, "/blobs/") {
			gets++
		}
	}
	if n != 0 || uploads != 0 || gets != 0 {
		t.Errorf("copy between repositories uploaded %d bytes in %d uploads and made %d blob GETs; want mounts only\n%+v", n, uploads, gets, reqs)
	}
	if res.Images[0].Descriptor.Digest != md.Digest || !bytes.Equal(registryManifest(t, r, "mount-b", "v1"), readFile(t, blobPath(dir, md))) {
		t.Errorf("mount-b:v1 is not the pushed manifest")
	}
}

// TestSkopeoInterop: skopeo reads what was pushed (its dir: copy holds
// the local manifest's bytes, and its blobs), and what skopeo pushed
// reads back, verified, with the digest of skopeo's raw manifest. Both
// formats (skopeo --format v2s2 writes Docker's).
func TestSkopeoInterop(t *testing.T) {
	r := needRegistry(t, false)
	skopeo := tooltest.Need(t, "skopeo")
	dock := plainDocker()
	for _, f := range []core.Format{oci.Format, docker.Format} {
		name := f.Describe().Name
		t.Run(name, func(t *testing.T) {
			dir, md := imageOf(t, f, 100<<10, 3)
			ref := "docker://" + r.Host + "/skopeo-reads-" + name + ":v1"
			if _, err := copyRefs(t, dock, "oci:"+dir+":v1", ref, nil); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "dir")
			if b, err := exec.Command(skopeo, "copy", "--src-tls-verify=false", ref, "dir:"+out).CombinedOutput(); err != nil {
				t.Fatalf("skopeo copy %s dir: %v\n%s", ref, err, b)
			}
			if got := readFile(t, filepath.Join(out, "manifest.json")); !bytes.Equal(got, readFile(t, blobPath(dir, md))) {
				t.Errorf("skopeo read manifest %s, want the pushed one", got)
			}

			theirs := "docker://" + r.Host + "/skopeo-wrote-" + name + ":v1"
			args := []string{"copy", "--dest-tls-verify=false"}
			if f == docker.Format {
				args = append(args, "--format", "v2s2")
			} else {
				args = append(args, "--format", "oci")
			}
			src, _ := imageOf(t, oci.Format, 100<<10, 4)
			if b, err := exec.Command(skopeo, append(args, "oci:"+src+":v1", theirs)...).CombinedOutput(); err != nil {
				t.Fatalf("skopeo copy to %s: %v\n%s", theirs, err, b)
			}
			raw, err := exec.Command(skopeo, "inspect", "--raw", "--tls-verify=false", theirs).Output()
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(raw)
			want := digest.Digest("sha256:" + hex.EncodeToString(sum[:]))
			sr, _ := dock.Parse(theirs)
			s, err := sr.NewSource(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := transport.Verify(ctx, s, nil); err != nil {
				t.Errorf("Verify(%s) = %v", theirs, err)
			}
			m, err := transport.ReadManifest(ctx, s, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Descriptor.Digest != want || !bytes.Equal(m.Bytes, raw) || m.Format.Describe().Name != name {
				t.Errorf("read %s as %s %s, want skopeo's %s", theirs, m.Format.Describe().Name, m.Descriptor.Digest, want)
			}
		})
	}
}

// TestAuth: a registry with basic auth refuses a client without
// credentials (ErrUnauthorized), and takes them given once (Username
// and Password) or from a Docker config.json named by $DOCKER_CONFIG.
func TestAuth(t *testing.T) {
	r := needRegistry(t, true)
	dir, md := imageOf(t, oci.Format, 10<<10, 5)
	ref := "docker://" + r.Host + "/private:v1"

	none := plainDocker()
	if _, err := copyRefs(t, none, "oci:"+dir+":v1", ref, nil); !errors.Is(err, orasbridge.ErrUnauthorized) {
		t.Errorf("push without credentials = %v, want ErrUnauthorized", err)
	}
	wrong := orasbridge.Docker(&orasbridge.RegistryOptions{PlainHTTP: true, Retry: quick, Username: r.User, Password: "wrong"})
	if _, err := copyRefs(t, wrong, "oci:"+dir+":v1", ref, nil); !errors.Is(err, orasbridge.ErrUnauthorized) {
		t.Errorf("push with a wrong password = %v, want ErrUnauthorized", err)
	}
	given := orasbridge.Docker(&orasbridge.RegistryOptions{PlainHTTP: true, Retry: quick, Username: r.User, Password: r.Password})
	if res, err := copyRefs(t, given, "oci:"+dir+":v1", ref, nil); err != nil || res.Images[0].Descriptor.Digest != md.Digest {
		t.Fatalf("push with Username and Password = %v, %v", res, err)
	}

	cfg := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))
	os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"auths":{"`+r.Host+`":{"auth":"`+auth+`"}}}`), 0o600)
	t.Setenv("DOCKER_CONFIG", cfg)
	fromConfig := orasbridge.Docker(&orasbridge.RegistryOptions{PlainHTTP: true, Retry: quick})
	out := filepath.Join(t.TempDir(), "pulled")
	if res, err := copyRefs(t, fromConfig, ref, "oci:"+out, nil); err != nil || res.Images[0].Descriptor.Digest != md.Digest {
		t.Fatalf("pull with $DOCKER_CONFIG/config.json = %v, %v", res, err)
	}
}

// TestFaults: a connection cut in the middle of a blob, a registry
// answering 500 (retried, a bounded number of times), a blob that is
// not what its digest says, and a manifest that never ends each fail the
// pull with an error that says so, and leave no layout under the
// destination's name.
func TestFaults(t *testing.T) {
	r := needRegistry(t, false)
	p := proxy(t, r)
	dock := plainDocker()
	dir, _ := imageOf(t, oci.Format, 1<<20, 6)
	ref := "docker://" + p.Host + "/faults:v1"
	if _, err := copyRefs(t, dock, "oci:"+dir+":v1", ref, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		fault registrytest.Fault
		is    error
		says  string
	}{
		{"cut mid-blob", registrytest.CutBlob(64 << 10), nil, "unexpected EOF"},
		{"500", registrytest.Status(http.StatusInternalServerError, registrytest.IsBlobGet), nil, "500"},
		{"wrong digest", registrytest.CorruptBlob(), core.ErrDigestMismatch, "digest mismatch"},
		{"endless manifest", registrytest.EndlessManifest(), core.ErrSizeMismatch, "manifest sha256:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.SetFault(tt.fault)
			defer p.SetFault(nil)
			p.Requests()
			out := filepath.Join(t.TempDir(), "pulled")
			_, err := copyRefs(t, dock, ref, "oci:"+out+":v1", nil)
			if err == nil || tt.is != nil && !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("pull through %s = %v; want an error saying %q (%v)", tt.name, err, tt.says, tt.is)
			}
			if _, serr := os.Stat(out); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("pull through %s left %s: %v", tt.name, out, serr)
			}
			if tt.name == "500" {
				gets := 0
				for _, q := range p.Requests() {
					if q.Status == http.StatusInternalServerError {
						gets++
					}
				}
				// Two blobs (config, layer) are asked at once; the
				// first to give up cancels the other.
				if gets < quick.MaxRetry+1 || gets > 2*(quick.MaxRetry+1) {
					t.Errorf("blobs answered 500 were asked %d times, want %d to %d (1 + MaxRetry each)", gets, quick.MaxRetry+1, 2*(quick.MaxRetry+1))
				}
			}
		})
	}
}

// TestPushFile: a layer pushed from a layout's file (sent by the
// kernel while it is hashed) reports its progress, byte for byte; a
// layer file whose content no longer matches its digest fails the push
// with an error wrapping core.ErrDigestMismatch that names the layer,
// and the registry holds neither that blob nor the tag.
func TestPushFile(t *testing.T) {
	r := needRegistry(t, false)
	dock := plainDocker()
	dir, md := imageOf(t, oci.Format, 2<<20, 8)
	m, _, err := core.DecodeManifest(ctx, readFile(t, blobPath(dir, md)))
	if err != nil {
		t.Fatal(err)
	}
	layer := m.Layers[0]
	var mu sync.Mutex
	done := map[digest.Digest]int64{}
	opts := &transport.CopyOptions{Progress: func(p transport.Progress) {
		mu.Lock()
		done[p.Descriptor.Digest] += p.Delta
		mu.Unlock()
	}}
	if _, err := copyRefs(t, dock, "oci:"+dir+":v1", "docker://"+r.Host+"/pushfile-good:v1", opts); err != nil {
		t.Fatal(err)
	}
	for _, d := range []core.Descriptor{m.Config, layer} {
		if done[d.Digest] != d.Size {
			t.Errorf("progress of %s = %d bytes, want its size %d", d.Digest, done[d.Digest], d.Size)
		}
	}

	f, err := os.OpenFile(blobPath(dir, layer), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("corrupt"), layer.Size/2); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, opts := range []*transport.CopyOptions{nil, {Progress: func(transport.Progress) {}}} {
		_, err = copyRefs(t, dock, "oci:"+dir+":v1", "docker://"+r.Host+"/pushfile-bad:v1", opts)
		if !errors.Is(err, core.ErrDigestMismatch) || !strings.Contains(err.Error(), string(layer.Digest)) {
			t.Errorf("push of a corrupt layer = %v; want a digest mismatch naming %s", err, layer.Digest)
		}
	}
	for _, path := range []string{"/v2/pushfile-bad/blobs/" + string(layer.Digest), "/v2/pushfile-bad/manifests/v1"} {
		resp, err := r.Get(ctx, path, oci.MediaTypeManifest)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after the failed push = %s, want 404", path, resp.Status)
		}
	}
}

// TestParseReference: docker:// references as skopeo writes them.
func TestParseReference(t *testing.T) {
	dock := orasbridge.Docker(nil)
	dg := "sha256:" + strings.Repeat("a", 64)
	tests := []struct{ in, str, sel, err string }{
		{in: "docker://localhost:5000/app:v1", str: "docker://localhost:5000/app:v1", sel: "v1"},
		{in: "docker://reg.example.com/team/app@" + dg, str: "docker://reg.example.com/team/app@" + dg, sel: "@" + dg},
		{in: "docker://reg.example.com/app", str: "docker://reg.example.com/app"},
		{in: "docker://busybox", str: "docker://docker.io/library/busybox"},
		{in: "docker://team/app:1.0", str: "docker://docker.io/team/app:1.0", sel: "1.0"},
		{in: "docker:reg.example.com/app", err: "docker://HOST"},
		{in: "docker://reg.example.com/App", err: "lower-case"},
		{in: "docker://reg.example.com/app:v1@" + dg, err: "not both"},
		{in: "docker://reg.example.com/app:-x", err: "is not a tag"},
		{in: "docker://reg.example.com/app@sha256", err: "is not a digest"},
		{in: "docker://reg.example.com/", err: "empty host or repository"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ref, err := dock.Parse(tt.in)
			if tt.err != "" {
				if !errors.Is(err, transport.ErrInvalidReference) || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("Parse(%q) = %v, %v; want an invalid reference saying %q", tt.in, ref, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.in, err)
			}
			if ref.String() != tt.str || ref.Selection() != tt.sel || ref.Transport().Name() != "docker" {
				t.Errorf("Parse(%q) = %q selecting %q, want %q selecting %q", tt.in, ref, ref.Selection(), tt.str, tt.sel)
			}
		})
	}
}

// TestIndex: an index pushed whole keeps its bytes and digest in the
// registry; pulled back whole it is byte-identical; pulled for one
// platform, only that manifest and its blobs are written.
func TestIndex(t *testing.T) {
	r := needRegistry(t, false)
	dock := plainDocker()
	amd, arm := &core.Platform{OS: "linux", Architecture: "amd64"}, &core.Platform{OS: "linux", Architecture: "arm64"}
	dir := filepath.Join(t.TempDir(), "src")
	l, err := layout.Create(dir, layout.OCI)
	if err != nil {
		t.Fatal(err)
	}
	ma, mr := member(50<<10, 7, amd), member(50<<10, 8, arm)
	ix, err := l.WriteIndex(ctx, oci.Format, []layout.Member{ma, mr}, &layout.WriteOptions{Tag: "v1"})
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	ref := "docker://" + r.Host + "/index:v1"
	if _, err := copyRefs(t, dock, "oci:"+dir+":v1", ref, &transport.CopyOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	if got := registryManifest(t, r, "index", "v1"); !bytes.Equal(got, readFile(t, blobPath(dir, ix))) {
		t.Errorf("the registry's index differs from the local one:\n%s", got)
	}
	whole := filepath.Join(t.TempDir(), "whole")
	res, err := copyRefs(t, dock, ref, "oci:"+whole+":v1", &transport.CopyOptions{All: true})
	if err != nil || res.Images[0].Descriptor.Digest != ix.Digest || res.Blobs != 4 {
		t.Fatalf("pull --all = %+v, %v; want %s and 4 blobs", res, err, ix.Digest)
	}
	if !bytes.Equal(readFile(t, blobPath(whole, ix)), readFile(t, blobPath(dir, ix))) {
		t.Error("the index pulled differs from the pushed one")
	}
	one := filepath.Join(t.TempDir(), "arm64")
	res, err = copyRefs(t, dock, ref, "oci:"+one+":v1", &transport.CopyOptions{Platform: arm})
	if err != nil || res.Blobs != 2 {
		t.Fatalf("pull --platform linux/arm64 = %+v, %v; want 2 blobs", res, err)
	}
	if _, err := os.Stat(blobPath(one, ma.Manifest.Layers[0])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the amd64 layer was pulled for arm64: %v", err)
	}
	if _, err := os.Stat(blobPath(one, mr.Manifest.Layers[0])); err != nil {
		t.Errorf("the arm64 layer was not pulled: %v", err)
	}
}

// TestConcilEncoding: a manifest in concil's encoding is pushed as it is
// (the registry holds its bytes, under its digest).
func TestConcilEncoding(t *testing.T) {
	r := needRegistry(t, false)
	dir, md := imageEncoded(t, docker.Format, core.EncodingConcil, 10<<10, 9)
	if _, err := copyRefs(t, plainDocker(), "oci:"+dir+":v1", "docker://"+r.Host+"/concil:v1", nil); err != nil {
		t.Fatal(err)
	}
	local := readFile(t, blobPath(dir, md))
	if !bytes.Contains(local, []byte(`": `)) {
		t.Fatalf("the local manifest is not in concil's spelling: %s", local)
	}
	if got := registryManifest(t, r, "concil", string(md.Digest)); !bytes.Equal(got, local) {
		t.Errorf("the registry holds %s, want %s", got, local)
	}
}
