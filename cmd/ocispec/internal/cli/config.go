package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// Image configs are not among the documents package core validates
// (it knows manifests, indexes and descriptors), so validate checks
// them here, by image-spec 1.1's config.md.

type wireConfig struct {
	Created      *string         `json:"created"`
	Author       *string         `json:"author"`
	Architecture *string         `json:"architecture"`
	OS           *string         `json:"os"`
	OSVersion    *string         `json:"os.version"`
	OSFeatures   []string        `json:"os.features"`
	Variant      *string         `json:"variant"`
	Config       *wireExecConfig `json:"config"`
	RootFS       *wireRootFS     `json:"rootfs"`
	History      []wireHistory   `json:"history"`
}

type wireExecConfig struct {
	User         *string                    `json:"User"`
	ExposedPorts map[string]json.RawMessage `json:"ExposedPorts"`
	Env          []string                   `json:"Env"`
	Entrypoint   []string                   `json:"Entrypoint"`
	Cmd          []string                   `json:"Cmd"`
	Volumes      map[string]json.RawMessage `json:"Volumes"`
	WorkingDir   *string                    `json:"WorkingDir"`
	Labels       map[string]string          `json:"Labels"`
	StopSignal   *string                    `json:"StopSignal"`
}

type wireRootFS struct {
	Type    *string  `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

type wireHistory struct {
	Created    *string `json:"created"`
	Author     *string `json:"author"`
	CreatedBy  *string `json:"created_by"`
	Comment    *string `json:"comment"`
	EmptyLayer *bool   `json:"empty_layer"`
}

// validateConfig checks an image config and returns every problem,
// each a *core.FieldError.
func validateConfig(data []byte) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	var c wireConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return jsonFieldErr(err)
	}
	var errs []error
	missing := func(field string) { errs = append(errs, &core.FieldError{Field: field, Err: errors.New("missing")}) }
	if c.Architecture == nil || *c.Architecture == "" {
		missing("architecture")
	}
	if c.OS == nil || *c.OS == "" {
		missing("os")
	}
	if c.Created != nil {
		if _, err := time.Parse(time.RFC3339Nano, *c.Created); err != nil {
			errs = append(errs, &core.FieldError{Field: "created", Err: fmt.Errorf("%q is not an RFC 3339 date and time", *c.Created)})
		}
	}
	if c.Config != nil {
		for i, e := range c.Config.Env {
			if !strings.Contains(e, "=") {
				errs = append(errs, &core.FieldError{Field: fmt.Sprintf("config.Env[%d]", i), Err: fmt.Errorf("%q is not VARNAME=VARVALUE", e)})
			}
		}
	}
	switch {
	case c.RootFS == nil:
		missing("rootfs")
	default:
		switch {
		case c.RootFS.Type == nil:
			missing("rootfs.type")
		case *c.RootFS.Type != "layers":
			errs = append(errs, &core.FieldError{Field: "rootfs.type", Err: fmt.Errorf("%q (must be \"layers\")", *c.RootFS.Type)})
		}
		if c.RootFS.DiffIDs == nil {
			missing("rootfs.diff_ids")
		}
		for i, d := range c.RootFS.DiffIDs {
			if err := core.ValidateDigest(digest.Digest(d)); err != nil {
				errs = append(errs, &core.FieldError{Field: fmt.Sprintf("rootfs.diff_ids[%d]", i), Err: err})
			}
		}
	}
	nonEmpty := 0
	for i, h := range c.History {
		if h.Created != nil {
			if _, err := time.Parse(time.RFC3339Nano, *h.Created); err != nil {
				errs = append(errs, &core.FieldError{Field: fmt.Sprintf("history[%d].created", i), Err: fmt.Errorf("%q is not an RFC 3339 date and time", *h.Created)})
			}
		}
		if h.EmptyLayer == nil || !*h.EmptyLayer {
			nonEmpty++
		}
	}
	if c.History != nil && c.RootFS != nil && c.RootFS.DiffIDs != nil && nonEmpty != len(c.RootFS.DiffIDs) {
		errs = append(errs, &core.FieldError{Field: "history", Err: fmt.Errorf("%d entries make layers (empty_layer not true), but rootfs.diff_ids lists %d", nonEmpty, len(c.RootFS.DiffIDs))})
	}
	return errors.Join(errs...)
}
