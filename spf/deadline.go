package spf

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineCtx is the context of one check: its parent bounded by the
// check's deadline (Options.Timeout, RFC 7208 section 4.6.4). It behaves
// like context.WithDeadline, but the timer and the Done channel are made
// only when a resolver first asks for Done. A resolver that answers from
// memory or from a cache never waits, so such a check costs no timer; Err
// reads the clock instead. (context.WithTimeout costs four allocations and
// a timer, more than a whole cached check.)
type deadlineCtx struct {
	parent   context.Context
	deadline time.Time

	mu    sync.Mutex // serialises making inner
	inner atomic.Pointer[innerCtx]
}

// innerCtx is context.WithDeadline(parent, deadline), once made.
type innerCtx struct {
	ctx  context.Context
	stop context.CancelFunc
}

// withDeadline returns ctx bounded by d. When ctx already ends by d, it
// returns nil: use ctx itself. Call release when done.
func withDeadline(ctx context.Context, d time.Time) *deadlineCtx {
	if pd, ok := ctx.Deadline(); ok && !pd.After(d) {
		return nil
	}
	return &deadlineCtx{parent: ctx, deadline: d}
}

// get returns the inner context, or nil when nobody asked for Done yet.
func (c *deadlineCtx) get() context.Context {
	if in := c.inner.Load(); in != nil {
		return in.ctx
	}
	return nil
}

// release stops the timer, if any; c may be nil.
func (c *deadlineCtx) release() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if in := c.inner.Load(); in != nil {
		in.stop()
	}
}

// Deadline implements context.Context.
func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done implements context.Context; the first call starts the timer.
func (c *deadlineCtx) Done() <-chan struct{} {
	if in := c.get(); in != nil {
		return in.Done()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.inner.Load()
	if in == nil {
		ctx, stop := context.WithDeadline(c.parent, c.deadline)
		in = &innerCtx{ctx: ctx, stop: stop}
		c.inner.Store(in)
	}
	return in.ctx.Done()
}

// Err implements context.Context.
func (c *deadlineCtx) Err() error {
	if in := c.get(); in != nil {
		return in.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value implements context.Context. Once the inner context exists, it
// answers, so that contexts derived from this one attach to its
// cancellation directly, without a goroutine.
func (c *deadlineCtx) Value(key any) any {
	if in := c.get(); in != nil {
		return in.Value(key)
	}
	return c.parent.Value(key)
}
