// Package schema validates documents against image-spec's own JSON
// schema (github.com/opencontainers/image-spec/schema at v1.1.1, whose
// files it embeds) with the verdict of image-spec's schema.Validator. It
// implements the draft-04 keywords those files use and nothing more, and
// compiles them on the first call, so linking it costs nothing at
// start-up; core's validation (core.ValidateManifest and the decoders)
// needs none of it.
//
//	if err := schema.ValidateManifest(data); err != nil {
//		log.Fatal(err) // names the failing location and keyword
//	}
package schema
