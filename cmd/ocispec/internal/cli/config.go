package cli

import (
	"github.com/concil-go/ocispec/core"
)

// validateConfig checks an image config by config.md, with core's strict
// parser (exact keys, no key twice, valid UTF-8): every problem, each a
// *core.FieldError, and the warnings (what config.md does not require).
func validateConfig(data []byte) (problems error, warnings []error) {
	c, err := core.ParseImageConfig(data)
	if err != nil {
		return err, nil
	}
	return core.ValidateImageConfig(c), core.ImageConfigWarnings(c)
}
