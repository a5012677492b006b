package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// rewriteConfig replaces the config of the only image of the OCI layout
// dir by what edit makes of it, writing the new config and manifest
// blobs and index.json by hand (sha256, encoding/json), as a tool other
// than ocispec would.
func rewriteConfig(t *testing.T, dir string, edit func(map[string]any)) (configFile string) {
	t.Helper()
	put := func(b []byte) (string, int) {
		sum := sha256.Sum256(b)
		enc := hex.EncodeToString(sum[:])
		configFile = filepath.Join(dir, "blobs", "sha256", enc)
		if err := os.WriteFile(configFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return "sha256:" + enc, len(b)
	}
	get := func(d string, v any) {
		b, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(d, "sha256:")))
		if err == nil {
			err = json.Unmarshal(b, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var index map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil || json.Unmarshal(b, &index) != nil {
		t.Fatalf("index.json: %v", err)
	}
	entry := index["manifests"].([]any)[0].(map[string]any)
	var manifest, config map[string]any
	get(entry["digest"].(string), &manifest)
	cd := manifest["config"].(map[string]any)
	get(cd["digest"].(string), &config)
	edit(config)
	b, _ = json.Marshal(config)
	cd["digest"], cd["size"] = put(b)
	written := configFile
	b, _ = json.Marshal(manifest)
	entry["digest"], entry["size"] = put(b)
	b, _ = json.Marshal(index)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return written
}

// TestValidateImage: validate takes an image by any reference and
// checks every document of it, agreeing with oci-image-tool: what pack
// writes is valid in every place it lives; a config without "os"
// (config.md: "os string, REQUIRED") is invalid, named with the manifest
// that lists it; a config whose rootfs.diff_ids do not match the
// manifest's layers in number is refused (config.md: diff_ids are "in
// order from first to last", one per layer of the manifest).
func TestValidateImage(t *testing.T) {
	dir := t.TempDir()
	oci := filepath.Join(dir, "oci")
	pack(t, exampleDir(), oci)
	pack(t, exampleDir(), "oci-archive:"+filepath.Join(dir, "a.tar"))
	pack(t, "--format", "docker", exampleDir(), "docker-archive:"+filepath.Join(dir, "d.tar"))
	for _, ref := range []string{oci, "oci:" + oci, "oci-archive:" + filepath.Join(dir, "a.tar"), filepath.Join(dir, "d.tar"), "docker-archive:" + filepath.Join(dir, "d.tar")} {
		if r := ok(t, "validate", ref); !strings.Contains(r.stdout, "ok (image, 2 documents)") {
			t.Errorf("validate %s: %q, want ok and the 2 documents read (manifest, config)", ref, r.stdout)
		}
	}
	// oci-image-tool agrees: it accepts the image, and refuses its config
	// once "os" is gone (its image mode does not check configs: ask it
	// about the config itself).
	tool := need(t, "oci-image-tool")
	if b, err := exec.Command(tool, "validate", "--type", "image", "--ref", "name=latest", oci).CombinedOutput(); err != nil {
		t.Errorf("oci-image-tool refuses the layout pack wrote: %v\n%s", err, b)
	}
	noOS := filepath.Join(dir, "noos")
	pack(t, exampleDir(), noOS)
	cfg := rewriteConfig(t, noOS, func(c map[string]any) { delete(c, "os") })
	if exec.Command(tool, "validate", "--type", "config", cfg).Run() == nil {
		t.Errorf("oci-image-tool accepts a config without os")
	}
	fails(t, 1, []string{"config of manifest", "os: missing"}, "validate", noOS)
	fails(t, 1, []string{"os: missing"}, "validate", "--type", "image", "oci:"+noOS)

	diffIDs := filepath.Join(dir, "diffids")
	pack(t, exampleDir(), diffIDs)
	rewriteConfig(t, diffIDs, func(c map[string]any) { c["rootfs"].(map[string]any)["diff_ids"] = []any{} })
	fails(t, 1, []string{"rootfs.diff_ids", "0 diffIDs for the manifest's 1 layers"}, "validate", diffIDs)

	var line validateLine
	r := run(t, "validate", "--json", noOS)
	jsonLine(t, r, &line)
	if line.OK || line.Document != "image" || len(line.Problems) != 1 || !strings.HasSuffix(line.Problems[0].Field, ": os") {
		t.Errorf("validate --json of a config without os = %+v", line)
	}
}
