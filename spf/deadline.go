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
	epoch   time.Time // with a monotonic reading; see start
	timeout time.Duration

	// end is the deadline as the monotonic time since epoch, or 0 while
	// the clock has not started (a deadline that falls exactly on 0 is
	// moved 1ns earlier).
	end   atomic.Int64
	mu    sync.Mutex // serialises making inner
	inner atomic.Pointer[innerCtx]
	// released is set by release; a timer made after it is stopped at once.
	released atomic.Bool
}

// innerCtx is context.WithDeadline(parent, deadline), once made.
type innerCtx struct {
	ctx  context.Context
	stop context.CancelFunc
}

// withTimeout returns ctx bounded by timeout. When ctx already ends within
// timeout, it returns nil: use ctx itself. Call release when done.
func withTimeout(ctx context.Context, timeout time.Duration) *deadlineCtx {
	return withTimeoutSince(ctx, timeout, time.Now())
}

// withTimeoutSince is withTimeout measuring time from epoch, an earlier
// time.Now (of the Checker). Reading the monotonic clock alone, as
// time.Since does, costs less than time.Now, which reads the wall clock
// too.
func withTimeoutSince(ctx context.Context, timeout time.Duration, epoch time.Time) *deadlineCtx {
	c := new(deadlineCtx)
	if !c.init(ctx, timeout, epoch) {
		return nil
	}
	return c
}

// init makes the zero c withTimeoutSince(ctx, timeout, epoch), in place.
// It returns false when ctx already ends within timeout: use ctx itself.
func (c *deadlineCtx) init(ctx context.Context, timeout time.Duration, epoch time.Time) bool {
	if pd, ok := ctx.Deadline(); ok && time.Until(pd) <= timeout {
		return false
	}
	c.parent, c.epoch, c.timeout = ctx, epoch, timeout
	return true
}

// start returns the deadline as a duration since epoch, starting the clock
// at the first call. fresh reports that this call started it.
func (c *deadlineCtx) start() (end time.Duration, fresh bool) {
	if e := c.end.Load(); e != 0 {
		return time.Duration(e), false
	}
	e := int64(time.Since(c.epoch) + c.timeout)
	if e == 0 {
		e = -1
	}
	if c.end.CompareAndSwap(0, e) {
		return time.Duration(e), true
	}
	return time.Duration(c.end.Load()), false
}

// deadline returns the deadline as a time, starting the clock.
func (c *deadlineCtx) deadline() time.Time {
	e, _ := c.start()
	return c.epoch.Add(e)
}

// get returns the inner context, or nil when nobody asked for Done yet.
func (c *deadlineCtx) get() context.Context {
	if in := c.inner.Load(); in != nil {
		return in.ctx
	}
	return nil
}

// release stops the timer, if any, and any made later; c may be nil. It
// takes no lock: either release sees the inner context that Done stores,
// or Done sees released and stops what it made.
func (c *deadlineCtx) release() {
	if c == nil {
		return
	}
	c.released.Store(true)
	if in := c.inner.Load(); in != nil {
		in.stop()
	}
}

// Deadline implements context.Context.
func (c *deadlineCtx) Deadline() (time.Time, bool) {
	return c.deadline(), true
}

// Done implements context.Context; the first call starts the timer.
func (c *deadlineCtx) Done() <-chan struct{} {
	if in := c.get(); in != nil {
		return in.Done()
	}
	d := c.deadline()
	c.mu.Lock()
	defer c.mu.Unlock()
	in := c.inner.Load()
	if in == nil {
		ctx, stop := context.WithDeadline(c.parent, d)
		in = &innerCtx{ctx: ctx, stop: stop}
		c.inner.Store(in)
		if c.released.Load() {
			stop()
		}
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
	e, fresh := c.start()
	if !fresh && time.Since(c.epoch) >= e {
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
