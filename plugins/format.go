package plugins

import (
	"context"
	"errors"
	"fmt"

	"github.com/concil-go/ocispec/core"
)

// pluginFormat is a plugin's core.Format: one type for every plugin,
// whatever it can do, because capabilities are data in its description.
// Describe answers from the description cached at load; the codec
// methods call the plugin under the caller's context.
type pluginFormat struct {
	p    *Plugin
	desc core.Description
	// index: the plugin answers EncodeIndex and DecodeIndex.
	index bool
}

func (f *pluginFormat) Describe() core.Description { return f.desc }
func (f *pluginFormat) String() string             { return f.desc.Name }

// Plugin returns the plugin that serves the format.
func (f *pluginFormat) Plugin() *Plugin { return f.p }

func (f *pluginFormat) EncodeManifest(ctx context.Context, m core.Manifest, enc core.Encoding) ([]byte, error) {
	return f.p.EncodeManifest(ctx, m, enc)
}

func (f *pluginFormat) DecodeManifest(ctx context.Context, data []byte) (core.Manifest, error) {
	return f.p.DecodeManifest(ctx, data)
}

func (f *pluginFormat) EncodeIndex(ctx context.Context, ix core.Index, enc core.Encoding) ([]byte, error) {
	if !f.index {
		return nil, f.noIndex()
	}
	return f.p.EncodeIndex(ctx, ix, enc)
}

func (f *pluginFormat) DecodeIndex(ctx context.Context, data []byte) (core.Index, error) {
	if !f.index {
		return core.Index{}, f.noIndex()
	}
	return f.p.DecodeIndex(ctx, data)
}

// Detect asks the plugin, when it detects (the description's Detects; a
// registry asks only then). A plugin that fails to answer does not
// claim the document; the failure is logged and returned.
func (f *pluginFormat) Detect(ctx context.Context, data []byte) (bool, error) {
	if !f.desc.Detects {
		return false, nil
	}
	ok, err := f.p.Detect(ctx, data)
	if err != nil {
		f.p.logger.Warn("detect failed", "error", err)
		return false, err
	}
	return ok, nil
}

func (f *pluginFormat) noIndex() error {
	return fmt.Errorf("plugins: format %q has no index: %w", f.desc.Name, errors.ErrUnsupported)
}

var (
	_ core.IndexFormat = (*pluginFormat)(nil)
	_ core.Detector    = (*pluginFormat)(nil)
)
