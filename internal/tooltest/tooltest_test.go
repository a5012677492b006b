package tooltest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNeedFindsATool(t *testing.T) {
	if p := Need(t, "sh"); p == "" {
		t.Errorf("Need(sh) = %q, want its path", p)
	}
}

func TestSkipIsLogged(t *testing.T) {
	log := filepath.Join(t.TempDir(), "skips")
	t.Setenv(EnvSkipLog, log)
	t.Setenv(EnvRequire, "")
	t.Run("missing", func(t *testing.T) { Need(t, "no-such-tool-for-ocispec") })
	b, err := os.ReadFile(log)
	if err != nil || !strings.Contains(string(b), "TestSkipIsLogged/missing: no-such-tool-for-ocispec is not installed") {
		t.Errorf("skip log = %q, %v; want the skipped test and its tool", b, err)
	}
}
