package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
)

// Load starts the plugin binary at path, checks what it says about its
// format, and returns it; unless [WithRegistry] says otherwise its
// format is registered in core.Default. Start-up is bounded by the
// start timeout ([WithStartTimeout]) and by ctx: when ctx is cancelled,
// Load returns at once with an error wrapping context.Canceled; when
// its deadline passes, with ErrStartTimeout wrapping
// context.DeadlineExceeded.
//
// Every failure is an *[Error] naming the path: ErrNotExecutable,
// ErrHandshake, ErrIncompatible, ErrStartTimeout, ErrExited, ErrTimeout
// (the description was not given within the call timeout),
// ErrInvalidAnswer (a name, media type or table that breaks the rules),
// ErrClaimedMediaType, a *core.DigestMismatchError (see [WithChecksum]),
// a context error or core's registration errors (a duplicate name). No
// process of the plugin's process group is left running after a
// failure.
func Load(ctx context.Context, path string, opts ...Option) (*Plugin, error) {
	o := buildOptions(opts)
	p, err := load(ctx, path, o)
	if err != nil {
		return nil, err
	}
	if err := p.register(o.registry); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// load starts and describes a plugin without registering it.
func load(ctx context.Context, path string, o options) (*Plugin, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{Path: path, Op: "load", Err: fmt.Errorf("%w: %w", ErrNotExecutable, err)}
	}
	p := &Plugin{
		path:    abs,
		opts:    o,
		logger:  newHCLogger(o.logger).Named(filepath.Base(abs)),
		startMu: make(chan struct{}, 1),
	}
	p.life, p.endLife = context.WithCancelCause(context.Background())
	fail := func(op string, err error) (*Plugin, error) {
		p.endLife(nil)
		return nil, p.errorf(op, err)
	}
	inst, err := p.start(ctx)
	if err != nil {
		return fail("start", err)
	}
	info, f, err := p.describe(ctx, inst)
	if err != nil {
		inst.kill()
		return fail("load", err)
	}
	p.info, p.format = info, f
	p.inst = inst
	p.clean.Store(true)
	p.logger.Debug("plugin loaded", "format", info.Name, "version", info.Version, "pid", inst.pid())
	return p, nil
}

// describe asks a freshly started process for its Info and MediaTypes
// and checks them.
// Each call is bounded by ctx, the call timeout and Close.
func (p *Plugin) describe(ctx context.Context, inst *instance) (Info, *pluginFormat, error) {
	dctx, cancel := p.lifeBound(ctx)
	defer cancel()
	dctx, cancelT := context.WithTimeout(dctx, p.opts.callTimeout)
	defer cancelT()
	ir, err := inst.rpc.Info(dctx, &formatpb.InfoRequest{})
	if err != nil {
		return Info{}, nil, rpcError("Info", ctx, dctx, inst, err)
	}
	mr, err := inst.rpc.MediaTypes(dctx, &formatpb.MediaTypesRequest{})
	if err != nil {
		return Info{}, nil, rpcError("MediaTypes", ctx, dctx, inst, err)
	}
	info, f, err := checkDescription(ir, mr, inst.apiVersion)
	if err != nil {
		return Info{}, nil, err
	}
	info.Path = p.path
	f.p = p
	return info, f, nil
}

// register checks that the format claims no other format's media types
// and registers it in r (nil: nowhere).
func (p *Plugin) register(r *core.Registry) error {
	var regs []*core.Registry
	if r != nil {
		regs = append(regs, r)
	}
	if err := checkClaims(p.format, regs); err != nil {
		return p.errorf("load", err)
	}
	if r == nil {
		return nil
	}
	if err := r.RegisterFormat(p.format); err != nil {
		return p.errorf("register", err)
	}
	p.reg = r
	return nil
}

// LoadDir loads every plugin of a folder: each regular file with an
// execute bit whose name does not start with ".", in name order (which is
// the order their formats are registered in; where two formats share a
// manifest media type, the first registered wins lookups by type). dir
// "" means the folder named by the environment variable [EnvPluginDir];
// when that is unset too, LoadDir loads nothing and returns no error.
//
// It returns every plugin that loaded, and an error joining one *[Error]
// per plugin that did not: one broken plugin does not keep the others
// from working. Files without an execute bit are skipped (and logged).
// ctx bounds every start-up as it does Load's: cancelled, LoadDir
// returns at once, with every plugin's error wrapping context.Canceled.
func LoadDir(ctx context.Context, dir string, opts ...Option) ([]*Plugin, error) {
	if dir == "" {
		dir = os.Getenv(EnvPluginDir)
		if dir == "" {
			return nil, nil
		}
	}
	o := buildOptions(opts)
	logger := newHCLogger(o.logger)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &Error{Path: dir, Op: "LoadDir", Err: err}
	}
	var paths []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if fi.Mode().Perm()&0o111 == 0 {
			logger.Warn("skipping a file without execute permission in the plugin folder", "path", path)
			continue
		}
		paths = append(paths, path)
	}
	slices.Sort(paths)

	type result struct {
		p   *Plugin
		err error
	}
	results := make([]result, len(paths))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, path := range paths {
		po := o
		if o.checksums != nil {
			sum, ok := o.checksums[filepath.Base(path)]
			if !ok {
				results[i].err = &Error{Path: path, Op: "load", Err: fmt.Errorf("%w: no checksum given for %q", core.ErrDigestMismatch, filepath.Base(path))}
				continue
			}
			po.checksum = sum
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i].err = &Error{Path: path, Op: "load", Err: fmt.Errorf("start cancelled: %w", ctx.Err())}
				return
			}
			defer func() { <-sem }()
			results[i].p, results[i].err = load(ctx, path, po)
		}()
	}
	wg.Wait()

	var loaded []*Plugin
	var errs []error
	for _, r := range results {
		if r.err == nil {
			r.err = r.p.register(o.registry)
			if r.err != nil {
				r.p.Close()
			}
		}
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		loaded = append(loaded, r.p)
	}
	return loaded, errors.Join(errs...)
}

// CloseAll closes every plugin and returns the errors joined.
func CloseAll(ps []*Plugin) error {
	var errs []error
	for _, p := range ps {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}
