// Package core is the contract of ocispec and its model: the [Format]
// and [Digester] interfaces that formats and digest algorithms
// implement, the registries that hold them ([Registry] for formats,
// [Algorithms] for digest algorithms; [Default] and [DefaultAlgorithms]
// are the process-wide ones), and the values every other package speaks:
// [Descriptor], [Platform], [Manifest] and [Index] (with conversions to
// image-spec's specs-go/v1 types), kinds and the media-type algebra (a
// base, a [Compression], an encryption), the three JSON encodings
// ([EncodingCompact], [EncodingConcil], [EncodingCanonical]), decoding
// with format detection, conversion between formats, validation against
// the image-spec grammar, and the module's shared sentinel errors
// ([ErrNotFound], [ErrDigestMismatch], ...). It imports nothing else of
// this module, and no answer of it depends on what is registered
// anywhere but in the value it is asked: a format answers from its own
// table, a private Registry from the formats it holds.
//
// The built-in formats register themselves when imported, and are also
// exported values for private registries:
//
//	import (
//		"github.com/concil-go/ocispec/core"
//		"github.com/concil-go/ocispec/formats/docker"
//	)
//
//	config := core.DescriptorFromBytes(core.KindConfig, configJSON)
//	layer := core.DescriptorFromBytes(core.KindTarGzip, layerBytes)
//	b, err := docker.Format.EncodeManifest(ctx, core.Manifest{Config: config, Layers: []core.Descriptor{layer}}, core.EncodingConcil)
//	m, f, err := core.DecodeManifest(ctx, b) // its format detected; media types as written
//
// A format is a [Description] (name, document media types, kind
// [Table], capabilities as data) and a codec with a context. Most are
// one [FormatSpec] given to [NewFormat]: the built-in OCI and Docker
// formats are, and so is a plugin's Helm format, with its layer rules as
// a hook and its documents claimed by their config's media type.
//
// Kinds ("config", "tar+gzip", ...) are concil's names for what a
// descriptor refers to; each format's table maps them to its media types
// and back; names that are not kinds pass through unchanged, as in
// concil.
//
// Decoding keeps every member the model has no field for, in each
// object's Extra ([Member]), and the encoders write them back, so that a
// document decoded and encoded again in the same format and encoding
// loses nothing. [ImageConfig] is the image config of image-spec's
// config.md (and Docker's), read as strictly as manifests
// ([ParseImageConfig]), validated by config.md's rules alone
// ([ValidateImageConfig]), checked against its layers by [CheckDiffIDs].
//
// Everything that decodes takes untrusted bytes: errors name the field
// (as *[FieldError]), nothing panics, and no allocation is sized by a
// number the input claims.
package core
