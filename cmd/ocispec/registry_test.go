package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/internal/registrytest"
	"github.com/concil-go/ocispec/internal/tooltest"
)

// startRegistry starts a registry for one test (stopped at its end).
func startRegistry(t *testing.T, auth bool) *registrytest.Registry {
	t.Helper()
	tooltest.Need(t, registrytest.Binary)
	if auth {
		tooltest.Need(t, "htpasswd")
	}
	r, err := registrytest.Start(registrytest.Options{Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop() })
	return r
}

// TestRegistryEndToEnd: pack pushes an image to a registry, inspect and
// verify read it there, copy pulls it into a layout and pushes the
// layout to another repository, the digest kept at every step, and
// skopeo reads the pushed manifest's bytes; without --plain-http the
// error says to give it.
func TestRegistryEndToEnd(t *testing.T) {
	r := startRegistry(t, false)
	skopeo := tooltest.Need(t, "skopeo")
	ref := "docker://" + r.Host + "/hello:v1"
	packed := pack(t, "--plain-http", exampleDir(), ref)
	if packed.Layout != "docker" || packed.Tag != "v1" || packed.Path != ref {
		t.Errorf("pack to %s = %+v", ref, packed)
	}
	if got := inspect(t, "--plain-http", ref); got.Digest != packed.Digest {
		t.Errorf("inspect %s = %s, want %s", ref, got.Digest, packed.Digest)
	}
	ok(t, "verify", "--plain-http", ref)

	out := filepath.Join(t.TempDir(), "pulled")
	pulled := copyImage(t, "--plain-http", ref, "oci:"+out+":v1")
	if len(pulled.Images) != 1 || pulled.Images[0].Digest != packed.Digest {
		t.Errorf("copy %s = %+v, want %s", ref, pulled, packed.Digest)
	}
	again := "docker://" + r.Host + "/again:v2"
	pushed := copyImage(t, "--plain-http", "oci:"+out+":v1", again)
	if pushed.Images[0].Digest != packed.Digest || pushed.Images[0].Names[0] != "v2" {
		t.Errorf("copy to %s = %+v", again, pushed)
	}
	raw, err := exec.Command(skopeo, "inspect", "--raw", "--tls-verify=false", again).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, manifestBytes(t, out)) {
		t.Errorf("skopeo reads %s as %s, want the pulled manifest", again, raw)
	}

	// inspect --raw and --config print the bytes skopeo reads there.
	for _, flag := range []string{"--raw", "--config"} {
		skopeoArgs := []string{"inspect", "--raw", "--tls-verify=false", ref}
		if flag == "--config" {
			skopeoArgs = []string{"inspect", "--config", "--raw", "--tls-verify=false", ref}
		}
		want, err := exec.Command(skopeo, skopeoArgs...).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := ok(t, "inspect", flag, "--plain-http", ref).stdout; got != string(want) {
			t.Errorf("inspect %s %s = %s, want skopeo's %s", flag, ref, got, want)
		}
		if got := ok(t, "inspect", flag, "oci:"+out+":v1").stdout; got != string(want) {
			t.Errorf("inspect %s of the pulled layout = %s, want skopeo's %s", flag, got, want)
		}
	}

	fails(t, 1, []string{"--plain-http"}, "inspect", ref)
	fails(t, 2, []string{"--password-stdin"}, "inspect", "--username", "u", ref)
	fails(t, 2, []string{"docker://HOST"}, "inspect", "docker:"+r.Host+"/hello")
}

// TestRegistryCredentials: a registry with basic auth is refused
// without credentials, and reached with --username and --password-stdin
// and with a config.json in $DOCKER_CONFIG.
func TestRegistryCredentials(t *testing.T) {
	r := startRegistry(t, true)
	ref := "docker://" + r.Host + "/private:v1"
	fails(t, 1, []string{"refused access", "docker login"}, "pack", "--plain-http", exampleDir(), ref)

	cmd := exec.Command(binary, "pack", "--plain-http", "--username", r.User, "--password-stdin", exampleDir(), ref)
	cmd.Env = append(os.Environ(), "OCISPEC_PLUGIN_DIR=", "DOCKER_CONFIG="+t.TempDir())
	cmd.Stdin = strings.NewReader(r.Password + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pack with --password-stdin: %v\n%s", err, stderr.String())
	}

	cfg := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))
	if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"auths":{"`+r.Host+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runIn(t, repoRoot, []string{"DOCKER_CONFIG=" + cfg}, "verify", "--plain-http", ref)
	if res.code != 0 {
		t.Errorf("verify with $DOCKER_CONFIG: exit %d\n%s", res.code, res.stderr)
	}
}
