package core

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds formats, and the [Algorithms] its decoding validates
// digests with. Every answer comes from what was registered in it and
// nowhere else: a format registered in [Default] changes nothing a
// private Registry says.
//
// The zero Registry is an empty registry without algorithms (digests are
// checked by the image-spec's rules, sha256 and sha512 hashed with the
// standard library). All methods are safe for concurrent use: lookups
// read an immutable snapshot without locking, registrations copy it
// under a mutex (the shape of image/format.go), so a lookup never waits
// on a registration and no lookup re-enters a lock.
type Registry struct {
	algs  *Algorithms
	mu    sync.Mutex // serialises writers
	state atomic.Pointer[registryState]
}

// registered is a format with the description it gave at registration.
type registered struct {
	f Format
	d Description
}

type registryState struct {
	formats     []registered // in registration order
	byName      map[string]registered
	byMediaType map[string][]registered // normalised manifest and index types, in registration order
	kinds       map[string]string       // normalised concrete type → kind; first wins
}

// NewRegistry returns an empty registry whose decoding validates digests
// with algs (nil: the image-spec's rules and the standard library's
// sha256 and sha512 only).
func NewRegistry(algs *Algorithms) *Registry { return &Registry{algs: algs} }

// Default is the process-wide registry, with [DefaultAlgorithms]. The
// built-in formats register themselves here when their packages are
// imported (import _ "github.com/concil-go/ocispec/formats"); plugins
// loaded without a registry of their own do too. The package-level
// functions that take no registry use it, and say so.
var Default = NewRegistry(DefaultAlgorithms)

// Algorithms returns the digest algorithms the registry validates with
// (nil for none).
func (r *Registry) Algorithms() *Algorithms { return r.algs }

var emptyState = &registryState{}

func (r *Registry) load() *registryState {
	if s := r.state.Load(); s != nil {
		return s
	}
	return emptyState
}

// build makes a state from formats in registration order.
func build(formats []registered) *registryState {
	s := &registryState{
		formats:     formats,
		byName:      make(map[string]registered, len(formats)),
		byMediaType: make(map[string][]registered, 2*len(formats)),
		kinds:       map[string]string{},
	}
	for _, rf := range formats {
		s.byName[rf.d.Name] = rf
		for _, mt := range []string{rf.d.ManifestMediaType, rf.d.IndexMediaType} {
			if mt != "" {
				n := NormalizeMediaType(mt)
				s.byMediaType[n] = append(s.byMediaType[n], rf)
			}
		}
		table := rf.d.Table.MediaTypes()
		for _, kind := range slices.Sorted(maps.Keys(table)) {
			mt := NormalizeMediaType(table[kind])
			if _, taken := s.kinds[mt]; !taken {
				s.kinds[mt] = kind
			}
		}
	}
	return s
}

// change publishes the state built from fn's answer to the current
// formats.
func (r *Registry) change(fn func([]registered) ([]registered, error)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	formats, err := fn(slices.Clone(r.load().formats))
	if err != nil {
		return err
	}
	r.state.Store(build(formats))
	return nil
}

// RegisterFormat adds f. It returns an error wrapping [ErrInvalidFormat]
// or [ErrInvalidMediaType] when f's description is malformed (see
// [ValidateFormat]) and [ErrDuplicate] when a format of the same name is
// registered. Where two formats share a manifest or index media type,
// documents of that type belong to the first registered one, unless a
// later one claims them by ConfigMediaTypes or detection; where two
// share a concrete layer type, [Registry.Kind] answers with the first.
func (r *Registry) RegisterFormat(f Format) error {
	if err := ValidateFormat(f); err != nil {
		return err
	}
	d := f.Describe()
	return r.change(func(fs []registered) ([]registered, error) {
		for _, rf := range fs {
			if rf.d.Name == d.Name {
				return nil, fmt.Errorf("%w: format %q", ErrDuplicate, d.Name)
			}
		}
		return append(fs, registered{f, d}), nil
	})
}

// UnregisterFormat removes the format called name.
func (r *Registry) UnregisterFormat(name string) error {
	return r.change(func(fs []registered) ([]registered, error) {
		n := len(fs)
		fs = slices.DeleteFunc(fs, func(rf registered) bool { return rf.d.Name == name })
		if len(fs) == n {
			return nil, r.unknownFormat(name)
		}
		return fs, nil
	})
}

// MustRegisterFormat is RegisterFormat that panics on error, for init
// functions.
func (r *Registry) MustRegisterFormat(f Format) {
	if err := r.RegisterFormat(f); err != nil {
		panic(err)
	}
}

// MustRegisterFormat registers f in [Default] and panics on error; the
// built-in formats call it from init.
func MustRegisterFormat(f Format) { Default.MustRegisterFormat(f) }

func (r *Registry) unknownFormat(name string) error {
	known := r.FormatNames()
	if len(known) == 0 {
		return fmt.Errorf("%w %q (forgotten import? no formats are registered)", ErrUnknownFormat, name)
	}
	return fmt.Errorf("%w %q (forgotten import? known: %s)", ErrUnknownFormat, name, strings.Join(known, ", "))
}

// Format returns the format registered under name. An unknown name gives
// an error wrapping [ErrUnknownFormat] that lists the known names.
func (r *Registry) Format(name string) (Format, error) {
	if rf, ok := r.load().byName[name]; ok {
		return rf.f, nil
	}
	return nil, r.unknownFormat(name)
}

// FormatByMediaType returns the format that owns manifest or index media
// type mt (normalised before lookup): the first registered with that
// type and no ConfigMediaTypes or detection narrowing it.
func (r *Registry) FormatByMediaType(mt string) (Format, error) {
	for _, rf := range r.load().byMediaType[NormalizeMediaType(mt)] {
		if rf.generic() {
			return rf.f, nil
		}
	}
	return nil, fmt.Errorf("%w: no format has manifest or index media type %q (forgotten import?)", ErrUnknownFormat, mt)
}

// generic reports whether the format claims every document of its media
// types, rather than those its config types or detector pick.
func (rf registered) generic() bool { return len(rf.d.ConfigMediaTypes) == 0 && !rf.d.Detects }

// Formats returns the registered formats sorted by name.
func (r *Registry) Formats() []Format {
	s := r.load()
	out := make([]Format, 0, len(s.formats))
	for _, name := range slices.Sorted(maps.Keys(s.byName)) {
		out = append(out, s.byName[name].f)
	}
	return out
}

// FormatNames returns the registered format names, sorted.
func (r *Registry) FormatNames() []string {
	return slices.Sorted(maps.Keys(r.load().byName))
}

// LookupKind returns the kind of a concrete media type over the tables
// of every format registered in r (the first registered wins).
func (r *Registry) LookupKind(mediaType string) (string, bool) {
	k, ok := r.load().kinds[NormalizeMediaType(mediaType)]
	return k, ok
}

// Kind is LookupKind with concil's pass-through: a type no registered
// format knows is returned unchanged.
func (r *Registry) Kind(mediaType string) string {
	if k, ok := r.LookupKind(mediaType); ok {
		return k
	}
	return mediaType
}
