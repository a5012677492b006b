package plugins_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins"
)

// pluginDir makes a plugin folder: the Helm plugin, the faulty plugin
// (as "faulty"), one that fails its handshake, a file without execute
// permission, a hidden file and a folder.
func pluginDir(t *testing.T) string {
	dir := t.TempDir()
	for name, target := range map[string]string{"helm": helmPlugin, "faulty": faultyPlugin, "faulty-garbage": faultyPlugin, ".hidden": faultyPlugin} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("plugins live here"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func names(ps []*plugins.Plugin) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Info().Name)
	}
	return out
}

func TestLoadDir(t *testing.T) {
	dir := pluginDir(t)
	r := core.NewRegistry(nil)
	ps, err := plugins.LoadDir(context.Background(), dir, plugins.WithRegistry(r))
	t.Cleanup(func() { plugins.CloseAll(ps) })
	if got := names(ps); len(got) != 2 || got[0] != "faulty" || got[1] != "helm" {
		t.Errorf("LoadDir loaded %v, want [faulty helm]", got)
	}
	var pe *plugins.Error
	if !errors.Is(err, plugins.ErrHandshake) || !errors.As(err, &pe) || filepath.Base(pe.Path) != "faulty-garbage" {
		t.Errorf("LoadDir error = %v, want ErrHandshake naming faulty-garbage", err)
	}
	if got := r.FormatNames(); len(got) != 2 {
		t.Errorf("registry holds %v, want faulty and helm", got)
	}
	if err := plugins.CloseAll(ps); err != nil {
		t.Errorf("CloseAll = %v", err)
	}
	ps = nil
	checkNoChildren(t)
}

func TestLoadDirFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(helmPlugin, filepath.Join(dir, "helm")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(plugins.EnvPluginDir, dir)
	ps, err := plugins.LoadDir(context.Background(), "", plugins.WithoutRegistration())
	defer plugins.CloseAll(ps)
	if err != nil || len(ps) != 1 || ps[0].Info().Name != "helm" {
		t.Errorf("LoadDir(\"\") with %s=%s = %v, %v; want [helm]", plugins.EnvPluginDir, dir, names(ps), err)
	}

	t.Setenv(plugins.EnvPluginDir, "")
	ps2, err := plugins.LoadDir(context.Background(), "")
	if err != nil || len(ps2) != 0 {
		t.Errorf("LoadDir(\"\") without %s = %v, %v; want nothing", plugins.EnvPluginDir, names(ps2), err)
	}

	if _, err := plugins.LoadDir(context.Background(), filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadDir(missing) = %v, want ErrNotExist", err)
	}
}

func TestLoadDirChecksums(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"helm", "faulty"} {
		if err := os.Symlink(map[string]string{"helm": helmPlugin, "faulty": faultyPlugin}[name], filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(helmPlugin)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := plugins.LoadDir(context.Background(), dir, plugins.WithoutRegistration(),
		plugins.WithChecksums(map[string]digest.Digest{"helm": digest.FromBytes(b)}))
	defer plugins.CloseAll(ps)
	if got := names(ps); len(got) != 1 || got[0] != "helm" {
		t.Errorf("LoadDir with a checksum for helm only loaded %v, want [helm]", got)
	}
	var pe *plugins.Error
	if !errors.Is(err, core.ErrDigestMismatch) || !errors.As(err, &pe) || filepath.Base(pe.Path) != "faulty" {
		t.Errorf("LoadDir error = %v, want a checksum error naming faulty", err)
	}
}
