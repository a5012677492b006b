package core_test

import (
	"errors"
	"testing"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// The example config of image-spec's config.md (its rootfs part).
const specConfig = `{"architecture":"amd64","os":"linux","rootfs":{"diff_ids":["sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1","sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"],"type":"layers"},"history":[{"created":"2015-10-31T22:22:54.690851953Z","created_by":"/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /"},{"created":"2015-10-31T22:22:55.613815829Z","created_by":"/bin/sh -c #(nop) CMD [\"sh\"]","empty_layer":true}]}`

func TestCheckConfigDiffIDs(t *testing.T) {
	a := digest.Digest("sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1")
	b := digest.Digest("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")
	tests := []struct {
		name   string
		config string
		layers []digest.Digest
		want   error
	}{
		{"spec example", specConfig, []digest.Digest{a, b}, nil},
		{"unknown second layer", specConfig, []digest.Digest{a, ""}, nil},
		{"swapped", specConfig, []digest.Digest{b, a}, core.ErrDiffIDMismatch},
		{"one layer too few", specConfig, []digest.Digest{a}, core.ErrDiffIDMismatch},
		{"no rootfs", `{"architecture":"amd64","os":"linux"}`, nil, core.ErrInvalidDocument},
		{"diff_ids not digests", `{"rootfs":{"type":"layers","diff_ids":["abc"]}}`, []digest.Digest{a}, core.ErrInvalidDocument},
		{"not JSON", `README`, nil, core.ErrInvalidDocument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := core.CheckConfigDiffIDs([]byte(tt.config), tt.layers)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("CheckConfigDiffIDs = %v, want %v", err, tt.want)
			}
		})
	}
}
