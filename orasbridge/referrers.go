package orasbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
)

// ReferrersTag is the tag of distribution-spec's referrers tag schema
// for the subject d, where a registry without the referrers API keeps
// the index of d's referrers: the algorithm truncated to 32 characters,
// '-', the encoded part truncated to 64 ("sha256-<hex>" for sha256; the
// first 64 hex digits for sha512), so that every subject gets a valid
// tag. oras-go v2.7.0 builds ALGORITHM-ENCODED untruncated, a tag of 135
// characters for sha512, which no registry takes; the registry transport
// writes and reads this one for those subjects.
func ReferrersTag(d digest.Digest) string { return layout.ReferrersTag(d) }

// orasTagDiffers reports whether oras-go's fallback tag for d differs
// from distribution-spec's (and is then too long to be a tag).
func orasTagDiffers(d digest.Digest) bool {
	return ReferrersTag(d) != d.Algorithm().String()+"-"+d.Encoded()
}

// Referrers lists the manifests of the repository whose subject is
// subject, of artifactType ("": all): through the registry's referrers
// API where it answers, else through the referrers tag schema
// (oras-go's, and [ReferrersTag] for the subjects whose tag oras-go
// would build too long).
func (r DockerReference) Referrers(ctx context.Context, subject core.Descriptor, artifactType string) ([]core.Descriptor, error) {
	repo, err := r.repository(core.DefaultMaxDocumentSize)
	if err != nil {
		return nil, err
	}
	var out []core.Descriptor
	err = repo.Referrers(ctx, subject.OCI(), artifactType, func(page []ocispec.Descriptor) error {
		for _, d := range page {
			out = append(out, core.DescriptorFromOCI(d))
		}
		return nil
	})
	if err != nil && errors.Is(err, errdef.ErrInvalidReference) && orasTagDiffers(subject.Digest) {
		ix, _, ferr := fallbackIndex(ctx, repo, subject.Digest)
		if ferr != nil {
			return nil, r.wrap("referrers of "+string(subject.Digest), ferr)
		}
		out = nil
		for _, d := range ix.Manifests {
			if artifactType == "" || d.ArtifactType == artifactType {
				out = append(out, core.DescriptorFromOCI(d))
			}
		}
		return out, nil
	}
	if err != nil {
		return nil, r.wrap("referrers of "+string(subject.Digest), err)
	}
	return out, nil
}

// fallbackIndex reads the index of subject's referrers at ReferrersTag
// (an empty one when there is none), and says whether it was there.
func fallbackIndex(ctx context.Context, repo *remote.Repository, subject digest.Digest) (ocispec.Index, bool, error) {
	ix := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{}}
	ix.SchemaVersion = 2
	desc, rc, err := repo.FetchReference(ctx, ReferrersTag(subject))
	if errors.Is(err, errdef.ErrNotFound) {
		return ix, false, nil
	}
	if err != nil {
		return ix, false, err
	}
	defer rc.Close()
	if desc.MediaType != ocispec.MediaTypeImageIndex {
		return ix, false, nil
	}
	raw, err := core.ReadDocument(rc, repo.MaxMetadataBytes)
	if err != nil {
		return ix, false, err
	}
	if err := core.DefaultAlgorithms.VerifyBytes(raw, desc.Size, desc.Digest); err != nil {
		return ix, false, err
	}
	if err := json.Unmarshal(raw, &ix); err != nil {
		return ix, false, fmt.Errorf("%w: the referrers index at %s: %w", core.ErrInvalidDocument, ReferrersTag(subject), err)
	}
	return ix, true, nil
}

// subjectOf returns the subject of a manifest or index, with what its
// entry in a referrers index says: its artifact type (or its config's
// media type) and its annotations.
func subjectOf(raw []byte) (subject *ocispec.Descriptor, artifactType string, annotations map[string]string) {
	var doc struct {
		ArtifactType string              `json:"artifactType"`
		Config       *ocispec.Descriptor `json:"config"`
		Subject      *ocispec.Descriptor `json:"subject"`
		Annotations  map[string]string   `json:"annotations"`
	}
	if json.Unmarshal(raw, &doc) != nil || doc.Subject == nil {
		return nil, "", nil
	}
	artifactType = doc.ArtifactType
	if artifactType == "" && doc.Config != nil {
		artifactType = doc.Config.MediaType
	}
	return doc.Subject, artifactType, doc.Annotations
}

// unindexed is a client of repo's repository that pushes manifests
// without oras-go's referrers indexing, for the referrers whose
// fallback tag this package writes itself.
func unindexed(repo *remote.Repository) *remote.Repository {
	u := &remote.Repository{Reference: repo.Reference, PlainHTTP: repo.PlainHTTP, Client: repo.Client, MaxMetadataBytes: repo.MaxMetadataBytes}
	u.SetReferrersCapability(true)
	return u
}

// pushReferrer pushes raw (a manifest whose subject's fallback tag
// oras-go would build too long) under reference, then adds it to the
// index at ReferrersTag of its subject, as distribution-spec's tag
// schema asks.
func pushReferrer(ctx context.Context, repo *remote.Repository, d ocispec.Descriptor, raw []byte, reference string) error {
	u := unindexed(repo)
	if err := u.Manifests().PushReference(ctx, d, bytes.NewReader(raw), reference); err != nil {
		return err
	}
	subject, artifactType, annotations := subjectOf(raw)
	ix, _, err := fallbackIndex(ctx, repo, subject.Digest)
	if err != nil {
		return err
	}
	for _, m := range ix.Manifests {
		if m.Digest == d.Digest {
			return nil
		}
	}
	ix.Manifests = append(ix.Manifests, ocispec.Descriptor{MediaType: d.MediaType, Size: d.Size, Digest: d.Digest, ArtifactType: artifactType, Annotations: annotations})
	ixRaw, err := json.Marshal(ix)
	if err != nil {
		return err
	}
	ixDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Size: int64(len(ixRaw)), Digest: digest.FromBytes(ixRaw)}
	return u.Manifests().PushReference(ctx, ixDesc, bytes.NewReader(ixRaw), ReferrersTag(subject.Digest))
}
