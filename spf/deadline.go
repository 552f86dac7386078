package spf

import (
	"context"
	"sync"
	"time"
)

// deadlineCtx is the context of one check: its parent bounded by the
// check's time limit (Options.Timeout, RFC 7208 section 4.6.4). It is
// context.WithDeadline(parent, deadline), made only when someone first asks
// for Done: a resolver that answers from memory or from a cache never
// waits, so such a check makes no timer, and Err reads the clock instead.
type deadlineCtx struct {
	parent   context.Context
	deadline time.Time

	mu       sync.Mutex
	inner    context.Context // WithDeadline(parent, deadline), or nil
	stop     context.CancelFunc
	released bool // a timer made after release is stopped at once
}

// init makes the zero c ctx bounded by timeout from now. It returns false
// when ctx already ends by then: use ctx itself. Call release when done.
func (c *deadlineCtx) init(ctx context.Context, timeout time.Duration) bool {
	d := time.Now().Add(timeout)
	if pd, ok := ctx.Deadline(); ok && !pd.After(d) {
		return false
	}
	c.parent, c.deadline = ctx, d
	return true
}

// get returns the inner context, making it first if create is set; else
// nil while nobody asked for Done.
func (c *deadlineCtx) get(create bool) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inner == nil && create {
		c.inner, c.stop = context.WithDeadline(c.parent, c.deadline)
		if c.released {
			c.stop()
		}
	}
	return c.inner
}

// release stops the timer, if any, and any made later; c may be nil.
func (c *deadlineCtx) release() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released = true
	if c.stop != nil {
		c.stop()
	}
}

// Deadline implements context.Context.
func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done implements context.Context; the first call makes the timer.
func (c *deadlineCtx) Done() <-chan struct{} { return c.get(true).Done() }

// Err implements context.Context.
func (c *deadlineCtx) Err() error {
	in := c.get(false)
	if in == nil {
		if err := c.parent.Err(); err != nil || time.Until(c.deadline) > 0 {
			return err
		}
		// Expired: make the inner context, closed at once, so that Done
		// and context.Cause agree with Err from now on.
		in = c.get(true)
	}
	return in.Err()
}

// Value implements context.Context. Once the inner context exists, it
// answers, so that contexts derived from this one attach to its
// cancellation directly, without a goroutine.
func (c *deadlineCtx) Value(key any) any {
	if in := c.get(false); in != nil {
		return in.Value(key)
	}
	return c.parent.Value(key)
}
