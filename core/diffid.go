package core

import (
	"encoding/json"
	"errors"
	"fmt"

	digest "github.com/opencontainers/go-digest"
)

// ErrDiffIDMismatch: an image config's rootfs.diff_ids do not name the
// uncompressed streams of the manifest's layers, one per layer in
// order (image-spec's config.md: "the order of layers ... MUST match
// the order in the manifest").
var ErrDiffIDMismatch = errors.New("core: config diff_ids do not match the layers")

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

// CheckDiffIDs checks an image config's rootfs.diff_ids against the
// diffIDs of the manifest's layers, in order; an empty entry of
// layers is a layer whose diffID is not known (a layer that is not a
// tar stream), whose config entry is taken as it is. A mismatch is an
// error wrapping ErrDiffIDMismatch naming the first layer that
// differs, or the two counts.
func CheckDiffIDs(config []byte, layers []digest.Digest) error {
	ids, err := ConfigDiffIDs(config)
	if err != nil {
		return err
	}
	if len(ids) != len(layers) {
		return fmt.Errorf("%w: the config lists %d diff_ids for %d layers", ErrDiffIDMismatch, len(ids), len(layers))
	}
	for i, l := range layers {
		if l != "" && ids[i] != l {
			return fmt.Errorf("%w: rootfs.diff_ids[%d] is %s, but layer %d's uncompressed stream is %s", ErrDiffIDMismatch, i, ids[i], i, l)
		}
	}
	return nil
}

// CheckDiffIDsOf is CheckDiffIDs for layers whose diffIDs were
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
		if got[i] == "" {
			got[i] = want[i]
		}
	}
	return CheckDiffIDs(config, got)
}
