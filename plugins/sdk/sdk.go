package sdk

import (
	"fmt"
	"os"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/wire"
)

// APIVersion is the version of the plugin protocol this SDK speaks.
const APIVersion = wire.APIVersion

// Serve serves f to the host that started the process and returns when
// the host stops the plugin. The version the plugin reports is f's
// description's, or else the module version its binary was built from. f must describe itself validly
// (core.ValidateFormat): a nil or malformed format is reported on
// standard error and the process exits with status 1, which the host
// reports as a plugin that failed to start. Run outside a host, Serve
// explains that the binary is a plugin and exits with status 1.
func Serve(f core.Format) {
	if err := check(f); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.Exit(1)
	}
	wire.Serve(wire.ServeConfig{Server: wire.NewServer(f)})
}

// check validates f, turning a panic in its methods into an error.
func check(f core.Format) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panic while describing it: %v", ErrInvalidFormat, r)
		}
	}()
	if f == nil {
		return fmt.Errorf("%w: nil", ErrInvalidFormat)
	}
	if err := core.ValidateFormat(f); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidFormat, err)
	}
	return nil
}
