package image

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// Config is an image config being edited. It holds the config as JSON
// members: the ones it changes are replaced, every other (Docker's
// Healthcheck, OnBuild, fields of later specs) is kept as it was.
// Bytes writes the members sorted by name.
type Config struct {
	top  map[string]json.RawMessage
	exec map[string]json.RawMessage // the "config" member
}

// History is one entry of a config's history (config.md).
type History struct {
	Created    *time.Time `json:"created,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	Author     string     `json:"author,omitempty"`
	Comment    string     `json:"comment,omitempty"`
	EmptyLayer bool       `json:"empty_layer,omitempty"`
}

// ParseConfig reads a config to edit. It must be a JSON object whose
// "config" member, if any, is an object.
func ParseConfig(data []byte) (*Config, error) {
	c := &Config{}
	if err := json.Unmarshal(data, &c.top); err != nil || c.top == nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", ErrInvalidConfig, err)
	}
	c.exec = map[string]json.RawMessage{}
	if raw, ok := c.top["config"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c.exec); err != nil {
			return nil, fmt.Errorf("%w: config: not a JSON object: %v", ErrInvalidConfig, err)
		}
	}
	return c, nil
}

// NewConfig returns the config of an image with no layers yet: the
// platform, the creation time (the Unix epoch when zero) and an empty
// rootfs.
func NewConfig(p core.Platform, created time.Time) *Config {
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	c := &Config{top: map[string]json.RawMessage{}, exec: map[string]json.RawMessage{}}
	c.set("created", created.UTC().Format(time.RFC3339Nano))
	c.SetPlatform(p)
	c.set("rootfs", map[string]any{"type": "layers", "diff_ids": []string{}})
	return c
}

func (c *Config) set(name string, v any) {
	b, _ := json.Marshal(v) // only values of this package's own types
	c.top[name] = b
}

func (c *Config) setExec(name string, v any) {
	b, _ := json.Marshal(v)
	c.exec[name] = b
}

// SetEntrypoint sets config.Entrypoint.
func (c *Config) SetEntrypoint(args []string) { c.setExec("Entrypoint", nonNil(args)) }

// SetCmd sets config.Cmd.
func (c *Config) SetCmd(args []string) { c.setExec("Cmd", nonNil(args)) }

// SetWorkingDir sets config.WorkingDir.
func (c *Config) SetWorkingDir(dir string) { c.setExec("WorkingDir", dir) }

// SetUser sets config.User.
func (c *Config) SetUser(user string) { c.setExec("User", user) }

// SetStopSignal sets config.StopSignal.
func (c *Config) SetStopSignal(sig string) { c.setExec("StopSignal", sig) }

// SetEnv sets the variable key in config.Env to value, in place when
// it is there, at the end otherwise.
func (c *Config) SetEnv(key, value string) error {
	var env []string
	if err := c.execValue("Env", &env); err != nil {
		return err
	}
	kv := key + "=" + value
	i := slices.IndexFunc(env, func(e string) bool { return strings.HasPrefix(e, key+"=") })
	if i >= 0 {
		env[i] = kv
	} else {
		env = append(env, kv)
	}
	c.setExec("Env", env)
	return nil
}

// SetLabel sets config.Labels[key].
func (c *Config) SetLabel(key, value string) error { return c.setInMap("Labels", key, value) }

// AddExposedPort adds a port ("8080/tcp") to config.ExposedPorts.
func (c *Config) AddExposedPort(port string) error {
	return c.setInMap("ExposedPorts", port, struct{}{})
}

// AddVolume adds a path to config.Volumes.
func (c *Config) AddVolume(path string) error { return c.setInMap("Volumes", path, struct{}{}) }

func (c *Config) setInMap(member, key string, v any) error {
	m := map[string]json.RawMessage{}
	if err := c.execValue(member, &m); err != nil {
		return err
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	b, _ := json.Marshal(v)
	m[key] = b
	c.setExec(member, m)
	return nil
}

func (c *Config) execValue(member string, v any) error {
	raw, ok := c.exec[member]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: config.%s: %v", ErrInvalidConfig, member, err)
	}
	return nil
}

// SetPlatform sets architecture, os, variant, os.version and
// os.features (those p leaves empty are removed).
func (c *Config) SetPlatform(p core.Platform) {
	c.set("architecture", p.Architecture)
	c.set("os", p.OS)
	for name, v := range map[string]string{"variant": p.Variant, "os.version": p.OSVersion} {
		if v == "" {
			delete(c.top, name)
		} else {
			c.set(name, v)
		}
	}
	if len(p.OSFeatures) == 0 {
		delete(c.top, "os.features")
	} else {
		c.set("os.features", p.OSFeatures)
	}
}

// Platform returns the config's platform.
func (c *Config) Platform() core.Platform {
	var p core.Platform
	str := func(name string) string {
		var s string
		json.Unmarshal(c.top[name], &s)
		return s
	}
	p.Architecture, p.OS, p.Variant, p.OSVersion = str("architecture"), str("os"), str("variant"), str("os.version")
	json.Unmarshal(c.top["os.features"], &p.OSFeatures)
	return p
}

// SetCreated sets the creation time.
func (c *Config) SetCreated(t time.Time) { c.set("created", t.UTC().Format(time.RFC3339Nano)) }

// DiffIDs returns rootfs.diff_ids.
func (c *Config) DiffIDs() ([]digest.Digest, error) {
	b, err := c.Bytes()
	if err != nil {
		return nil, err
	}
	return core.ConfigDiffIDs(b)
}

// AppendLayer adds a layer's diffID to rootfs.diff_ids and, when h is
// not nil, an entry to the history.
func (c *Config) AppendLayer(diffID digest.Digest, h *History) error {
	var rootfs map[string]json.RawMessage
	if raw, ok := c.top["rootfs"]; ok {
		if err := json.Unmarshal(raw, &rootfs); err != nil {
			return fmt.Errorf("%w: rootfs: %v", ErrInvalidConfig, err)
		}
	}
	if rootfs == nil {
		rootfs = map[string]json.RawMessage{"type": json.RawMessage(`"layers"`)}
	}
	var ids []digest.Digest
	if raw, ok := rootfs["diff_ids"]; ok {
		if err := json.Unmarshal(raw, &ids); err != nil {
			return fmt.Errorf("%w: rootfs.diff_ids: %v", ErrInvalidConfig, err)
		}
	}
	b, _ := json.Marshal(append(nonNil(ids), diffID))
	rootfs["diff_ids"] = b
	c.set("rootfs", rootfs)
	if h != nil {
		return c.AddHistory(*h)
	}
	return nil
}

// AddHistory appends an entry to the history.
func (c *Config) AddHistory(h History) error {
	var hist []json.RawMessage
	if raw, ok := c.top["history"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &hist); err != nil {
			return fmt.Errorf("%w: history: %v", ErrInvalidConfig, err)
		}
	}
	b, _ := json.Marshal(h)
	c.set("history", append(hist, b))
	return nil
}

// Bytes returns the config as JSON: one line, members sorted by name,
// no HTML escaping.
func (c *Config) Bytes() ([]byte, error) {
	top := maps.Clone(c.top)
	if len(c.exec) > 0 {
		b, err := marshal(c.exec)
		if err != nil {
			return nil, err
		}
		top["config"] = b
	}
	return marshal(top)
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, buf.Bytes()); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
