package core_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
)

func newTestFormat(name, manifestType string, table map[string]string) *core.BasicFormat {
	return core.NewFormat(name, core.NewTable(table, nil), core.Codec{ManifestMediaType: manifestType, ArtifactFields: true})
}

func TestRegisterFormatErrors(t *testing.T) {
	r := core.NewRegistry()
	if err := r.RegisterFormat(nil); !errors.Is(err, core.ErrNilFormat) {
		t.Errorf("RegisterFormat(nil) = %v, want ErrNilFormat", err)
	}
	if err := r.RegisterFormat((*core.BasicFormat)(nil)); !errors.Is(err, core.ErrNilFormat) {
		t.Errorf("RegisterFormat(typed nil) = %v, want ErrNilFormat", err)
	}
	if err := r.RegisterFormat(oci.Format); err != nil {
		t.Fatalf("RegisterFormat(oci) = %v", err)
	}
	if err := r.RegisterFormat(oci.Format); !errors.Is(err, core.ErrDuplicateFormat) {
		t.Errorf("RegisterFormat(oci again) = %v, want ErrDuplicateFormat", err)
	}
	for _, bad := range []core.Format{
		newTestFormat("", "application/x-m", nil),
		newTestFormat("Upper", "application/x-m", nil),
		newTestFormat("has space", "application/x-m", nil),
		newTestFormat("ok", "not a media type", nil),
		newTestFormat("ok", "application/x-m", map[string]string{"k": "bad type"}),
		newTestFormat("ok", "application/x-m", map[string]string{"a/b": "application/x-k"}),
	} {
		if err := r.RegisterFormat(bad); err == nil {
			t.Errorf("RegisterFormat(%q, %q) = nil, want an error", bad.Name(), bad.ManifestMediaType())
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("MustRegisterFormat(duplicate) did not panic")
			}
		}()
		r.MustRegisterFormat(oci.Format)
	}()
}

func TestUnknownFormatSaysWhatToImport(t *testing.T) {
	r := core.NewRegistry()
	_, err := r.Format("oci")
	if !errors.Is(err, core.ErrUnknownFormat) || !strings.Contains(err.Error(), "github.com/concil-go/ocispec/formats/oci") {
		t.Errorf("Format(oci) on an empty registry = %v, want a hint to import formats/oci", err)
	}
	r.MustRegisterFormat(docker.Format)
	_, err = r.Format("helm")
	if !errors.Is(err, core.ErrUnknownFormat) || !strings.Contains(err.Error(), "known: docker") {
		t.Errorf("Format(helm) = %v, want the known names", err)
	}
	if _, err := r.FormatByMediaType(core.MediaTypeOCIManifest); !errors.Is(err, core.ErrUnknownFormat) || !strings.Contains(err.Error(), "formats/oci") {
		t.Errorf("FormatByMediaType(oci manifest) = %v", err)
	}
}

func TestDefaultHasBuiltins(t *testing.T) {
	for _, name := range []string{"oci", "docker"} {
		f, err := core.Default.Format(name)
		if err != nil {
			t.Fatalf("Default.Format(%q) = %v", name, err)
		}
		if f.Name() != name {
			t.Errorf("Default.Format(%q).Name() = %q", name, f.Name())
		}
	}
	if f, _ := core.Default.Format("oci"); f != core.Format(oci.Format) {
		t.Errorf("Default's oci is not oci.Format")
	}
	for mt, want := range map[string]string{
		core.MediaTypeOCIManifest: "oci", core.MediaTypeOCIIndex: "oci",
		core.MediaTypeDockerManifest: "docker", core.MediaTypeDockerList: "docker",
		"Application/VND.Docker.Distribution.Manifest.V2+JSON; x=y": "docker",
	} {
		f, err := core.Default.FormatByMediaType(mt)
		if err != nil || f.Name() != want {
			t.Errorf("FormatByMediaType(%q) = %v, %v; want %s", mt, f, err, want)
		}
	}
}

func TestUnregisterFormat(t *testing.T) {
	r := core.NewRegistry()
	x := newTestFormat("x", "application/vnd.x.manifest", map[string]string{"blob": "application/vnd.x.blob"})
	r.MustRegisterFormat(oci.Format)
	r.MustRegisterFormat(x)
	if k := r.Kind("application/vnd.x.blob"); k != "blob" {
		t.Fatalf("Kind = %q", k)
	}
	if err := r.UnregisterFormat("x"); err != nil {
		t.Fatal(err)
	}
	if k := r.Kind("application/vnd.x.blob"); k != "application/vnd.x.blob" {
		t.Errorf("Kind after unregister = %q, want pass-through", k)
	}
	if k := r.Kind(oci.MediaTypeLayerGzip); k != "tar+gzip" {
		t.Errorf("Kind(oci gzip) after unregistering another = %q", k)
	}
	if err := r.UnregisterFormat("x"); !errors.Is(err, core.ErrUnknownFormat) {
		t.Errorf("UnregisterFormat(twice) = %v", err)
	}
}

// TestRegistryConcurrent registers, looks up and unregisters from many
// goroutines at once; run with -race.
func TestRegistryConcurrent(t *testing.T) {
	r := core.NewRegistry()
	r.MustRegisterFormat(oci.Format)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("f%d", i)
			f := newTestFormat(name, "application/vnd.f"+name+".manifest", map[string]string{"k": "application/vnd." + name + ".k"})
			if err := r.RegisterFormat(f); err != nil {
				t.Error(err)
			}
			if _, err := r.Format(name); err != nil {
				t.Error(err)
			}
			if err := r.UnregisterFormat(name); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := r.Format("oci"); err != nil {
					t.Error(err)
				}
				if k := r.Kind(oci.MediaTypeLayerZstd); k != "tar+zstd" {
					t.Errorf("Kind = %q", k)
				}
				_ = r.FormatNames()
			}
		}()
	}
	wg.Wait()
	if got := r.FormatNames(); len(got) != 1 || got[0] != "oci" {
		t.Errorf("FormatNames() after = %v, want [oci]", got)
	}
}
