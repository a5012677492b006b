package transport_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/transport"
)

// TestValidate: Validate reads every manifest, index and config once,
// and no layer: a layout missing a layer validates (Verify refuses it),
// while a config that is missing, damaged or refused by CheckConfig is a
// problem naming it and the manifest that lists it.
func TestValidate(t *testing.T) {
	partial, amd, arm := partialLayout(t)
	validate := func(ref string, opts *transport.ValidateOptions) error {
		s, err := parse(t, ref).NewSource(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return transport.Validate(ctx, s, opts)
	}

	var seen []core.Descriptor
	var configs [][]byte
	err := validate("oci:"+partial, &transport.ValidateOptions{
		Document: func(d core.Descriptor, ref string) { seen = append(seen, d) },
		CheckConfig: func(b []byte, m core.Manifest) error {
			configs = append(configs, b)
			if m.Config.Digest != core.DescriptorFromBytes(core.KindConfig, b).Digest {
				t.Errorf("CheckConfig got the config of another manifest")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatalf("Validate of a layout missing a layer = %v, want nil: layers are not read", err)
	}
	// One index, two manifests, two configs.
	if len(seen) != 5 || len(configs) != 2 {
		t.Errorf("Validate read %d documents and checked %d configs, want 5 and 2", len(seen), len(configs))
	}
	for _, c := range configs {
		if !bytes.Equal(c, amd.config) && !bytes.Equal(c, arm.config) {
			t.Errorf("CheckConfig got %q, not a stored config", c)
		}
	}

	errRefused := errors.New("refused")
	err = validate("oci:"+partial, &transport.ValidateOptions{CheckConfig: func([]byte, core.Manifest) error { return errRefused }})
	var re *transport.RefError
	if !errors.Is(err, errRefused) || !errors.As(err, &re) || !strings.Contains(re.Ref, "config of manifest") {
		t.Errorf("Validate with a refusing CheckConfig = %v, want the refusal naming the config's manifest", err)
	}

	cfg := filepath.Join(partial, "blobs", "sha256", amd.manifest.Config.Digest.Encoded())
	damaged := append([]byte(nil), amd.config...)
	damaged[len(damaged)/2] ^= 1
	if err := os.WriteFile(cfg, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := validate("oci:"+partial, nil); !errors.Is(err, core.ErrDigestMismatch) || !strings.Contains(err.Error(), string(amd.manifest.Config.Digest)) {
		t.Errorf("Validate with a damaged config = %v, want a digest mismatch naming it", err)
	}
	os.Remove(cfg)
	if err := validate("oci:"+partial, nil); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Validate with a missing config = %v, want core.ErrNotFound", err)
	}
}
