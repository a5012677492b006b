package plugins

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A plugin's process goes through these states: running (p.inst set);
// out of service after a crash, a hang or a failed start (p.inst nil,
// p.failures counted, p.retryAt the end of the back-off); started again
// by the next call once the back-off is over (acquire, restart); closed.
// A call that succeeds resets the back-off (succeeded).

// lifeBound returns ctx, ended also when Close begins (cause ErrClosed).
func (p *Plugin) lifeBound(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(p.life, func() { cancel(context.Cause(p.life)) })
	return c, func() {
		stop()
		cancel(nil)
	}
}

// acquire returns the running process, starting one if needed: after a
// failure it first waits out the back-off, or fails with ErrBackoff at
// once when the back-off ends after wctx's deadline. Every wait ends
// with wctx: ctx (the caller's), bounded by the call timeout and Close.
// A start that ctx or Close ended counts as no failure of the plugin.
func (p *Plugin) acquire(ctx, wctx context.Context, op string) (*instance, error) {
	p.mu.Lock()
	closed, inst := p.closed, p.inst
	p.mu.Unlock()
	if closed {
		return nil, p.errorf(op, ErrClosed)
	}
	if inst != nil {
		switch {
		case inst.exited():
			p.logger.Warn("plugin process died between calls; it will be started again", "pid", inst.pid())
			p.discard(inst, "its process died between calls")
		case p.overdue(inst):
			p.logger.Warn("plugin left a call unanswered for the call timeout; stopping it", "pid", inst.pid())
			p.discard(inst, "it left a call unanswered for the call timeout")
		default:
			return inst, nil
		}
	}
	select {
	case p.startMu <- struct{}{}:
	case <-wctx.Done():
		return nil, p.ctxError(op, ctx, wctx, 0)
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
		if dl, ok := wctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, p.errorf(op, fmt.Errorf("%w: %d consecutive failures, next start in %v", ErrBackoff, failures, wait.Round(time.Millisecond)))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-wctx.Done():
			t.Stop()
			return nil, p.ctxError(op, ctx, wctx, 0)
		}
	}
	inst, err := p.restart(wctx)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, ErrClosed) {
			p.mu.Lock()
			p.failures++
			p.retryAt = time.Now().Add(p.backoff().delay(p.failures))
			p.mu.Unlock()
			p.clean.Store(false)
		}
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

// overdue reports whether a call that its caller gave up on has gone
// unanswered for the call timeout: the process is hung, even if the
// host has not yet seen that call's own deadline pass.
func (p *Plugin) overdue(inst *instance) bool {
	w := inst.watched.Load()
	return w != nil && time.Since(w.start) >= p.opts.callTimeout
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

// ctxError is the error of a wait that wctx ended: Close, the caller's
// cancellation, or a deadline (the caller's or the call timeout's).
func (p *Plugin) ctxError(op string, ctx, wctx context.Context, elapsed time.Duration) error {
	switch {
	case errors.Is(context.Cause(wctx), ErrClosed):
		return p.errorf(op, ErrClosed)
	case errors.Is(ctx.Err(), context.Canceled):
		return p.errorf(op, fmt.Errorf("call cancelled: %w", ctx.Err()))
	case elapsed > 0:
		return p.errorf(op, fmt.Errorf("%w (after %v): %w", ErrTimeout, elapsed.Round(time.Millisecond), context.DeadlineExceeded))
	}
	return p.errorf(op, fmt.Errorf("%w: %w", ErrTimeout, context.DeadlineExceeded))
}

// discard takes a failed process out of service and kills its group in
// the background; the next call starts another after the back-off. why
// is told to the other calls the process was serving.
func (p *Plugin) discard(inst *instance, why string) {
	p.clean.Store(false)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inst != inst {
		return
	}
	inst.stopped.Store(&why)
	p.inst = nil
	p.failures++
	p.retryAt = time.Now().Add(p.backoff().delay(p.failures))
	p.kills.Add(1) // under mu: Close sets closed, then waits
	go func() {
		defer p.kills.Done()
		inst.kill()
	}()
}

// succeeded resets the back-off after a call that worked.
func (p *Plugin) succeeded() {
	if p.clean.Load() {
		return
	}
	p.mu.Lock()
	p.failures = 0
	p.retryAt = time.Time{}
	p.mu.Unlock()
	p.clean.Store(true)
}
