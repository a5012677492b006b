package core

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	digest "github.com/opencontainers/go-digest"
)

// Registry holds formats and digest algorithms. The zero value is not
// usable; call [NewRegistry]. All methods are safe for concurrent use:
// lookups read an immutable snapshot without locking, registrations copy
// it under a mutex (the shape of image/format.go), so a lookup never
// waits on a registration and no lookup re-enters a lock.
type Registry struct {
	mu    sync.Mutex // serialises writers
	state atomic.Pointer[registryState]
}

type registryState struct {
	formats     []Format // in registration order
	byName      map[string]Format
	byMediaType map[string]Format // normalised manifest and index types; first wins
	kinds       map[string]string // normalised concrete type → kind; first wins
	digesters   map[digest.Algorithm]Digester
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{}
	r.state.Store(&registryState{
		byName:      map[string]Format{},
		byMediaType: map[string]Format{},
		kinds:       map[string]string{},
		digesters:   map[digest.Algorithm]Digester{},
	})
	return r
}

// Default is the process-wide registry. The built-in formats register
// themselves here when their packages are imported
// (import _ "github.com/concil-go/ocispec/formats/oci"), as do the
// digest algorithms of package digesters.
var Default = NewRegistry()

func (s *registryState) clone() *registryState {
	return &registryState{
		formats:     slices.Clone(s.formats),
		byName:      maps.Clone(s.byName),
		byMediaType: maps.Clone(s.byMediaType),
		kinds:       maps.Clone(s.kinds),
		digesters:   maps.Clone(s.digesters),
	}
}

// update applies fn to a copy of the state and publishes it when fn
// returns nil.
func (r *Registry) update(fn func(*registryState) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.state.Load().clone()
	if err := fn(s); err != nil {
		return err
	}
	r.state.Store(s)
	return nil
}

// ValidateFormatName checks a format name: 1 to 64 characters of
// [a-z0-9._-], starting with a letter or digit.
func ValidateFormatName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: name %q must be 1 to 64 characters", ErrInvalidFormat, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-')) {
			return fmt.Errorf("%w: name %q: character %q not allowed (want [a-z0-9._-])", ErrInvalidFormat, name, c)
		}
	}
	return nil
}

// ValidateFormat checks what a format says about itself: its name, and
// that its manifest and index media types and every entry of its table
// are RFC 6838 media types. It does not call the codec methods.
func ValidateFormat(f Format) error {
	if f == nil {
		return ErrNilFormat
	}
	if v := reflect.ValueOf(f); v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("%w (a nil %T)", ErrNilFormat, f)
	}
	name := f.Name()
	if err := ValidateFormatName(name); err != nil {
		return err
	}
	if err := ValidateMediaType(f.ManifestMediaType()); err != nil {
		return fmt.Errorf("format %q: manifest media type: %w", name, err)
	}
	if it := f.IndexMediaType(); it != "" {
		if err := ValidateMediaType(it); err != nil {
			return fmt.Errorf("format %q: index media type: %w", name, err)
		}
	}
	table := f.MediaTypes()
	for _, kind := range slices.Sorted(maps.Keys(table)) {
		if kind == "" || strings.Contains(kind, "/") {
			return fmt.Errorf("%w: format %q: kind %q must be non-empty and contain no '/'", ErrInvalidFormat, name, kind)
		}
		if err := ValidateMediaType(table[kind]); err != nil {
			return fmt.Errorf("format %q: kind %q: %w", name, kind, err)
		}
	}
	return nil
}

// RegisterFormat adds f. It returns an error wrapping [ErrNilFormat] for
// a nil f, [ErrDuplicateFormat] when a format of the same name is
// registered, and [ErrInvalidFormat] or [ErrInvalidMediaType] when f's
// name or media types are malformed. Where two formats share a manifest
// media type or a concrete layer type, lookups by type find the one
// registered first.
func (r *Registry) RegisterFormat(f Format) error {
	if err := ValidateFormat(f); err != nil {
		return err
	}
	name := f.Name()
	table := f.MediaTypes()
	return r.update(func(s *registryState) error {
		if _, dup := s.byName[name]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicateFormat, name)
		}
		s.formats = append(s.formats, f)
		s.byName[name] = f
		for _, mt := range []string{f.ManifestMediaType(), f.IndexMediaType()} {
			if mt == "" {
				continue
			}
			if _, taken := s.byMediaType[NormalizeMediaType(mt)]; !taken {
				s.byMediaType[NormalizeMediaType(mt)] = f
			}
		}
		for _, kind := range slices.Sorted(maps.Keys(table)) {
			mt := NormalizeMediaType(table[kind])
			if _, taken := s.kinds[mt]; !taken {
				s.kinds[mt] = kind
			}
		}
		return nil
	})
}

// UnregisterFormat removes the format called name. The reverse tables
// are rebuilt from the formats that remain.
func (r *Registry) UnregisterFormat(name string) error {
	return r.update(func(s *registryState) error {
		if _, ok := s.byName[name]; !ok {
			return r.unknownFormat(name)
		}
		remaining := slices.DeleteFunc(s.formats, func(f Format) bool { return f.Name() == name })
		fresh := &registryState{
			byName: map[string]Format{}, byMediaType: map[string]Format{},
			kinds: map[string]string{}, digesters: s.digesters,
		}
		*s = *fresh
		for _, f := range remaining {
			s.formats = append(s.formats, f)
			s.byName[f.Name()] = f
			for _, mt := range []string{f.ManifestMediaType(), f.IndexMediaType()} {
				if _, taken := s.byMediaType[NormalizeMediaType(mt)]; mt != "" && !taken {
					s.byMediaType[NormalizeMediaType(mt)] = f
				}
			}
			table := f.MediaTypes()
			for _, kind := range slices.Sorted(maps.Keys(table)) {
				if _, taken := s.kinds[NormalizeMediaType(table[kind])]; !taken {
					s.kinds[NormalizeMediaType(table[kind])] = kind
				}
			}
		}
		return nil
	})
}

// MustRegisterFormat is RegisterFormat that panics on error, for init
// functions.
func (r *Registry) MustRegisterFormat(f Format) {
	if err := r.RegisterFormat(f); err != nil {
		panic(err)
	}
}

// RegisterFormat registers f in [Default].
func RegisterFormat(f Format) error { return Default.RegisterFormat(f) }

// MustRegisterFormat registers f in [Default] and panics on error; the
// built-in formats call it from init.
func MustRegisterFormat(f Format) { Default.MustRegisterFormat(f) }

// builtinPackages says where the project's formats live, for the hint in
// unknown-format errors.
var builtinPackages = map[string]string{
	"oci":    "github.com/concil-go/ocispec/formats/oci",
	"docker": "github.com/concil-go/ocispec/formats/docker",
}

func (r *Registry) unknownFormat(name string) error {
	hint := "import its package or load its plugin"
	if pkg, ok := builtinPackages[name]; ok {
		hint = fmt.Sprintf(`forgotten import _ %q?`, pkg)
	}
	known := r.FormatNames()
	if len(known) == 0 {
		return fmt.Errorf("%w %q (%s; no formats are registered)", ErrUnknownFormat, name, hint)
	}
	return fmt.Errorf("%w %q (%s; known: %s)", ErrUnknownFormat, name, hint, strings.Join(known, ", "))
}

// Format returns the format registered under name. An unknown name gives
// an error wrapping [ErrUnknownFormat] that says what to import and which
// names are known.
func (r *Registry) Format(name string) (Format, error) {
	if f, ok := r.state.Load().byName[name]; ok {
		return f, nil
	}
	return nil, r.unknownFormat(name)
}

// FormatByMediaType returns the format whose manifest or index media
// type is mt (normalised before lookup).
func (r *Registry) FormatByMediaType(mt string) (Format, error) {
	if f, ok := r.state.Load().byMediaType[NormalizeMediaType(mt)]; ok {
		return f, nil
	}
	hint := ""
	switch NormalizeMediaType(mt) {
	case MediaTypeOCIManifest, MediaTypeOCIIndex:
		hint = fmt.Sprintf("; forgotten import _ %q?", builtinPackages["oci"])
	case MediaTypeDockerManifest, MediaTypeDockerList:
		hint = fmt.Sprintf("; forgotten import _ %q?", builtinPackages["docker"])
	}
	return nil, fmt.Errorf("%w: no format has manifest or index media type %q%s", ErrUnknownFormat, mt, hint)
}

// Formats returns the registered formats sorted by name.
func (r *Registry) Formats() []Format {
	fs := slices.Clone(r.state.Load().formats)
	slices.SortFunc(fs, func(a, b Format) int { return strings.Compare(a.Name(), b.Name()) })
	return fs
}

// FormatNames returns the registered format names, sorted.
func (r *Registry) FormatNames() []string {
	return slices.Sorted(maps.Keys(r.state.Load().byName))
}

// LookupKind returns the kind of a concrete media type over every
// registered format's table.
func (r *Registry) LookupKind(mediaType string) (string, bool) {
	k, ok := r.state.Load().kinds[NormalizeMediaType(mediaType)]
	return k, ok
}

// Kind is LookupKind with concil's pass-through: an unknown type is
// returned unchanged.
func (r *Registry) Kind(mediaType string) string {
	if k, ok := r.LookupKind(mediaType); ok {
		return k
	}
	return mediaType
}

// Kind returns the kind of mediaType over the formats in [Default].
func Kind(mediaType string) string { return Default.Kind(mediaType) }

// RegisterDigester adds a digest algorithm. The algorithm name must be of
// the spec's grammar; registering a name twice is an error wrapping
// [ErrDuplicateAlgorithm] (use [Registry.SetDigester] to replace one).
func (r *Registry) RegisterDigester(d Digester) error {
	if err := validateDigester(d); err != nil {
		return err
	}
	return r.update(func(s *registryState) error {
		if _, dup := s.digesters[d.Algorithm()]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicateAlgorithm, d.Algorithm())
		}
		s.digesters[d.Algorithm()] = d
		return nil
	})
}

// SetDigester registers d, replacing any digester of the same algorithm,
// and returns the one it replaced (nil if none). Callers use it to choose
// a backend for an algorithm.
func (r *Registry) SetDigester(d Digester) (Digester, error) {
	if err := validateDigester(d); err != nil {
		return nil, err
	}
	var old Digester
	err := r.update(func(s *registryState) error {
		old = s.digesters[d.Algorithm()]
		s.digesters[d.Algorithm()] = d
		return nil
	})
	return old, err
}

func validateDigester(d Digester) error {
	if d == nil {
		return ErrNilDigester
	}
	if err := ValidateAlgorithm(d.Algorithm()); err != nil {
		return err
	}
	if d.Size() <= 0 {
		return fmt.Errorf("%w: %q: digest size %d", ErrInvalidDigest, d.Algorithm(), d.Size())
	}
	return nil
}

// MustRegisterDigester is RegisterDigester that panics on error.
func (r *Registry) MustRegisterDigester(d Digester) {
	if err := r.RegisterDigester(d); err != nil {
		panic(err)
	}
}

// MustRegisterDigester registers d in [Default] and panics on error.
func MustRegisterDigester(d Digester) { Default.MustRegisterDigester(d) }

// Digester returns the digester registered for alg. An unknown name gives
// an error wrapping [ErrUnknownAlgorithm] that says what to import.
func (r *Registry) Digester(alg digest.Algorithm) (Digester, error) {
	if d, ok := r.state.Load().digesters[alg]; ok {
		return d, nil
	}
	known := r.Algorithms()
	names := make([]string, len(known))
	for i, a := range known {
		names[i] = string(a)
	}
	list := "none registered"
	if len(names) > 0 {
		list = "known: " + strings.Join(names, ", ")
	}
	return nil, fmt.Errorf("%w %q (forgotten import _ \"github.com/concil-go/ocispec/digesters\"? %s)", ErrUnknownAlgorithm, alg, list)
}

// Algorithms returns the registered digest algorithms, sorted.
func (r *Registry) Algorithms() []digest.Algorithm {
	return slices.Sorted(maps.Keys(r.state.Load().digesters))
}

// Digesters returns the registered digesters sorted by algorithm.
func (r *Registry) Digesters() []Digester {
	s := r.state.Load()
	out := make([]Digester, 0, len(s.digesters))
	for _, a := range slices.Sorted(maps.Keys(s.digesters)) {
		out = append(out, s.digesters[a])
	}
	return out
}
