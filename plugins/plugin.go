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
	"sync/atomic"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	digest "github.com/opencontainers/go-digest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
	"github.com/concil-go/ocispec/plugins/internal/wire"
)

// Plugin is a loaded format plugin: a process serving one format, and
// that format as a core.Format ([Plugin.Format]). It is safe for
// concurrent use. The process is started by [Load], started again after
// it crashes or hangs (on the next call, after a back-off), and stopped
// by [Plugin.Close].
type Plugin struct {
	path   string
	opts   options
	logger hclog.Logger
	info   Info
	format *pluginFormat
	reg    *core.Registry // where the format is registered, or nil

	startMu chan struct{} // serialises starts; a channel so waiting honours contexts

	mu       sync.Mutex // guards the fields below
	inst     *instance
	closed   bool
	failures int
	retryAt  time.Time

	starts   atomic.Int64
	calls    atomic.Int64   // encode, decode and detect calls sent to a process
	timeouts atomic.Int32   // calls in a row that missed their callers' deadlines
	clean    atomic.Bool    // no failure since the last success
	kills    sync.WaitGroup // processes being killed in the background
}

// Info is what a plugin says about itself, checked and cached at load.
type Info struct {
	// Name is the format's registry name.
	Name string
	// Version is the plugin's own version (free text, may be empty).
	Version string
	// Path is the absolute path of the binary.
	Path string
	// APIVersion is the protocol version host and plugin agreed on.
	APIVersion int
	// APIVersions are the protocol versions the plugin implements.
	APIVersions []int
	// Capabilities are the optional calls the plugin answers ("detect",
	// "index"), sorted.
	Capabilities []string
}

// Load starts the plugin binary at path, checks what it says about its
// format, and returns it; unless [WithRegistry] says otherwise its
// format is registered in core.Default. ctx's deadline bounds start-up
// (as does [WithStartTimeout]).
//
// Every failure is an *[Error] naming the path: ErrNotExecutable,
// ErrHandshake, ErrIncompatible, ErrStartTimeout, ErrExited,
// ErrInvalidAnswer (a name, media type or table that breaks the rules),
// ErrClaimedMediaType, a *core.DigestMismatchError (see [WithChecksum])
// or core's registration errors (a duplicate name). No process is left
// running after a failure.
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
	if err := checkExecutable(abs); err != nil {
		return nil, p.errorf("load", err)
	}
	if o.checksum != "" {
		if err := verifyChecksum(o.algorithms, abs, o.checksum); err != nil {
			return nil, p.errorf("load", err)
		}
	}
	inst, err := p.start(ctx)
	if err != nil {
		return nil, p.errorf("start", err)
	}
	info, f, err := p.describe(ctx, inst)
	if err != nil {
		inst.kill()
		return nil, p.errorf("load", err)
	}
	p.info, p.format = info, f
	p.inst = inst
	p.clean.Store(true)
	p.logger.Debug("plugin loaded", "format", info.Name, "version", info.Version, "pid", inst.pid())
	return p, nil
}

// describe asks a freshly started process for its Info and MediaTypes
// and checks them.
func (p *Plugin) describe(ctx context.Context, inst *instance) (Info, *pluginFormat, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.callTimeout)
	defer cancel()
	ir, err := inst.rpc.Info(ctx, &formatpb.InfoRequest{})
	if err != nil {
		return Info{}, nil, rpcError("Info", err)
	}
	mr, err := inst.rpc.MediaTypes(ctx, &formatpb.MediaTypesRequest{})
	if err != nil {
		return Info{}, nil, rpcError("MediaTypes", err)
	}
	info, f, err := checkDescription(ir, mr, inst.apiVersion)
	if err != nil {
		return Info{}, nil, err
	}
	info.Path = p.path
	f.p = p
	return info, f, nil
}

func rpcError(call string, err error) error {
	st, _ := status.FromError(err)
	return fmt.Errorf("%w: %s: %s: %s", ErrFailed, call, st.Code(), wire.Clean(st.Message(), wire.MaxErrorMessage))
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
			sem <- struct{}{}
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

// Format returns the plugin's format. Its lookups (Name, MediaType, Kind,
// MediaTypes, Supports) answer from the table cached at load, without
// calling the plugin; EncodeManifest and DecodeManifest call it with the
// call timeout as deadline. It implements core.Detector when the plugin
// detects documents and core.IndexFormat when it has an index, and
// core.ArtifactFielder always.
func (p *Plugin) Format() core.Format { return p.format }

// PluginOf returns the plugin that serves f, when f is a plugin's format
// (from a registry, say).
func PluginOf(f core.Format) (*Plugin, bool) {
	if pf, ok := f.(*pluginFormat); ok {
		return pf.p, true
	}
	return nil, false
}

// Info returns what the plugin said about itself at load.
func (p *Plugin) Info() Info {
	i := p.info
	i.APIVersions = slices.Clone(i.APIVersions)
	i.Capabilities = slices.Clone(i.Capabilities)
	return i
}

// Path returns the absolute path of the plugin binary.
func (p *Plugin) Path() string { return p.path }

// PID returns the process id of the running plugin process, or 0 when
// none runs (after a crash, before the restart).
func (p *Plugin) PID() int {
	p.mu.Lock()
	inst := p.inst
	p.mu.Unlock()
	if inst == nil || inst.client.Exited() {
		return 0
	}
	return inst.pid()
}

// Starts returns how many processes of the plugin have been started: 1
// after Load, one more for each restart.
func (p *Plugin) Starts() int { return int(p.starts.Load()) }

// Calls returns how many encode, decode and detect calls have been sent
// to the plugin's processes (lookups never are: they are answered from
// the description cached at load).
func (p *Plugin) Calls() int64 { return p.calls.Load() }

// Close unregisters the format and stops the plugin process, waiting
// for it to exit. Calls after Close fail with [ErrClosed]. Close is
// idempotent and returns nil.
func (p *Plugin) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	inst := p.inst
	p.inst = nil
	p.mu.Unlock()

	if p.reg != nil {
		if f, err := p.reg.Format(p.info.Name); err == nil && f == core.Format(p.format) {
			if err := p.reg.UnregisterFormat(p.info.Name); err != nil {
				p.logger.Warn("unregistering the format", "error", err)
			}
		}
	}
	p.startMu <- struct{}{} // wait for a start in progress: it sees closed and kills its process
	<-p.startMu
	if inst != nil {
		inst.shutdown()
	}
	p.kills.Wait()
	return nil
}

func (p *Plugin) errorf(op string, err error) error {
	return &Error{Plugin: p.info.Name, Path: p.path, Op: op, Err: err}
}

// acquire returns the running process, starting one if needed: after a
// failure it first waits out the back-off, or fails with ErrBackoff at
// once when the back-off ends after ctx's deadline.
func (p *Plugin) acquire(ctx context.Context, op string) (*instance, error) {
	p.mu.Lock()
	closed, inst := p.closed, p.inst
	p.mu.Unlock()
	if closed {
		return nil, p.errorf(op, ErrClosed)
	}
	if inst != nil {
		if !inst.client.Exited() {
			return inst, nil
		}
		p.logger.Warn("plugin process died between calls; it will be started again", "pid", inst.pid())
		p.discard(inst)
	}
	select {
	case p.startMu <- struct{}{}:
	case <-ctx.Done():
		return nil, p.ctxError(op, ctx)
	}
	defer func() { <-p.startMu }()

	p.mu.Lock()
	closed, inst = p.closed, p.inst
	failures, wait := p.failures, time.Until(p.retryAt)
	p.mu.Unlock()
	switch {
	case closed:
		return nil, p.errorf(op, ErrClosed)
	case inst != nil: // started while we waited
		return inst, nil
	}
	if wait > 0 {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, p.errorf(op, fmt.Errorf("%w: %d consecutive failures, next start in %v", ErrBackoff, failures, wait.Round(time.Millisecond)))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, p.ctxError(op, ctx)
		}
	}
	inst, err := p.restart(ctx)
	if err != nil {
		p.mu.Lock()
		p.failures++
		p.retryAt = time.Now().Add(p.backoff().delay(p.failures))
		p.mu.Unlock()
		p.clean.Store(false)
		return nil, p.errorf("restart", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		inst.kill()
		return nil, p.errorf(op, ErrClosed)
	}
	p.inst = inst
	return inst, nil
}

// restart starts a new process and checks that it describes the same
// format as at load.
func (p *Plugin) restart(ctx context.Context) (*instance, error) {
	inst, err := p.start(ctx)
	if err != nil {
		return nil, err
	}
	info, f, err := p.describe(ctx, inst)
	if err == nil && !sameDescription(info, f, p.info, p.format) {
		err = fmt.Errorf("%w: the restarted plugin describes another format than at load", ErrInvalidAnswer)
	}
	if err != nil {
		inst.kill()
		return nil, err
	}
	p.logger.Info("plugin restarted", "format", p.info.Name, "pid", inst.pid())
	return inst, nil
}

func (p *Plugin) backoff() backoff { return backoff{p.opts.backoff, p.opts.maxBackoff} }

func (p *Plugin) ctxError(op string, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return p.errorf(op, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err()))
	}
	return p.errorf(op, ctx.Err())
}

// discard takes a failed process out of service and kills it in the
// background; the next call starts another after the back-off.
func (p *Plugin) discard(inst *instance) {
	p.clean.Store(false)
	p.mu.Lock()
	current := p.inst == inst
	if current {
		p.inst = nil
		p.failures++
		p.retryAt = time.Now().Add(p.backoff().delay(p.failures))
	}
	p.mu.Unlock()
	if !current {
		return
	}
	p.kills.Add(1)
	go func() {
		defer p.kills.Done()
		inst.kill()
	}()
}

// succeeded resets the back-off after a call that worked.
func (p *Plugin) succeeded() {
	if p.timeouts.Load() != 0 {
		p.timeouts.Store(0)
	}
	if p.clean.Load() {
		return
	}
	p.mu.Lock()
	p.failures = 0
	p.retryAt = time.Time{}
	p.mu.Unlock()
	p.clean.Store(true)
}

// call runs one RPC with the call timeout, starting the process if
// needed, and turns failures of the process into typed errors.
func (p *Plugin) call(ctx context.Context, op string, rpc func(context.Context, formatpb.FormatClient) error) error {
	start := time.Now()
	// own: the deadline is the host's call timeout, not a sooner one of
	// the caller's.
	own := true
	if dl, ok := ctx.Deadline(); ok && dl.Before(start.Add(p.opts.callTimeout)) {
		own = false
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.callTimeout)
	defer cancel()
	inst, err := p.acquire(ctx, op)
	if err != nil {
		return err
	}
	p.calls.Add(1)
	err = rpc(ctx, inst.rpc)
	if err == nil {
		p.succeeded()
		return nil
	}
	return p.callFailed(ctx, op, inst, err, time.Since(start), own)
}

// maxCallerTimeouts is how many calls in a row may miss their callers'
// deadlines (sooner than the call timeout) before the plugin is taken
// for hung and restarted.
const maxCallerTimeouts = 3

func (p *Plugin) callFailed(ctx context.Context, op string, inst *instance, err error, elapsed time.Duration, own bool) error {
	st, _ := status.FromError(err)
	msg := wire.Clean(st.Message(), wire.MaxErrorMessage)
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	switch {
	case closed:
		return p.errorf(op, ErrClosed)
	case errors.Is(ctx.Err(), context.Canceled) || st.Code() == codes.Canceled:
		return p.errorf(op, fmt.Errorf("%w: %s", context.Canceled, msg))
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || st.Code() == codes.DeadlineExceeded:
		if own || p.timeouts.Add(1) >= maxCallerTimeouts {
			p.logger.Warn("plugin missed its deadline; stopping it", "call", op, "pid", inst.pid())
			p.discard(inst)
		}
		return p.errorf(op, fmt.Errorf("%w (after %v): %w", ErrTimeout, elapsed.Round(time.Millisecond), context.DeadlineExceeded))
	case st.Code() == codes.Internal && strings.HasPrefix(st.Message(), wire.PanicPrefix):
		return p.errorf(op, fmt.Errorf("%w: %s", ErrPanic, msg))
	case st.Code() == codes.Unimplemented:
		return p.errorf(op, fmt.Errorf("%w: %s", errors.ErrUnsupported, msg))
	case st.Code() == codes.ResourceExhausted:
		return p.errorf(op, fmt.Errorf("%w: %s", ErrInvalidAnswer, msg))
	case st.Code() == codes.Unavailable || inst.client.Exited():
		p.logger.Warn("plugin process died; it will be started again", "call", op, "pid", inst.pid())
		p.discard(inst)
		return p.errorf(op, fmt.Errorf("%w: %s", ErrCrashed, msg))
	}
	// Anything else leaves the connection in doubt: start afresh.
	p.discard(inst)
	return p.errorf(op, fmt.Errorf("%w: %s: %s", ErrFailed, st.Code(), msg))
}

// EncodeManifest encodes m through the plugin within ctx and the call
// timeout. The answer is checked: a JSON document of at most 4 MiB that
// contains every digest of m.
func (p *Plugin) EncodeManifest(ctx context.Context, m core.Manifest, enc core.Encoding) ([]byte, error) {
	const op = "EncodeManifest"
	penc, err := wire.EncodingToProto(enc)
	if err != nil {
		return nil, p.errorf(op, err)
	}
	req := &formatpb.EncodeManifestRequest{Manifest: wire.ManifestToProto(m), Encoding: penc}
	var resp *formatpb.EncodeResponse
	if err := p.call(ctx, op, func(ctx context.Context, c formatpb.FormatClient) (err error) {
		resp, err = c.EncodeManifest(ctx, req)
		return err
	}); err != nil {
		return nil, err
	}
	b, err := checkEncoded(resp, manifestDigests(m))
	if err != nil {
		return nil, p.errorf(op, err)
	}
	return b, nil
}

// DecodeManifest decodes a manifest through the plugin within ctx and
// the call timeout. The answer is checked like any untrusted manifest
// (core's ValidateManifest with the registry's digest algorithms), and
// each of its digests must be written in data.
func (p *Plugin) DecodeManifest(ctx context.Context, data []byte) (core.Manifest, error) {
	const op = "DecodeManifest"
	if len(data) > wire.MaxDocumentSize {
		return core.Manifest{}, p.errorf(op, fmt.Errorf("%w: %d bytes, limit %d", core.ErrTooLarge, len(data), wire.MaxDocumentSize))
	}
	var resp *formatpb.DecodeManifestResponse
	if err := p.call(ctx, op, func(ctx context.Context, c formatpb.FormatClient) (err error) {
		resp, err = c.DecodeManifest(ctx, &formatpb.DecodeRequest{Document: data})
		return err
	}); err != nil {
		return core.Manifest{}, err
	}
	m, err := checkDecodedManifest(resp, data, p.validator())
	if err != nil {
		return core.Manifest{}, p.errorf(op, err)
	}
	return m, nil
}

// EncodeIndex encodes ix through a plugin that has an index.
func (p *Plugin) EncodeIndex(ctx context.Context, ix core.Index, enc core.Encoding) ([]byte, error) {
	const op = "EncodeIndex"
	if !p.has(capIndex) {
		return nil, p.errorf(op, fmt.Errorf("format %q has no index: %w", p.info.Name, errors.ErrUnsupported))
	}
	penc, err := wire.EncodingToProto(enc)
	if err != nil {
		return nil, p.errorf(op, err)
	}
	req := &formatpb.EncodeIndexRequest{Index: wire.IndexToProto(ix), Encoding: penc}
	var resp *formatpb.EncodeResponse
	if err := p.call(ctx, op, func(ctx context.Context, c formatpb.FormatClient) (err error) {
		resp, err = c.EncodeIndex(ctx, req)
		return err
	}); err != nil {
		return nil, err
	}
	b, err := checkEncoded(resp, indexDigests(ix))
	if err != nil {
		return nil, p.errorf(op, err)
	}
	return b, nil
}

// DecodeIndex decodes an index through a plugin that has one.
func (p *Plugin) DecodeIndex(ctx context.Context, data []byte) (core.Index, error) {
	const op = "DecodeIndex"
	if !p.has(capIndex) {
		return core.Index{}, p.errorf(op, fmt.Errorf("format %q has no index: %w", p.info.Name, errors.ErrUnsupported))
	}
	if len(data) > wire.MaxDocumentSize {
		return core.Index{}, p.errorf(op, fmt.Errorf("%w: %d bytes, limit %d", core.ErrTooLarge, len(data), wire.MaxDocumentSize))
	}
	var resp *formatpb.DecodeIndexResponse
	if err := p.call(ctx, op, func(ctx context.Context, c formatpb.FormatClient) (err error) {
		resp, err = c.DecodeIndex(ctx, &formatpb.DecodeRequest{Document: data})
		return err
	}); err != nil {
		return core.Index{}, err
	}
	ix, err := checkDecodedIndex(resp, data, p.validator())
	if err != nil {
		return core.Index{}, p.errorf(op, err)
	}
	return ix, nil
}

// Detect asks a plugin that detects documents whether data belongs to
// its format.
func (p *Plugin) Detect(ctx context.Context, data []byte) (bool, error) {
	const op = "Detect"
	if !p.has(capDetect) {
		return false, p.errorf(op, fmt.Errorf("format %q does not detect documents: %w", p.info.Name, errors.ErrUnsupported))
	}
	if len(data) > wire.MaxDocumentSize {
		return false, nil
	}
	var resp *formatpb.DetectResponse
	if err := p.call(ctx, op, func(ctx context.Context, c formatpb.FormatClient) (err error) {
		resp, err = c.Detect(ctx, &formatpb.DetectRequest{Document: data})
		return err
	}); err != nil {
		return false, err
	}
	return resp.GetMatch(), nil
}

func (p *Plugin) has(capability string) bool { return slices.Contains(p.info.Capabilities, capability) }

// validator is the algorithms that check answers: the registry's.
func (p *Plugin) validator() *core.Algorithms { return p.opts.algorithms }

func manifestDigests(m core.Manifest) []digest.Digest {
	ds := make([]digest.Digest, 0, 2+len(m.Layers))
	ds = append(ds, m.Config.Digest)
	for _, l := range m.Layers {
		ds = append(ds, l.Digest)
	}
	if m.Subject != nil {
		ds = append(ds, m.Subject.Digest)
	}
	return ds
}

func indexDigests(ix core.Index) []digest.Digest {
	ds := make([]digest.Digest, 0, 1+len(ix.Manifests))
	for _, d := range ix.Manifests {
		ds = append(ds, d.Digest)
	}
	if ix.Subject != nil {
		ds = append(ds, ix.Subject.Digest)
	}
	return ds
}
