package cli

import (
	"github.com/concil-go/ocispec/core"
)

// validateConfig checks an image config by config.md, with core's strict
// parser (exact keys, no key twice, valid UTF-8). It returns the
// warnings (what is odd but not against config.md) and every problem,
// each a *core.FieldError.
func validateConfig(data []byte) (warnings []error, problems error) {
	c, err := core.ParseImageConfig(data)
	if err != nil {
		return nil, err
	}
	return core.ImageConfigWarnings(c), core.ValidateImageConfig(c)
}
