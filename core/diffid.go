package core

import (
	"encoding/json"
	"fmt"

	digest "github.com/opencontainers/go-digest"
)

// ConfigDiffIDs reads an image config's rootfs.diff_ids, and nothing
// else of it. A config that is not a JSON object, or whose rootfs or
// diff_ids are not what config.md says (an object; an array of
// digests), is an error wrapping ErrInvalidDocument.
func ConfigDiffIDs(config []byte) ([]digest.Digest, error) {
	var c struct {
		RootFS *struct {
			DiffIDs *[]string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(config, &c); err != nil {
		return nil, fmt.Errorf("%w: config: %w", ErrInvalidDocument, err)
	}
	if c.RootFS == nil || c.RootFS.DiffIDs == nil {
		return nil, fmt.Errorf("%w: config: rootfs.diff_ids missing", ErrInvalidDocument)
	}
	out := make([]digest.Digest, len(*c.RootFS.DiffIDs))
	for i, s := range *c.RootFS.DiffIDs {
		out[i] = digest.Digest(s)
		if err := ValidateDigest(out[i]); err != nil {
			return nil, fmt.Errorf("%w: config: rootfs.diff_ids[%d]: %w", ErrInvalidDocument, i, err)
		}
	}
	return out, nil
}

// CheckConfigDiffIDs is [CheckDiffIDs] of a config's bytes, read by
// [ConfigDiffIDs] (its rootfs.diff_ids only, so that a config the strict
// parser refuses for another reason is still checked against its
// layers).
func CheckConfigDiffIDs(config []byte, layers []digest.Digest) error {
	ids, err := ConfigDiffIDs(config)
	if err != nil {
		return err
	}
	return compareDiffIDs(ids, layers)
}

// CheckDiffIDsOf is [CheckConfigDiffIDs] for layers whose diffIDs were
// computed in several algorithms: layers[i] holds layer i's, and the
// one of the algorithm of the config's entry is compared; a layer with
// none of that algorithm (nil: not a tar stream, or not read) is taken
// as the config says.
func CheckDiffIDsOf(config []byte, layers [][]digest.Digest) error {
	want, err := ConfigDiffIDs(config)
	if err != nil {
		return err
	}
	got := make([]digest.Digest, len(layers))
	for i := range layers {
		if i >= len(want) {
			break
		}
		for _, id := range layers[i] {
			if AlgorithmOf(id) == AlgorithmOf(want[i]) {
				got[i] = id
			}
		}
	}
	return compareDiffIDs(want, got)
}
