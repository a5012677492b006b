package schema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"math/big"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The schema files are byte-for-byte copies of image-spec v1.1.1's
// schema/*.json (github.com/opencontainers/image-spec@v1.1.1/schema); a
// test compares them with that module's embedded files.
//
//go:embed spec/*.json
var specFS embed.FS

// rootFile maps the media types of image-spec's validators to their
// schema file.
func rootFile(mediaType string) (string, bool) {
	switch mediaType {
	case "application/vnd.oci.image.manifest.v1+json":
		return "image-manifest-schema.json", true
	case "application/vnd.oci.image.index.v1+json":
		return "image-index-schema.json", true
	case "application/vnd.oci.image.config.v1+json":
		return "config-schema.json", true
	case "application/vnd.oci.descriptor.v1+json":
		return "content-descriptor.json", true
	case "application/vnd.oci.layout.header.v1+json":
		return "image-layout-schema.json", true
	}
	return "", false
}

// node is one compiled schema: the draft-04 keywords image-spec's schema
// files use, and nothing else (compile rejects any other keyword, so a
// new one cannot be ignored silently).
type node struct {
	loc string // file#pointer, for messages

	ref *node // $ref: in draft 04 every other keyword beside it is ignored

	types        []string
	enum         []any
	format       string
	pattern      *regexp.Regexp
	minimum      *big.Rat
	maximum      *big.Rat
	minItems     int // -1: none
	items        *node
	required     []string
	properties   []property
	patternProps []patternProperty
	oneOf        []*node
}

type property struct {
	name string
	node *node
}

type patternProperty struct {
	re   *regexp.Regexp
	node *node
}

// ignored are the keywords that carry no assertion: annotations, the
// base-URI keyword (references name files, resolved by name below), the
// definitions container and "media", which draft 04's validation
// vocabulary does not define.
func ignored(keyword string) bool {
	switch keyword {
	case "description", "$schema", "id", "definitions", "media":
		return true
	}
	return false
}

// compiled holds the schemas, built on first use so that linking the
// package costs nothing at start-up.
var compiled = sync.OnceValues(compileAll)

func compileAll() (map[string]*node, error) {
	c := &compiler{docs: map[string]any{}, nodes: map[string]*node{}}
	roots := map[string]*node{}
	for _, f := range []string{"image-manifest-schema.json", "image-index-schema.json", "config-schema.json", "content-descriptor.json", "image-layout-schema.json"} {
		n, err := c.resolve(f, "")
		if err != nil {
			return nil, err
		}
		roots[f] = n
	}
	return roots, nil
}

type compiler struct {
	docs  map[string]any   // file name → parsed JSON
	nodes map[string]*node // file#pointer → node, so references share
}

func (c *compiler) doc(file string) (any, error) {
	if d, ok := c.docs[file]; ok {
		return d, nil
	}
	b, err := specFS.ReadFile("spec/" + file)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("schema: %s: %w", file, err)
	}
	c.docs[file] = v
	return v, nil
}

// resolve compiles the schema at pointer ptr of file.
func (c *compiler) resolve(file, ptr string) (*node, error) {
	loc := file + "#" + ptr
	if n, ok := c.nodes[loc]; ok {
		return n, nil
	}
	v, err := c.doc(file)
	if err != nil {
		return nil, err
	}
	if ptr != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("schema: %s: no such schema", loc)
			}
			if v, ok = m[tok]; !ok {
				return nil, fmt.Errorf("schema: %s: no such schema", loc)
			}
		}
	}
	return c.compile(file, ptr, v)
}

func (c *compiler) compile(file, ptr string, v any) (*node, error) {
	loc := file + "#" + ptr
	if n, ok := c.nodes[loc]; ok {
		return n, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema: %s: not a schema object", loc)
	}
	n := &node{loc: loc, minItems: -1}
	c.nodes[loc] = n
	bad := func(kw string) error { return fmt.Errorf("schema: %s: bad %q", loc, kw) }
	sub := func(kw string, v any) (*node, error) { return c.compile(file, ptr+"/"+escape(kw), v) }
	if r, ok := m["$ref"]; ok {
		s, ok := r.(string)
		if !ok {
			return nil, bad("$ref")
		}
		target, frag, _ := strings.Cut(s, "#")
		if target == "" {
			target = file
		}
		// Every $ref in the files names a sibling file (relative to any
		// of the URLs image-spec registers it under) or a pointer into
		// the same file.
		ref, err := c.resolve(path.Base(target), frag)
		if err != nil {
			return nil, err
		}
		n.ref = ref
		return n, nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kv := m[k]
		switch k {
		case "type":
			switch t := kv.(type) {
			case string:
				n.types = []string{t}
			case []any:
				for _, e := range t {
					s, ok := e.(string)
					if !ok {
						return nil, bad(k)
					}
					n.types = append(n.types, s)
				}
			default:
				return nil, bad(k)
			}
		case "enum":
			e, ok := kv.([]any)
			if !ok || len(e) == 0 {
				return nil, bad(k)
			}
			n.enum = e
		case "format":
			f, ok := kv.(string)
			if !ok || (f != "date-time" && f != "uri") {
				return nil, bad(k)
			}
			n.format = f
		case "pattern":
			s, ok := kv.(string)
			if !ok {
				return nil, bad(k)
			}
			re, err := regexp.Compile(s)
			if err != nil {
				return nil, fmt.Errorf("schema: %s: pattern: %w", loc, err)
			}
			n.pattern = re
		case "minimum", "maximum":
			num, ok := kv.(json.Number)
			if !ok {
				return nil, bad(k)
			}
			r, ok := new(big.Rat).SetString(string(num))
			if !ok {
				return nil, bad(k)
			}
			if k == "minimum" {
				n.minimum = r
			} else {
				n.maximum = r
			}
		case "minItems":
			num, ok := kv.(json.Number)
			if !ok {
				return nil, bad(k)
			}
			i, err := strconv.Atoi(string(num))
			if err != nil || i < 0 {
				return nil, bad(k)
			}
			n.minItems = i
		case "items":
			s, err := sub(k, kv)
			if err != nil {
				return nil, err
			}
			n.items = s
		case "required":
			r, ok := kv.([]any)
			if !ok {
				return nil, bad(k)
			}
			for _, e := range r {
				s, ok := e.(string)
				if !ok {
					return nil, bad(k)
				}
				n.required = append(n.required, s)
			}
		case "properties", "patternProperties":
			pm, ok := kv.(map[string]any)
			if !ok {
				return nil, bad(k)
			}
			names := make([]string, 0, len(pm))
			for name := range pm {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				s, err := c.compile(file, ptr+"/"+k+"/"+escape(name), pm[name])
				if err != nil {
					return nil, err
				}
				if k == "properties" {
					n.properties = append(n.properties, property{name, s})
					continue
				}
				re, err := regexp.Compile(name)
				if err != nil {
					return nil, fmt.Errorf("schema: %s: patternProperties: %w", loc, err)
				}
				n.patternProps = append(n.patternProps, patternProperty{re, s})
			}
		case "oneOf":
			alts, ok := kv.([]any)
			if !ok || len(alts) == 0 {
				return nil, bad(k)
			}
			for i, a := range alts {
				s, err := c.compile(file, ptr+"/oneOf/"+strconv.Itoa(i), a)
				if err != nil {
					return nil, err
				}
				n.oneOf = append(n.oneOf, s)
			}
		default:
			if !ignored(k) {
				return nil, fmt.Errorf("schema: %s: keyword %q is not supported", loc, k)
			}
		}
	}
	return n, nil
}

// escape writes a JSON-pointer token (RFC 6901).
func escape(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}
