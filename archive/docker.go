package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// Bounds of the docker documents' parsers.
const (
	// MaxManifestImages is the number of images a manifest.json may list.
	MaxManifestImages = 10_000
	// MaxImageLayers is the number of layers an image of a manifest.json
	// may have (Docker's own limit is 127 in most storage drivers).
	MaxImageLayers = 10_000
	// MaxRepoTags is the number of tags an image, or a repository of a
	// repositories file, may have.
	MaxRepoTags = 10_000
)

// ManifestItem is one image of docker save's manifest.json.
type ManifestItem struct {
	// Config is the name, in the archive, of the image's config.
	Config string
	// RepoTags are the image's names ("example.com/app:v1"); may be empty.
	RepoTags []string
	// Layers are the names, in the archive, of the image's layers,
	// uncompressed tars in Docker's archives (skopeo's too), base first.
	Layers []string
	// Parent is the image ID of the image's parent (docker save writes
	// it for images built locally); "" when none.
	Parent digest.Digest
	// LayerSources maps the diffIDs of foreign layers (not in the
	// archive) to where they come from.
	LayerSources map[digest.Digest]core.Descriptor
}

// ParseManifest parses docker save's manifest.json: a JSON array of
// objects with Config, RepoTags, Layers and the optional Parent and
// LayerSources. The parser is strict: member names are matched exactly
// (Go's encoding/json, which Docker uses, would also take "config"), a
// member given twice, a value of the wrong type, a missing Config, a
// name that leaves the archive, a RepoTag that is not a name:tag
// reference, more than MaxManifestImages images or MaxImageLayers layers,
// or anything after the array is an error wrapping ErrInvalidDocument
// that says where. Unknown members are skipped. Read the document with
// a size limit first (Archive.ReadFile, Stream.ReadDocument): this
// function takes bytes already bounded.
func ParseManifest(data []byte) ([]ManifestItem, error) {
	p := newParser(data, "manifest.json")
	var items []ManifestItem
	err := p.array(func(i int) error {
		if i >= MaxManifestImages {
			return p.fail("more than %d images", MaxManifestImages)
		}
		it, err := p.manifestItem(i)
		items = append(items, it)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return items, nil
}

func (p *parser) manifestItem(i int) (ManifestItem, error) {
	var it ManifestItem
	p.push(fmt.Sprintf("[%d]", i))
	defer p.pop()
	seenConfig := false
	err := p.object(func(key string) error {
		switch key {
		case "Config":
			s, err := p.str()
			if err != nil {
				return err
			}
			if it.Config, err = p.archiveName(s); err != nil {
				return err
			}
			seenConfig = true
		case "RepoTags":
			return p.strings(MaxRepoTags, func(_ int, s string) error {
				if !validRepoTag(s) {
					return p.fail("%q is not a name:tag reference", s)
				}
				it.RepoTags = append(it.RepoTags, s)
				return nil
			})
		case "Layers":
			return p.strings(MaxImageLayers, func(_ int, s string) error {
				n, err := p.archiveName(s)
				it.Layers = append(it.Layers, n)
				return err
			})
		case "Parent":
			s, err := p.str()
			if err != nil {
				return err
			}
			if s != "" {
				if err := digest.Digest(s).Validate(); err != nil {
					return p.fail("%q is not a digest", s)
				}
				it.Parent = digest.Digest(s)
			}
		case "LayerSources":
			it.LayerSources = map[digest.Digest]core.Descriptor{}
			return p.object(func(diffID string) error {
				if err := digest.Digest(diffID).Validate(); err != nil {
					return p.fail("key %q is not a digest", diffID)
				}
				if len(it.LayerSources) >= MaxImageLayers {
					return p.fail("more than %d layer sources", MaxImageLayers)
				}
				raw, err := p.raw()
				if err != nil {
					return err
				}
				d, err := core.DecodeDescriptor(raw)
				if err != nil {
					return p.fail("layer source %s: %v", diffID, err)
				}
				it.LayerSources[digest.Digest(diffID)] = d
				return nil
			})
		default:
			_, err := p.raw()
			return err
		}
		return nil
	})
	if err == nil && !seenConfig {
		err = p.fail("no Config")
	}
	return it, err
}

// Repositories is docker save's legacy repositories file: for each
// repository name, its tags and the ID of the top layer each names.
type Repositories map[string]map[string]string

// ParseRepositories parses a repositories file: a JSON object of
// repository names, each an object of tags to 64-hex layer IDs. Names
// must be references without a tag, tags must be tags; duplicates,
// other types, more than MaxRepoTags repositories or tags in one, or
// anything after the object are errors wrapping ErrInvalidDocument.
func ParseRepositories(data []byte) (Repositories, error) {
	p := newParser(data, "repositories")
	repos := Repositories{}
	err := p.object(func(name string) error {
		if !validRepoName(name) {
			return p.fail("%q is not a repository name", name)
		}
		if len(repos) >= MaxRepoTags {
			return p.fail("more than %d repositories", MaxRepoTags)
		}
		tags := map[string]string{}
		repos[name] = tags
		p.push("." + name)
		defer p.pop()
		return p.object(func(tag string) error {
			if !validTag(tag) {
				return p.fail("%q is not a tag", tag)
			}
			if len(tags) >= MaxRepoTags {
				return p.fail("more than %d tags", MaxRepoTags)
			}
			id, err := p.str()
			if err != nil {
				return err
			}
			if !validHex64(id) {
				return p.fail("tag %q: %q is not a 64-hex layer ID", tag, id)
			}
			tags[tag] = id
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return repos, nil
}

// The reference grammar of the distribution project (the names docker
// tags images with), written here to keep this package's dependencies
// to the module's own. The expression is compiled on first use, not
// when the program starts.
var repoNameRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:` +
		`(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/` + // domain
		`)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
})

// validTag reports whether s is a tag: `[\w][\w.-]{0,127}`.
func validTag(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		word := c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !word && (i == 0 || c != '.' && c != '-') {
			return false
		}
	}
	return true
}

// validHex64 reports whether s is 64 lower-case hexadecimal digits.
func validHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func validRepoName(s string) bool { return len(s) <= 255 && repoNameRE().MatchString(s) }

// ValidRepoTag reports whether s is a NAME:TAG reference as docker tags
// images with ("busybox:latest", "example.com:5000/app:v1"): what
// manifest.json's RepoTags hold.
func ValidRepoTag(s string) bool { return validRepoTag(s) }

func validRepoTag(s string) bool {
	i := bytes.LastIndexByte([]byte(s), ':')
	if i < 0 || bytes.IndexByte([]byte(s[i:]), '/') >= 0 {
		return false
	}
	return validRepoName(s[:i]) && validTag(s[i+1:])
}

// parser is a strict reader of a bounded JSON document.
type parser struct {
	dec  *json.Decoder
	doc  string
	path []string
}

func newParser(data []byte, doc string) *parser {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &parser{dec: dec, doc: doc}
}

func (p *parser) push(s string) { p.path = append(p.path, s) }
func (p *parser) pop()          { p.path = p.path[:len(p.path)-1] }

func (p *parser) where() string {
	s := p.doc
	for _, e := range p.path {
		s += e
	}
	return s
}

func (p *parser) fail(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidDocument, p.where(), fmt.Sprintf(format, args...))
}

func (p *parser) token() (json.Token, error) {
	t, err := p.dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, p.fail("unexpected end of document")
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, p.fail("invalid JSON at byte %d: %v", se.Offset, err)
		}
		return nil, p.fail("invalid JSON: %v", err)
	}
	return t, nil
}

func describe(t json.Token) string {
	switch t := t.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", t)
}

// array reads an array, calling fn for each element; null is an empty
// array.
func (p *parser) array(fn func(i int) error) error {
	t, err := p.token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('[') {
		return p.fail("%s where an array was expected", describe(t))
	}
	for i := 0; p.dec.More(); i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	_, err = p.token()
	return err
}

// object reads an object, calling fn for each member with the decoder
// on its value; a member given twice is an error.
func (p *parser) object(fn func(key string) error) error {
	t, err := p.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return p.fail("%s where an object was expected", describe(t))
	}
	seen := map[string]bool{}
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return err
		}
		key := t.(string) // json.Decoder only yields strings as keys
		if seen[key] {
			return p.fail("member %q given twice", key)
		}
		seen[key] = true
		p.push("." + key)
		err = fn(key)
		p.pop()
		if err != nil {
			return err
		}
	}
	_, err = p.token()
	return err
}

func (p *parser) str() (string, error) {
	t, err := p.token()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", p.fail("%s where a string was expected", describe(t))
	}
	return s, nil
}

// strings reads an array of at most max strings (null is empty).
func (p *parser) strings(max int, fn func(i int, s string) error) error {
	return p.array(func(i int) error {
		if i >= max {
			return p.fail("more than %d elements", max)
		}
		p.push(fmt.Sprintf("[%d]", i))
		defer p.pop()
		s, err := p.str()
		if err != nil {
			return err
		}
		return fn(i, s)
	})
}

// raw reads one value whole, checking that its objects have no member
// twice.
func (p *parser) raw() ([]byte, error) {
	var m json.RawMessage
	if err := p.dec.Decode(&m); err != nil {
		return nil, p.fail("invalid JSON: %v", err)
	}
	if err := noDuplicateKeys(m); err != nil {
		return nil, p.fail("%v", err)
	}
	return m, nil
}

func noDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func() error
	walk = func() error {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				if seen[k.(string)] {
					return fmt.Errorf("member %q given twice", k)
				}
				seen[k.(string)] = true
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			for dec.More() {
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		}
		return err
	}
	return walk()
}

// end checks that nothing but space follows the document.
func (p *parser) end() error {
	if _, err := p.dec.Token(); err != io.EOF {
		return p.fail("data after the document")
	}
	return nil
}

// archiveName checks a name a document gives for an entry of the
// archive.
func (p *parser) archiveName(s string) (string, error) {
	n, err := cleanName(s)
	if err != nil {
		return "", p.fail("%q: %s", s, strings.TrimPrefix(err.Error(), "archive: "))
	}
	if n == "" {
		return "", p.fail("%q names the archive's root", s)
	}
	return n, nil
}
