package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
)

// archAliases maps the names kernels and distributions use (uname -m,
// Debian) to Go's, with the variant they imply.
var archAliases = map[string][2]string{
	"x86_64":  {"amd64", ""},
	"x86-64":  {"amd64", ""},
	"aarch64": {"arm64", ""},
	"armhf":   {"arm", "v7"},
	"armel":   {"arm", "v6"},
	"armv7l":  {"arm", "v7"},
	"armv6l":  {"arm", "v6"},
	"i386":    {"386", ""},
	"i686":    {"386", ""},
	"x86":     {"386", ""},
}

// NormalizePlatform returns p with the architecture and OS spelled as Go
// spells them (x86_64 → amd64, aarch64 → arm64, armhf → arm/v7) and the
// default variants made explicit (arm64 → v8, arm → v7).
func NormalizePlatform(p Platform) Platform {
	p = p.Clone()
	p.OS = strings.ToLower(p.OS)
	p.Architecture = strings.ToLower(p.Architecture)
	p.Variant = strings.ToLower(p.Variant)
	if a, ok := archAliases[p.Architecture]; ok {
		p.Architecture = a[0]
		if p.Variant == "" {
			p.Variant = a[1]
		}
	}
	switch p.Architecture {
	case "arm64":
		if p.Variant == "" || p.Variant == "8" {
			p.Variant = "v8"
		}
	case "arm":
		switch p.Variant {
		case "":
			p.Variant = "v7"
		case "5", "6", "7", "8":
			p.Variant = "v" + p.Variant
		}
	}
	return p
}

// ParsePlatform reads "os/arch[/variant]" ("linux/amd64",
// "linux/arm/v7").
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Platform{}, fmt.Errorf("core: platform %q: want os/arch[/variant]", s)
	}
	p := Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// String returns "os/arch" or "os/arch/variant".
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

var currentPlatform = sync.OnceValue(func() Platform {
	p := Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm" {
		p.Variant = "v7"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "GOARM" && s.Value != "" {
					p.Variant = "v" + strings.SplitN(s.Value, ",", 2)[0]
				}
			}
		}
	}
	return NormalizePlatform(p)
})

// CurrentPlatform is the platform of the running program: Go's GOOS and
// GOARCH with the variant (arm64: v8; arm: v plus GOARM).
func CurrentPlatform() Platform { return currentPlatform() }

// Matches reports whether an index entry's platform p serves want: same
// OS and architecture after normalisation, and the same variant when
// want names one. An OS version or OS features that want names must be
// present in p too.
func (p Platform) Matches(want Platform) bool {
	p, want = NormalizePlatform(p), NormalizePlatform(want)
	if p.OS != want.OS || p.Architecture != want.Architecture {
		return false
	}
	if want.Variant != "" && p.Variant != want.Variant {
		// An amd64 entry without a variant serves every amd64 variant.
		if !(p.Architecture == "amd64" && p.Variant == "") {
			return false
		}
	}
	if want.OSVersion != "" && p.OSVersion != want.OSVersion {
		return false
	}
	for _, f := range want.OSFeatures {
		found := false
		for _, g := range p.OSFeatures {
			found = found || g == f
		}
		if !found {
			return false
		}
	}
	return true
}

// SelectManifest picks the entry of ix for platform want (nil: the
// running machine's, [CurrentPlatform]). An entry whose variant equals
// the wanted one is preferred; otherwise the first match wins. Entries
// without a platform never match. No match gives an error wrapping
// [ErrNoMatchingPlatform] that lists the platforms the index has.
func SelectManifest(ix Index, want *Platform) (Descriptor, error) {
	w := CurrentPlatform()
	if want != nil {
		w = *want
	}
	best := -1
	for i, d := range ix.Manifests {
		if d.Platform == nil || !d.Platform.Matches(w) {
			continue
		}
		if best < 0 {
			best = i
		}
		if NormalizePlatform(*d.Platform).Variant == NormalizePlatform(w).Variant {
			best = i
			break
		}
	}
	if best >= 0 {
		return ix.Manifests[best].Clone(), nil
	}
	var have []string
	for _, d := range ix.Manifests {
		if d.Platform != nil {
			have = append(have, d.Platform.String())
		}
	}
	if len(have) == 0 {
		return Descriptor{}, fmt.Errorf("%w %s: the index has no entries with a platform", ErrNoMatchingPlatform, w)
	}
	return Descriptor{}, fmt.Errorf("%w %s (the index has %s)", ErrNoMatchingPlatform, w, strings.Join(have, ", "))
}

// Known OS and architecture names: Go's GOOS and GOARCH values (the
// image-spec says platform values SHOULD be those "listed in the Go
// Language document for GOOS" and "for GOARCH"), which include every
// value the image-spec lists, and the kernel and distribution spellings
// NormalizePlatform turns into Go's.
var (
	knownOS = []string{
		"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
		"linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos",
	}
	knownArch = []string{
		"386", "amd64", "amd64p32", "arm", "arm64", "arm64be", "armbe", "loong64", "mips",
		"mips64", "mips64le", "mips64p32", "mips64p32le", "mipsle", "ppc", "ppc64", "ppc64le",
		"riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm",
	}
)

// CheckPlatform reports whether p's OS and architecture are ones Go and
// the image-spec know (after NormalizePlatform, so "x86_64" and
// "aarch64" pass). An unknown one is an error wrapping
// [ErrUnknownPlatform] that suggests the closest known name, so that a
// misspelt platform ("lnux/amd64") is refused rather than matching
// nothing, or something, silently.
func CheckPlatform(p Platform) error {
	n := NormalizePlatform(p)
	var errs []error
	if !slices.Contains(knownOS, n.OS) {
		errs = append(errs, unknownName("OS", p.OS, knownOS))
	}
	if !slices.Contains(knownArch, n.Architecture) {
		errs = append(errs, unknownName("architecture", p.Architecture, knownArch))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s: %w", ErrUnknownPlatform, p.String(), errors.Join(errs...))
}

func unknownName(what, got string, known []string) error {
	best, dist := "", 3 // suggest only names within two edits
	for _, k := range known {
		if d := editDistance(strings.ToLower(got), k); d < dist {
			best, dist = k, d
		}
	}
	if best == "" {
		return fmt.Errorf("%s %q is not one Go or the image-spec knows (such as %s)", what, got, strings.Join(known[:min(len(known), 6)], ", "))
	}
	return fmt.Errorf("%s %q is not one Go or the image-spec knows (did you mean %q?)", what, got, best)
}

// editDistance is the Levenshtein distance of two short ASCII strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ConfigPlatform returns the platform an image config states (its os,
// architecture, variant, os.version and os.features members), and
// whether it states one: false when the bytes are not a JSON object or
// name no OS or architecture. It reads only those members, so it works
// for OCI and Docker image configs alike.
func ConfigPlatform(config []byte) (Platform, bool) {
	var c struct {
		OS           string   `json:"os"`
		Architecture string   `json:"architecture"`
		Variant      string   `json:"variant"`
		OSVersion    string   `json:"os.version"`
		OSFeatures   []string `json:"os.features"`
	}
	if err := json.Unmarshal(config, &c); err != nil || c.OS == "" || c.Architecture == "" {
		return Platform{}, false
	}
	return Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant, OSVersion: c.OSVersion, OSFeatures: c.OSFeatures}, true
}
