package schema

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	specschema "github.com/opencontainers/image-spec/schema"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ErrNoSchema is returned for a media type image-spec has no schema for.
var ErrNoSchema = errors.New("schema: no image-spec JSON schema for this media type")

// validators maps document media types to image-spec's schema. Docker's
// manifest, manifest list and config are checked against the OCI schema
// of the same document: schema 2 is its ancestor and shares its shape.
var validators = map[string]specschema.Validator{
	v1.MediaTypeImageManifest:    specschema.ValidatorMediaTypeManifest,
	docker.MediaTypeManifest:     specschema.ValidatorMediaTypeManifest,
	v1.MediaTypeImageIndex:       specschema.ValidatorMediaTypeImageIndex,
	docker.MediaTypeManifestList: specschema.ValidatorMediaTypeImageIndex,
	v1.MediaTypeImageConfig:      specschema.ValidatorMediaTypeImageConfig,
	docker.MediaTypeConfig:       specschema.ValidatorMediaTypeImageConfig,
	v1.MediaTypeDescriptor:       specschema.ValidatorMediaTypeDescriptor,
	v1.MediaTypeLayoutHeader:     specschema.ValidatorMediaTypeLayoutHeader,
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
// mediaType. The document is limited to core.DefaultMaxDocumentSize.
func Validate(mediaType string, data []byte) error {
	v, ok := validators[core.NormalizeMediaType(mediaType)]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoSchema, mediaType)
	}
	if len(data) > core.DefaultMaxDocumentSize {
		return fmt.Errorf("schema: document of %d bytes: %w (limit %d bytes)", len(data), core.ErrTooLarge, core.DefaultMaxDocumentSize)
	}
	if err := v.Validate(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("schema: %s: %w", mediaType, err)
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
