// Package schema validates documents against image-spec's own JSON
// schema (github.com/opencontainers/image-spec/schema at v1.1.1). It is a
// package of its own so that an embedder that does not call it does not
// link a JSON-schema library; core's validation (core.ValidateManifest and
// the decoders) needs none.
//
//	if err := schema.ValidateManifest(data); err != nil {
//		log.Fatal(err) // names the failing keyword and location
//	}
package schema
