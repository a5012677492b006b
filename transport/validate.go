package transport

import (
	"context"
	"errors"
	"fmt"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// ValidateOptions control [Validate].
type ValidateOptions struct {
	// Registry decodes the documents (default core.Default).
	Registry *core.Registry
	// MaxDocumentSize bounds the documents and configs read (<= 0: the
	// default).
	MaxDocumentSize int64
	// CheckConfig checks an image's config, read verified, against the
	// manifest that lists it; nil checks only that it is there with its
	// descriptor's size and digest.
	CheckConfig func(config []byte, m core.Manifest) error
	// Document, when set, is called for each manifest, index and config
	// read, once each however many images list it, with what refers to
	// it.
	Document func(d core.Descriptor, ref string)
}

// Validate checks every document of every image a source holds without
// reading a layer: every manifest and index must be there and decode
// under the registry's rules, and every config must be there, with its
// descriptor's size and digest, and pass opts.CheckConfig. Each document
// is read once however many images list it. It returns nil when all is
// well, otherwise every problem found joined (errors.Join), each a
// *RefError naming the document and what refers to it. Use [Verify] to
// check the layers too.
func Validate(ctx context.Context, src Source, opts *ValidateOptions) error {
	var o ValidateOptions
	if opts != nil {
		o = *opts
	}
	c := newCopier(nil, src, &CopyOptions{Registry: o.Registry, MaxDocumentSize: o.MaxDocumentSize})
	imgs, err := src.Images(ctx)
	if err != nil {
		return errors.Join(err)
	}
	v := &verifier{c: c, seen: map[digest.Digest]bool{}, documentsOnly: true}
	for i, img := range imgs {
		v.document(ctx, img.Descriptor, fmt.Sprintf("image %d (%s)", i, img), 0)
	}
	seen := map[digest.Digest]bool{}
	for _, cfg := range v.configs {
		if seen[cfg.d.Digest] || ctx.Err() != nil {
			continue
		}
		seen[cfg.d.Digest] = true
		if o.Document != nil {
			o.Document(cfg.d, cfg.ref)
		}
		rc, err := src.Fetch(ctx, cfg.d)
		if err != nil {
			v.problem(cfg.d.Digest, cfg.ref, err)
			continue
		}
		raw, err := readDocument(c.algs, rc, cfg.d, c.o.MaxDocumentSize)
		rc.Close()
		if err == nil && o.CheckConfig != nil {
			err = o.CheckConfig(raw, cfg.m)
		}
		if err != nil {
			v.problem(cfg.d.Digest, cfg.ref, err)
		}
	}
	if o.Document != nil {
		for _, d := range v.documents {
			o.Document(d.d, d.ref)
		}
	}
	if err := ctx.Err(); err != nil {
		v.problems = append(v.problems, err)
	}
	return errors.Join(v.problems...)
}

// configRef is a config to check and the manifest that lists it.
type configRef struct {
	blobRef
	m core.Manifest
}
