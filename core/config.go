package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
)

// ImageConfig is an image configuration: image-spec 1.1's config.md
// (application/vnd.oci.image.config.v1+json), which is also Docker's
// application/vnd.docker.container.image.v1+json. Every field config.md
// defines is modelled; every other member (Docker's Hostname,
// Healthcheck, OnBuild, Shell, container_config, ...) is kept in Extra,
// and so is a modelled member whose value is empty (null, "", [], {},
// false), so that [ParseImageConfig] then [EncodeImageConfig] give the
// same JSON value back. A modelled field that is set replaces a kept
// member of its name.
type ImageConfig struct {
	// Created is the combined date and time at which the image was
	// created, as written (RFC 3339, section 5.6).
	Created      string
	Author       string
	Architecture string
	OS           string
	OSVersion    string
	OSFeatures   []string
	Variant      string
	// Config is the execution parameters ("config"), nil when absent.
	Config  *ExecConfig
	RootFS  RootFS
	History []History
	Extra   Extra
}

// ExecConfig is the "config" member of an image config: the execution
// parameters a runtime should use as a base for a container.
type ExecConfig struct {
	User string
	// ExposedPorts and Volumes are sets: config.md has their values be
	// empty objects.
	ExposedPorts []string
	Env          []string
	Entrypoint   []string
	Cmd          []string
	Volumes      []string
	WorkingDir   string
	Labels       map[string]string
	StopSignal   string
	// ArgsEscaped is deprecated (Windows only), modelled because
	// config.md lists it.
	ArgsEscaped bool
	Extra       Extra
}

// RootFS is the "rootfs" member: the layers' diffIDs, in order.
type RootFS struct {
	Type    string
	DiffIDs []digest.Digest
	Extra   Extra
}

// History is one entry of "history".
type History struct {
	Created    string
	Author     string
	CreatedBy  string
	Comment    string
	EmptyLayer bool
	Extra      Extra
}

// Platform returns the platform the config says.
func (c ImageConfig) Platform() Platform {
	return Platform{Architecture: c.Architecture, OS: c.OS, OSVersion: c.OSVersion, OSFeatures: slices.Clone(c.OSFeatures), Variant: c.Variant}
}

// ParseImageConfig reads an image config strictly: one JSON object of
// I-JSON (valid UTF-8 in every string), keys matched exactly (a key in
// another case is an unknown member, kept), no key twice in one object,
// every modelled member of its type. Every problem is reported, each a
// *FieldError, under [ErrInvalidDocument]. The config is not validated:
// see [ValidateImageConfig] and [DecodeImageConfig].
func ParseImageConfig(data []byte, opts ...DecodeOption) (ImageConfig, error) {
	o := decodeOpts(opts)
	if err := o.checkSize(data); err != nil {
		return ImageConfig{}, err
	}
	var c ImageConfig
	var got bool
	err := parseValue(data, func(p *parser) { got = p.imageConfig(&c) })
	if err != nil {
		return ImageConfig{}, fmt.Errorf("image config: %w", err)
	}
	if !got {
		return ImageConfig{}, fmt.Errorf("image config: %w: want a JSON object", ErrInvalidDocument)
	}
	return c, nil
}

// DecodeImageConfig is [ParseImageConfig] then [ValidateImageConfig].
func DecodeImageConfig(data []byte, opts ...DecodeOption) (ImageConfig, error) {
	c, err := ParseImageConfig(data, opts...)
	if err != nil {
		return ImageConfig{}, err
	}
	if err := ValidateImageConfig(c); err != nil {
		return ImageConfig{}, fmt.Errorf("%w (image config): %w", ErrInvalidDocument, err)
	}
	return c, nil
}

// ValidateImageConfig checks what config.md requires, and nothing else:
// architecture and os present ("REQUIRED"), rootfs.type "layers" ("MUST
// be set to layers"), rootfs.diff_ids present and each a digest, created
// (and each history entry's) an RFC 3339 date and time, each Env entry
// VARNAME=VARVALUE. What config.md does not require is at most a warning
// ([ImageConfigWarnings]).
func ValidateImageConfig(c ImageConfig) error {
	var errs []error
	missing := func(field string) { errs = append(errs, &FieldError{field, errors.New("missing")}) }
	if c.Architecture == "" {
		missing("architecture")
	}
	if c.OS == "" {
		missing("os")
	}
	checkTime := func(field, v string) {
		if v == "" {
			return
		}
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			errs = append(errs, &FieldError{field, fmt.Errorf("%q is not an RFC 3339 date and time", v)})
		}
	}
	checkTime("created", c.Created)
	if c.Config != nil {
		for i, e := range c.Config.Env {
			if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
				errs = append(errs, &FieldError{fmt.Sprintf("config.Env[%d]", i), fmt.Errorf("%q is not VARNAME=VARVALUE", e)})
			}
		}
	}
	_, rootfs := c.Extra.Lookup("rootfs")
	switch {
	case c.RootFS.Type == "" && c.RootFS.DiffIDs == nil && !rootfs:
		missing("rootfs")
	default:
		switch c.RootFS.Type {
		case "layers":
		case "":
			missing("rootfs.type")
		default:
			errs = append(errs, &FieldError{"rootfs.type", fmt.Errorf("%q (must be \"layers\")", c.RootFS.Type)})
		}
		if c.RootFS.DiffIDs == nil {
			missing("rootfs.diff_ids")
		}
		for i, d := range c.RootFS.DiffIDs {
			if err := ValidateDigest(d); err != nil {
				errs = append(errs, &FieldError{fmt.Sprintf("rootfs.diff_ids[%d]", i), err})
			}
		}
	}
	for i, h := range c.History {
		checkTime(fmt.Sprintf("history[%d].created", i), h.Created)
	}
	return errors.Join(errs...)
}

// ImageConfigWarnings lists what is odd in a config but not against
// config.md: history entries that make layers (empty_layer not true)
// not as many as rootfs.diff_ids. config.md does not tie the two, and
// image-spec's own example config has two diff_ids and one such entry.
func ImageConfigWarnings(c ImageConfig) []error {
	var out []error
	if c.History != nil {
		layers := 0
		for _, h := range c.History {
			if !h.EmptyLayer {
				layers++
			}
		}
		if layers != len(c.RootFS.DiffIDs) {
			out = append(out, &FieldError{"history", fmt.Errorf("%d entries make layers (empty_layer not true), rootfs.diff_ids lists %d (config.md does not require them to agree)", layers, len(c.RootFS.DiffIDs))})
		}
	}
	return out
}

// CheckDiffIDs is the image check of a config against its manifest's
// layers: diffIDs are the layers' uncompressed digests, in the
// manifest's order, and rootfs.diff_ids must list the same ones
// (config.md: "the order of layers MUST match the order of diff_ids").
// An empty entry of diffIDs is a layer whose diffID is not known (one
// that is not a tar stream): its config entry is taken as it is. A
// mismatch is an error wrapping [ErrDiffIDMismatch] naming the first
// layer that differs, or the two counts. [CheckConfigDiffIDs] does the
// same from a config's bytes.
func CheckDiffIDs(c ImageConfig, diffIDs []digest.Digest) error {
	return compareDiffIDs(c.RootFS.DiffIDs, diffIDs)
}

func compareDiffIDs(got, layers []digest.Digest) error {
	for i := range min(len(got), len(layers)) {
		if l := layers[i]; l != "" && got[i] != l {
			return fmt.Errorf("%w: layer %d: rootfs.diff_ids[%d] is %s, the layer's diffID is %s", ErrDiffIDMismatch, i, i, got[i], l)
		}
	}
	if len(got) != len(layers) {
		return fmt.Errorf("%w: rootfs.diff_ids lists %d, the manifest has %d layers", ErrDiffIDMismatch, len(got), len(layers))
	}
	return nil
}

// EncodeImageConfig writes c in encoding enc: config.md's member order
// (the canonical encoding sorts), with the kept members each after the
// member it followed when read. The config is not validated.
func EncodeImageConfig(c ImageConfig, enc Encoding) ([]byte, error) {
	st, err := enc.style()
	if err != nil {
		return nil, err
	}
	var errs []error
	o := object{}
	addStr := func(o *object, k, v string) {
		if v != "" {
			o.add(k, v)
		}
	}
	addList := func(o *object, k string, v []string) {
		if len(v) > 0 {
			o.add(k, stringList(v))
		}
	}
	addSet := func(o *object, k string, v []string) {
		if len(v) > 0 {
			set := make(object, 0, len(v))
			for _, s := range v {
				set.add(s, object{})
			}
			o.add(k, set)
		}
	}
	addStr(&o, "created", c.Created)
	addStr(&o, "author", c.Author)
	addStr(&o, "architecture", c.Architecture)
	addStr(&o, "os", c.OS)
	addStr(&o, "os.version", c.OSVersion)
	addList(&o, "os.features", c.OSFeatures)
	addStr(&o, "variant", c.Variant)
	if x := c.Config; x != nil {
		e := object{}
		addStr(&e, "User", x.User)
		addSet(&e, "ExposedPorts", x.ExposedPorts)
		addList(&e, "Env", x.Env)
		addList(&e, "Entrypoint", x.Entrypoint)
		addList(&e, "Cmd", x.Cmd)
		addSet(&e, "Volumes", x.Volumes)
		addStr(&e, "WorkingDir", x.WorkingDir)
		if len(x.Labels) > 0 {
			e.add("Labels", stringMap(x.Labels))
		}
		addStr(&e, "StopSignal", x.StopSignal)
		if x.ArgsEscaped {
			e.add("ArgsEscaped", true)
		}
		o.add("config", configExtra(e, x.Extra, "config", &errs))
	}
	if r := c.RootFS; r.Type != "" || r.DiffIDs != nil || len(r.Extra) > 0 {
		ro := object{}
		addStr(&ro, "type", r.Type)
		if r.DiffIDs != nil {
			ids := make([]any, len(r.DiffIDs))
			for i, d := range r.DiffIDs {
				ids[i] = string(d)
			}
			ro.add("diff_ids", ids)
		}
		o.add("rootfs", configExtra(ro, r.Extra, "rootfs", &errs))
	}
	if len(c.History) > 0 {
		hs := make([]any, len(c.History))
		for i, h := range c.History {
			ho := object{}
			addStr(&ho, "created", h.Created)
			addStr(&ho, "author", h.Author)
			addStr(&ho, "created_by", h.CreatedBy)
			addStr(&ho, "comment", h.Comment)
			if h.EmptyLayer {
				ho.add("empty_layer", true)
			}
			hs[i] = configExtra(ho, h.Extra, fmt.Sprintf("history[%d]", i), &errs)
		}
		o.add("history", hs)
	}
	o = configExtra(o, c.Extra, "", &errs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return st.marshal(o)
}

// configExtra places kept members in o, a modelled member that is set
// replacing a kept one of its name.
func configExtra(o object, extra Extra, field string, errs *[]error) object {
	if len(extra) == 0 {
		return o
	}
	kept := make(Extra, 0, len(extra))
	for _, m := range extra {
		if !slices.ContainsFunc(o, func(x member) bool { return x.key == m.Key }) {
			kept = append(kept, m)
		}
	}
	return extraInto(o, kept, field, errs)
}

// The parser of image configs: modelled members read into the model,
// others kept; a modelled member left empty is kept as read, so that its
// spelling (null, "", [], {}) survives.

// members reads the members of the object at pos. read is called with
// each key: for a key the model has, it reads the value and returns the
// test of its being empty (then the member is kept as read); for any
// other, it returns nil without reading, and the member is kept. It
// reports whether there was an object.
func (p *parser) members(extra *Extra, read func(key string) (empty func() bool)) bool {
	if !p.openObject() {
		return false
	}
	ks := p.keySet()
	last := ""
	for first := true; ; first = false {
		key, ok := p.nextMember(first)
		if !ok {
			break
		}
		p.pushKey(key)
		p.peek()
		start, nerr := p.pos, len(p.errs)
		empty := read(key)
		if empty == nil {
			p.keepOther(&ks, key, last, extra)
		} else {
			p.other(&ks, key)
			if empty() && p.err == nil && len(p.errs) == nerr {
				*extra = append(*extra, Member{Key: key, Value: append([]byte(nil), p.data[start:p.pos]...), After: last})
			} else {
				last = key
			}
		}
		p.pop()
	}
	p.done(&ks)
	return true
}

// strInto reads a string into *dst and returns the test of its being
// empty.
func (p *parser) strInto(dst *string) func() bool {
	*dst, _ = p.str()
	return func() bool { return *dst == "" }
}

func (p *parser) listInto(dst *[]string) func() bool {
	*dst = p.strings("an array of strings")
	return func() bool { return len(*dst) == 0 }
}

func (p *parser) boolInto(dst *bool) func() bool {
	switch p.peek() {
	case 't', 'f':
		*dst = p.peek() == 't'
		p.literal()
	default:
		if !p.null() {
			p.mismatch("true or false")
		}
	}
	return func() bool { return !*dst }
}

// setInto reads an object used as a set (ExposedPorts, Volumes): its
// keys, in order. A value that is not an empty object keeps the whole
// member as read.
func (p *parser) setInto(dst *[]string) func() bool {
	*dst = nil
	plain := true
	var ignored Extra
	p.members(&ignored, func(key string) func() bool {
		*dst = append(*dst, key)
		if p.peek() != '{' {
			plain = false
			p.skipValue()
			return func() bool { return false }
		}
		var inner Extra
		p.members(&inner, func(string) func() bool { return nil })
		if len(inner) > 0 {
			plain = false
		}
		return func() bool { return false }
	})
	if *dst == nil {
		*dst = []string{}
	}
	return func() bool {
		if !plain {
			*dst = nil
			return true
		}
		return len(*dst) == 0
	}
}

func (p *parser) imageConfig(c *ImageConfig) bool {
	return p.members(&c.Extra, func(key string) func() bool {
		switch key {
		case "created":
			return p.strInto(&c.Created)
		case "author":
			return p.strInto(&c.Author)
		case "architecture":
			return p.strInto(&c.Architecture)
		case "os":
			return p.strInto(&c.OS)
		case "os.version":
			return p.strInto(&c.OSVersion)
		case "os.features":
			return p.listInto(&c.OSFeatures)
		case "variant":
			return p.strInto(&c.Variant)
		case "config":
			x := &ExecConfig{}
			if !p.execConfig(x) {
				return func() bool { return true }
			}
			c.Config = x
			return func() bool { return false }
		case "rootfs":
			p.rootFS(&c.RootFS)
			r := &c.RootFS
			return func() bool { return r.Type == "" && r.DiffIDs == nil && len(r.Extra) == 0 }
		case "history":
			if !p.openArray("an array of history entries") {
				return func() bool { return true }
			}
			c.History = []History{}
			for i := 0; p.nextElement(i == 0); i++ {
				p.pushIndex(i)
				var h History
				if p.null() {
					p.record(errors.New("want a history object, got null"))
				} else {
					p.history(&h)
				}
				c.History = append(c.History, h)
				p.pop()
			}
			return func() bool {
				if len(c.History) == 0 {
					c.History = nil
					return true
				}
				return false
			}
		}
		return nil
	})
}

func (p *parser) execConfig(x *ExecConfig) bool {
	return p.members(&x.Extra, func(key string) func() bool {
		switch key {
		case "User":
			return p.strInto(&x.User)
		case "ExposedPorts":
			return p.setInto(&x.ExposedPorts)
		case "Env":
			return p.listInto(&x.Env)
		case "Entrypoint":
			return p.listInto(&x.Entrypoint)
		case "Cmd":
			return p.listInto(&x.Cmd)
		case "Volumes":
			return p.setInto(&x.Volumes)
		case "WorkingDir":
			return p.strInto(&x.WorkingDir)
		case "Labels":
			x.Labels = p.stringMap()
			return func() bool {
				if len(x.Labels) == 0 {
					x.Labels = nil
					return true
				}
				return false
			}
		case "StopSignal":
			return p.strInto(&x.StopSignal)
		case "ArgsEscaped":
			return p.boolInto(&x.ArgsEscaped)
		}
		return nil
	})
}

func (p *parser) rootFS(r *RootFS) bool {
	return p.members(&r.Extra, func(key string) func() bool {
		switch key {
		case "type":
			return p.strInto(&r.Type)
		case "diff_ids":
			ids := p.strings("an array of digests")
			if ids == nil {
				return func() bool { return true }
			}
			r.DiffIDs = make([]digest.Digest, len(ids))
			for i, s := range ids {
				r.DiffIDs[i] = digest.Digest(s)
			}
			return func() bool { return false }
		}
		return nil
	})
}

func (p *parser) history(h *History) bool {
	return p.members(&h.Extra, func(key string) func() bool {
		switch key {
		case "created":
			return p.strInto(&h.Created)
		case "author":
			return p.strInto(&h.Author)
		case "created_by":
			return p.strInto(&h.CreatedBy)
		case "comment":
			return p.strInto(&h.Comment)
		case "empty_layer":
			return p.boolInto(&h.EmptyLayer)
		}
		return nil
	})
}
