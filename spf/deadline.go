package spf

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yubinmail/yubin/internal/dnsclient"
)

// deadlineCtx is the context of one check: its parent bounded by the
// check's time limit (Options.Timeout, RFC 7208 section 4.6.4). It behaves
// like context.WithTimeout, but lazily:
//   - the clock starts when the resolver first uses the context (the work
//     before the first lookup is a few microseconds of parsing), so a check
//     reads the clock once less;
//   - the timer and the Done channel are made only when the resolver first
//     asks for Done. A resolver that answers from memory or from a cache
//     never waits, so such a check costs no timer; Err reads the clock
//     instead.
//
// context.WithTimeout costs four allocations and a timer, more than a whole
// cached check.
type deadlineCtx struct {
	parent  context.Context
	timeout time.Duration

	mu       sync.Mutex  // serialises starting the clock and making inner
	started  atomic.Bool // deadline is set
	deadline time.Time
	inner    atomic.Pointer[innerCtx]
}

// innerCtx is context.WithDeadline(parent, deadline), once made.
type innerCtx struct {
	ctx  context.Context
	stop context.CancelFunc
}

// withTimeout returns ctx bounded by timeout. When ctx already ends within
// timeout, it returns nil: use ctx itself. Call release when done.
func withTimeout(ctx context.Context, timeout time.Duration) *deadlineCtx {
	if pd, ok := ctx.Deadline(); ok && time.Until(pd) <= timeout {
		return nil
	}
	return &deadlineCtx{parent: ctx, timeout: timeout}
}

// start returns the deadline, starting the clock at the first call. fresh
// reports that this call started it.
func (c *deadlineCtx) start() (deadline time.Time, fresh bool) {
	if c.started.Load() {
		return c.deadline, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started.Load() {
		return c.deadline, false
	}
	c.deadline = time.Now().Add(c.timeout)
	c.started.Store(true)
	return c.deadline, true
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
func (c *deadlineCtx) Deadline() (time.Time, bool) {
	d, _ := c.start()
	return d, true
}

// Done implements context.Context; the first call starts the timer.
func (c *deadlineCtx) Done() <-chan struct{} {
	if in := c.get(); in != nil {
		return in.Done()
	}
	d, _ := c.start()
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.inner.Load()
	if in == nil {
		ctx, stop := context.WithDeadline(c.parent, d)
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
	d, fresh := c.start()
	if !fresh && !time.Now().Before(d) {
		// Make the (already expired) inner context, so that Done and
		// context.Cause agree with Err from now on.
		c.Done()
		return context.DeadlineExceeded
	}
	return nil
}

// CancelParent implements dnsclient.DeadlineScope: c ends at its deadline
// or with its parent, so a resolver that bounds its sockets by Deadline
// need only watch the parent, and c never makes its timer.
func (c *deadlineCtx) CancelParent() context.Context { return c.parent }

// Value implements context.Context. Once the inner context exists, it
// answers, so that contexts derived from this one attach to its
// cancellation directly, without a goroutine.
func (c *deadlineCtx) Value(key any) any {
	if in := c.get(); in != nil {
		return in.Value(key)
	}
	return c.parent.Value(key)
}

var _ dnsclient.DeadlineScope = (*deadlineCtx)(nil)
