// Package core is the heart of ocispec: OCI and Docker image metadata as
// Go values, and the registries that make formats and digest algorithms
// pluggable.
//
// It holds the [Format] and [Digester] interfaces and the [Registry] of
// both ([Default] is the process-wide one); [Descriptor], [Platform],
// [Manifest] and [Index] with their conversions to image-spec's
// specs-go/v1 types; kinds and the media-type algebra (a base, a
// compression, an encryption); the three JSON encodings ([EncodingCompact],
// [EncodingConcil], [EncodingCanonical]); decoding with format detection;
// conversion between formats; and validation against the image-spec
// grammar. It imports nothing else of this module.
//
// Formats register themselves when imported:
//
//	import (
//		"github.com/concil-go/ocispec/core"
//		_ "github.com/concil-go/ocispec/formats/docker"
//	)
//
//	f, err := core.Default.Format("docker")
//	config := core.DescriptorFromBytes(core.KindConfig, configJSON)
//	layer := core.DescriptorFromBytes(core.KindTarGzip, layerBytes)
//	b, err := core.EncodeManifest(f, core.Manifest{Config: config, Layers: []core.Descriptor{layer}}, core.EncodingConcil)
//	m, f, err := core.DecodeManifest(b) // the same manifest, its format detected
//
// Kinds ("config", "tar+gzip", ...) are concil's names for what a
// descriptor refers to; each format maps them to its media types
// ([Format.MediaType]) and back ([Format.Kind]); names that are not kinds
// pass through unchanged, as in concil.
//
// Everything that decodes takes untrusted bytes: errors name the field
// (as *[FieldError]), nothing panics, and no allocation is sized by a
// number the input claims.
package core
