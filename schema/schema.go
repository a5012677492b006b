package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ErrNoSchema is returned for a media type image-spec has no schema for.
var ErrNoSchema = errors.New("schema: no image-spec JSON schema for this media type")

// specType maps document media types to image-spec's validator of the
// same name. Docker's manifest, manifest list and config are checked
// against the OCI schema of the same document: schema 2 is its ancestor
// and shares its shape.
func specType(mediaType string) (string, bool) {
	switch mediaType {
	case v1.MediaTypeImageManifest, docker.MediaTypeManifest:
		return v1.MediaTypeImageManifest, true
	case v1.MediaTypeImageIndex, docker.MediaTypeManifestList:
		return v1.MediaTypeImageIndex, true
	case v1.MediaTypeImageConfig, docker.MediaTypeConfig:
		return v1.MediaTypeImageConfig, true
	case v1.MediaTypeDescriptor:
		return v1.MediaTypeDescriptor, true
	case v1.MediaTypeLayoutHeader:
		return v1.MediaTypeLayoutHeader, true
	}
	return "", false
}

// MediaTypes lists the media types [Validate] knows, for help texts.
func MediaTypes() []string {
	return []string{
		v1.MediaTypeImageManifest, docker.MediaTypeManifest,
		v1.MediaTypeImageIndex, docker.MediaTypeManifestList,
		v1.MediaTypeImageConfig, docker.MediaTypeConfig,
		v1.MediaTypeDescriptor, v1.MediaTypeLayoutHeader,
	}
}

// Validate checks data against image-spec v1.1.1's JSON schema for
// mediaType, with the checks image-spec's schema.Validator adds to it
// (the document decodes into image-spec's Go types; a descriptor's
// digest is well formed for its algorithm; a config's Env entries are
// NAME=value): the verdict is that validator's. A schema failure names
// the document's location (a JSON pointer), the keyword and its place in
// the schema files, one a line. The schemas are compiled on the first
// call. The document is limited to core.DefaultMaxDocumentSize.
func Validate(mediaType string, data []byte) error {
	st, ok := specType(core.NormalizeMediaType(mediaType))
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoSchema, mediaType)
	}
	if len(data) > core.DefaultMaxDocumentSize {
		return fmt.Errorf("schema: document of %d bytes: %w (limit %d bytes)", len(data), core.ErrTooLarge, core.DefaultMaxDocumentSize)
	}
	if err := validate(st, data); err != nil {
		return fmt.Errorf("schema: %s: %w", mediaType, err)
	}
	return nil
}

func validate(specType string, data []byte) error {
	roots, err := compiled()
	if err != nil {
		return err
	}
	file, _ := rootFile(specType)
	// As image-spec's validator reads it: the first JSON value, numbers
	// as float64.
	var v any
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	var c checker
	roots[file].validate(&c, v, "")
	if len(c.problems) > 0 {
		return &validationError{c.problems, c.more}
	}
	return goTypes(specType, data)
}

// goTypes is image-spec's check before its schema: the whole document
// decodes into its Go type, and the few checks it adds.
func goTypes(specType string, data []byte) error {
	var err error
	switch specType {
	case v1.MediaTypeImageManifest:
		err = json.Unmarshal(data, new(v1.Manifest))
	case v1.MediaTypeImageIndex:
		err = json.Unmarshal(data, new(v1.Index))
	case v1.MediaTypeDescriptor:
		var d v1.Descriptor
		if err = json.Unmarshal(data, &d); err == nil {
			if derr := d.Digest.Validate(); derr != nil && !errors.Is(derr, digest.ErrDigestUnsupported) {
				return fmt.Errorf("\"/digest\": %w", derr)
			}
		}
	case v1.MediaTypeImageConfig:
		var c v1.Image
		if err = json.Unmarshal(data, &c); err == nil {
			for i, e := range c.Config.Env {
				if !envOK(e) {
					return fmt.Errorf("\"/config/Env/%d\": %w: %s", i, errEnv, show(e))
				}
			}
		}
	}
	if err != nil {
		return fmt.Errorf("does not decode into image-spec's Go type: %w", err)
	}
	return nil
}

// ValidateManifest checks an image manifest (OCI or Docker schema 2).
func ValidateManifest(data []byte) error { return Validate(v1.MediaTypeImageManifest, data) }

// ValidateIndex checks an image index or manifest list.
func ValidateIndex(data []byte) error { return Validate(v1.MediaTypeImageIndex, data) }

// ValidateConfig checks an image configuration.
func ValidateConfig(data []byte) error { return Validate(v1.MediaTypeImageConfig, data) }

// ValidateDescriptor checks a lone content descriptor.
func ValidateDescriptor(data []byte) error { return Validate(v1.MediaTypeDescriptor, data) }
