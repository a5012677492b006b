package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins"
)

// pluginDirectory is the folder plugins are loaded from: --plugin-dir,
// else $OCISPEC_PLUGIN_DIR, else none.
func (a *app) pluginDirectory() string {
	if a.pluginDir != "" {
		return a.pluginDir
	}
	return os.Getenv(plugins.EnvPluginDir)
}

// registry returns the command's registry of formats: the built-in
// formats and those of the plugins of the plugin folder (loaded on first
// use, as loadPlugins does, with warnings), and the algorithms of
// package digesters. The command never reads core.Default.
func (a *app) registry() *core.Registry {
	a.loadPlugins(true)
	return a.reg
}

// pluginDirSource says where the plugin folder's name came from.
func (a *app) pluginDirSource() string {
	if a.pluginDir != "" {
		return "--plugin-dir"
	}
	return "$" + plugins.EnvPluginDir
}

// loadPlugins loads the plugins of the plugin folder once, registering
// their formats in the command's registry. Plugins that fail to load are reported
// as warnings on stderr (unless warn is false) and returned as an error
// wrapping [ErrPlugins]; the others are usable.
func (a *app) loadPlugins(warn bool) error {
	if a.pluginsDone {
		return a.pluginErr
	}
	a.pluginsDone = true
	dir := a.pluginDirectory()
	if dir == "" {
		return nil
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		what := "does not exist"
		if err == nil {
			what = "is not a folder"
		} else if !errors.Is(err, fs.ErrNotExist) {
			what = "cannot be read: " + userMessage(err)
		}
		a.pluginErr = fmt.Errorf("%w: the plugin folder %s %s (it comes from %s)", ErrPlugins, dir, what, a.pluginDirSource())
		if warn {
			a.warn(errors.New(strings.TrimPrefix(userMessage(a.pluginErr), "plugins failed to load: ")))
		}
		return a.pluginErr
	}
	a.debug("loading plugins from %s", dir)
	loaded, err := plugins.LoadDir(a.ctx, dir, plugins.WithLogger(a.logger()), plugins.WithRegistry(a.reg))
	a.loaded = loaded
	for _, p := range loaded {
		a.debug("plugin %s loaded from %s", p.Format().Describe().Name, p.Path())
	}
	if err != nil {
		if a.ctx.Err() != nil {
			return a.ctx.Err()
		}
		a.pluginErr = fmt.Errorf("%w: %w", ErrPlugins, err)
		if warn {
			a.warn(err)
		}
	}
	return a.pluginErr
}

func (a *app) closePlugins() {
	if len(a.loaded) > 0 {
		plugins.CloseAll(a.loaded)
		a.loaded = nil
	}
}

// pluginPath returns the binary serving format name, or "" for a
// built-in format.
func (a *app) pluginPath(name string) string {
	for _, p := range a.loaded {
		if p.Format().Describe().Name == name {
			return p.Path()
		}
	}
	return ""
}

// format returns the format called name, built-in or from a plugin.
// An unknown name is an error that lists the known ones and, when a
// plugin failed to load, says so.
func (a *app) format(name string) (core.Format, error) {
	f, err := a.registry().Format(name)
	if err != nil {
		where := "formats of plugins are loaded from --plugin-dir or $" + plugins.EnvPluginDir
		if dir := a.pluginDirectory(); dir != "" {
			where = "plugins were loaded from " + dir
		}
		known := a.reg.FormatNames()
		err := fmt.Errorf("unknown format %q (known: %s%s; %s)", name, strings.Join(known, ", "), didYouMean(name, known), where)
		if a.pluginErr != nil {
			// It may be the format of the plugin that failed: the
			// command failed, the command line may be right.
			return nil, fmt.Errorf("%w; a plugin failed to load: see the warning above", err)
		}
		return nil, &usageError{err}
	}
	return f, nil
}

// hasKind reports whether kind is in f's table.
func hasKind(f core.Format, kind string) bool {
	_, ok := f.Describe().Table.LookupMediaType(kind)
	return ok
}

// kindsOf lists f's kinds, sorted.
func kindsOf(f core.Format) string {
	return strings.Join(f.Describe().Table.Kinds(), ", ")
}
