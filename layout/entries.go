package layout

import (
	"context"
	"fmt"
	"slices"

	"github.com/concil-go/ocispec/core"
)

// Remove removes the index.json entries sel names in an OCI layout:
// those of sel.Tag (all its platforms), or with sel.Digest, those of
// that digest (of that tag too, when both are set); sel.Platform is not
// used. The blobs stay until [Layout.GC]. It returns how many entries
// went, and an error wrapping core.ErrNotFound that lists what the
// layout has when none matched. A dir: layout has no entries to remove
// (ErrNoTags).
func (l *Layout) Remove(ctx context.Context, sel Selector) (int, error) {
	k, ok := l.impl.(*ociKind)
	if !ok {
		return 0, ErrNoTags
	}
	if sel.Tag == "" && sel.Digest == "" {
		return 0, fmt.Errorf("%w: name a tag or a digest to remove", ErrInvalidReference)
	}
	if sel.Tag != "" {
		if err := ValidateTag(sel.Tag); err != nil {
			return 0, err
		}
	}
	removed := 0
	err := k.updateIndexJSON(ctx, func(ix *core.Index) error {
		var all []Entry
		for _, e := range ix.Manifests {
			all = append(all, Entry{Descriptor: e, Tag: tagOf(e)})
		}
		n := len(ix.Manifests)
		ix.Manifests = slices.DeleteFunc(ix.Manifests, func(e core.Descriptor) bool {
			return (sel.Tag == "" || tagOf(e) == sel.Tag) && (sel.Digest == "" || e.Digest == sel.Digest)
		})
		removed = n - len(ix.Manifests)
		if removed == 0 {
			return fmt.Errorf("%w: no entry of %s's index.json is %q (it has %s)", core.ErrNotFound, l, sel.String(), describeEntries(all))
		}
		return nil
	})
	return removed, err
}
