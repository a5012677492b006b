package plugins

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	digest "github.com/opencontainers/go-digest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
	"github.com/concil-go/ocispec/plugins/internal/wire"
)

// rpc is one method of the protocol's client, as a method expression
// (formatpb.FormatClient.DecodeManifest, say).
type rpc[Req, Resp any] func(formatpb.FormatClient, context.Context, Req, ...grpc.CallOption) (Resp, error)

// watch marks the call a caller gave up on whose answer the host still
// awaits, to learn whether the plugin hangs (instance.watched).
type watch struct{ start time.Time }

// pending is a call whose RPC runs in a goroutine of its own, so that
// its caller's context ends the caller's wait at once.
type pending[Resp any] struct {
	done chan struct{}

	mu       sync.Mutex
	resp     Resp
	err      error
	finished bool
	watch    *watch // set when the caller gave up and this call is the one watched
}

// roundTrip sends one call to the plugin, starting its process if
// needed, and classifies what goes wrong.
//
// Deadlines: the host's call timeout bounds the whole call (a restart
// included). The caller's context ends the caller's wait, at once; the
// RPC itself runs under the host's deadline only, so the host learns
// whether the plugin hangs whatever deadline its callers chose: a call
// left unanswered for the call timeout gets the process stopped, and
// the next call starts another. Of the calls callers gave up on, one per
// process is watched that way; the others are cancelled. Close ends
// every call.
func roundTrip[Req, Resp any](ctx context.Context, p *Plugin, op string, call rpc[Req, Resp], req Req) (Resp, error) {
	var zero Resp
	start := time.Now()
	deadline := start.Add(p.opts.callTimeout)
	wctx, cancelW := p.lifeBound(ctx)
	defer cancelW()
	wctx, cancelWD := context.WithDeadline(wctx, deadline)
	defer cancelWD()
	inst, err := p.acquire(ctx, wctx, op)
	if err != nil {
		return zero, err
	}

	rctx, cancelR := p.lifeBound(context.WithoutCancel(ctx))
	rctx, cancelRD := context.WithDeadline(rctx, deadline)
	cancel := func() {
		cancelRD()
		cancelR()
	}
	p.calls.Add(1)
	if ctx.Done() == nil { // a context that never ends: no goroutine needed
		defer cancel()
		resp, err := call(inst.rpc, rctx, req)
		return resp, p.answered(op, rctx, inst, err, start)
	}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		cancel()
		return zero, p.errorf(op, ErrClosed)
	}
	p.inflight.Add(1) // under mu: Close sets closed, then waits
	p.mu.Unlock()
	c := &pending[Resp]{done: make(chan struct{})}
	go func() {
		defer p.inflight.Done()
		defer cancel()
		resp, err := call(inst.rpc, rctx, req)
		err = p.answered(op, rctx, inst, err, start)
		c.mu.Lock()
		c.resp, c.err, c.finished = resp, err, true
		w := c.watch
		c.mu.Unlock()
		close(c.done)
		if w != nil {
			inst.watched.CompareAndSwap(w, nil)
		}
	}()
	select {
	case <-c.done:
		return c.resp, c.err
	case <-ctx.Done():
	}
	c.mu.Lock()
	if c.finished {
		c.mu.Unlock()
		return c.resp, c.err
	}
	w := &watch{start: start}
	if inst.watched.CompareAndSwap(nil, w) {
		c.watch = w
	}
	c.mu.Unlock()
	if c.watch == nil {
		cancel()
	}
	return zero, p.ctxError(op, ctx, wctx, time.Since(start))
}

// answered turns the outcome of an RPC into the call's error; failures
// of the process take it out of service.
func (p *Plugin) answered(op string, rctx context.Context, inst *instance, err error, start time.Time) error {
	if err == nil {
		p.succeeded()
		return nil
	}
	st, _ := status.FromError(err)
	msg := wire.Clean(st.Message(), wire.MaxErrorMessage)
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	switch {
	case closed || errors.Is(context.Cause(rctx), ErrClosed):
		return p.errorf(op, ErrClosed)
	case errors.Is(rctx.Err(), context.Canceled) || st.Code() == codes.Canceled:
		return p.errorf(op, fmt.Errorf("%w: %s", context.Canceled, msg))
	case errors.Is(rctx.Err(), context.DeadlineExceeded) || st.Code() == codes.DeadlineExceeded:
		p.logger.Warn("plugin did not answer within the call timeout; stopping it", "call", op, "pid", inst.pid())
		p.discard(inst, "it left a call unanswered for the call timeout")
		return p.errorf(op, fmt.Errorf("%w (after %v): %w", ErrTimeout, time.Since(start).Round(time.Millisecond), context.DeadlineExceeded))
	case st.Code() == codes.Internal && strings.HasPrefix(st.Message(), wire.PanicPrefix):
		return p.errorf(op, fmt.Errorf("%w: %s", ErrPanic, msg))
	case st.Code() == codes.Unimplemented:
		return p.errorf(op, fmt.Errorf("%w: %s", errors.ErrUnsupported, msg))
	case st.Code() == codes.ResourceExhausted:
		return p.errorf(op, fmt.Errorf("%w: %s", ErrInvalidAnswer, msg))
	case st.Code() == codes.Unavailable || inst.exited():
		if why := inst.stopped.Load(); why != nil {
			return p.errorf(op, fmt.Errorf("%w: the host stopped the process: %s", ErrCrashed, *why))
		}
		p.logger.Warn("plugin process died; it will be started again", "call", op, "pid", inst.pid())
		p.discard(inst, "it died during a call")
		return p.errorf(op, fmt.Errorf("%w: %s", ErrCrashed, msg))
	}
	// Anything else leaves the connection in doubt: start afresh.
	p.discard(inst, "its connection failed")
	return p.errorf(op, fmt.Errorf("%w: %s: %s", ErrFailed, st.Code(), msg))
}

// rpcError classifies a failed description call (Info, MediaTypes) of
// a process being started: ctx is the caller's, dctx the call's.
func rpcError(call string, ctx, dctx context.Context, inst *instance, err error) error {
	st, _ := status.FromError(err)
	msg := wire.Clean(st.Message(), wire.MaxErrorMessage)
	switch {
	case errors.Is(context.Cause(dctx), ErrClosed):
		return ErrClosed
	case errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("%s cancelled: %w", call, ctx.Err())
	case errors.Is(dctx.Err(), context.DeadlineExceeded) || st.Code() == codes.DeadlineExceeded:
		return fmt.Errorf("%w: %s: no answer in time: %w", ErrTimeout, call, context.DeadlineExceeded)
	case st.Code() == codes.Unimplemented:
		return fmt.Errorf("%w: the plugin does not implement %s: %s", ErrIncompatible, call, msg)
	case inst.exited():
		return fmt.Errorf("%w: during %s: %s", ErrExited, call, msg)
	}
	return fmt.Errorf("%w: %s: %s: %s", ErrFailed, call, st.Code(), msg)
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
	resp, err := roundTrip(ctx, p, op, formatpb.FormatClient.EncodeManifest,
		&formatpb.EncodeManifestRequest{Manifest: wire.ManifestToProto(m), Encoding: penc})
	if err != nil {
		return nil, err
	}
	v, err := checkEncoded(resp, manifestDigests(m))
	return v, p.wrap(op, err)
}

// DecodeManifest decodes a manifest through the plugin within ctx and
// the call timeout. The answer is checked like any untrusted manifest
// (core's ValidateManifest with the registry's digest algorithms), and
// each of its digests must be written in data.
func (p *Plugin) DecodeManifest(ctx context.Context, data []byte) (core.Manifest, error) {
	const op = "DecodeManifest"
	if err := checkSize(data); err != nil {
		return core.Manifest{}, p.errorf(op, err)
	}
	resp, err := roundTrip(ctx, p, op, formatpb.FormatClient.DecodeManifest, &formatpb.DecodeRequest{Document: data})
	if err != nil {
		return core.Manifest{}, err
	}
	v, err := checkDecodedManifest(resp, data, p.validator())
	return v, p.wrap(op, err)
}

// EncodeIndex encodes ix through a plugin that has an index.
func (p *Plugin) EncodeIndex(ctx context.Context, ix core.Index, enc core.Encoding) ([]byte, error) {
	const op = "EncodeIndex"
	if err := p.need(capIndex); err != nil {
		return nil, p.errorf(op, err)
	}
	penc, err := wire.EncodingToProto(enc)
	if err != nil {
		return nil, p.errorf(op, err)
	}
	resp, err := roundTrip(ctx, p, op, formatpb.FormatClient.EncodeIndex,
		&formatpb.EncodeIndexRequest{Index: wire.IndexToProto(ix), Encoding: penc})
	if err != nil {
		return nil, err
	}
	v, err := checkEncoded(resp, indexDigests(ix))
	return v, p.wrap(op, err)
}

// DecodeIndex decodes an index through a plugin that has one.
func (p *Plugin) DecodeIndex(ctx context.Context, data []byte) (core.Index, error) {
	const op = "DecodeIndex"
	if err := p.need(capIndex); err != nil {
		return core.Index{}, p.errorf(op, err)
	}
	if err := checkSize(data); err != nil {
		return core.Index{}, p.errorf(op, err)
	}
	resp, err := roundTrip(ctx, p, op, formatpb.FormatClient.DecodeIndex, &formatpb.DecodeRequest{Document: data})
	if err != nil {
		return core.Index{}, err
	}
	v, err := checkDecodedIndex(resp, data, p.validator())
	return v, p.wrap(op, err)
}

// Detect asks a plugin that detects documents whether data belongs to
// its format. A document larger than the protocol allows is not its.
func (p *Plugin) Detect(ctx context.Context, data []byte) (bool, error) {
	const op = "Detect"
	if err := p.need(capDetect); err != nil {
		return false, p.errorf(op, err)
	}
	if checkSize(data) != nil {
		return false, nil
	}
	resp, err := roundTrip(ctx, p, op, formatpb.FormatClient.Detect, &formatpb.DetectRequest{Document: data})
	if err != nil {
		return false, err
	}
	return resp.GetMatch(), nil
}

// wrap names the plugin and the call in the error of an answer's check.
func (p *Plugin) wrap(op string, err error) error {
	if err != nil {
		return p.errorf(op, err)
	}
	return nil
}

func checkSize(data []byte) error {
	if len(data) > wire.MaxDocumentSize {
		return fmt.Errorf("%w: %d bytes, limit %d", core.ErrTooLarge, len(data), wire.MaxDocumentSize)
	}
	return nil
}

// need refuses a call of a capability the plugin does not have.
func (p *Plugin) need(capability string) error {
	if slices.Contains(p.info.Capabilities, capability) {
		return nil
	}
	what := map[string]string{capIndex: "has no index", capDetect: "does not detect documents"}[capability]
	return fmt.Errorf("format %q %s: %w", p.info.Name, what, errors.ErrUnsupported)
}

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
