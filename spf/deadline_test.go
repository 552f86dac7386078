package spf

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/dnsmock"
)

type ctxKey struct{}

// withTimeout returns ctx bounded by timeout from now, or nil when ctx
// already ends by then.
func withTimeout(ctx context.Context, timeout time.Duration) *deadlineCtx {
	c := new(deadlineCtx)
	if !c.init(ctx, timeout) {
		return nil
	}
	return c
}

// The lazy deadline context behaves like context.WithDeadline: compared
// side by side on the same parent and deadline.
func TestDeadlineCtxLikeWithDeadline(t *testing.T) {
	for _, tc := range []struct {
		name       string
		d          time.Duration
		askDone    bool
		cancelPrnt bool
	}{
		{"future, Err only", time.Hour, false, false},
		{"future, Done", time.Hour, true, false},
		{"past, Err only", -time.Second, false, false},
		{"past, Done", -time.Second, true, false},
		{"parent cancelled, Err only", time.Hour, false, true},
		{"parent cancelled, Done", time.Hour, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
			defer cancel()
			lazy := withTimeout(parent, tc.d)
			require.NotNil(t, lazy)
			defer lazy.release()
			d, ok := lazy.Deadline()
			require.True(t, ok)
			ref, refCancel := context.WithDeadline(parent, d)
			defer refCancel()
			if tc.askDone {
				lazy.Done()
			}
			if tc.cancelPrnt {
				cancel()
				<-ref.Done()
				if tc.askDone {
					<-lazy.Done()
				}
			}
			if tc.d < 0 {
				<-ref.Done()
			}
			require.Equal(t, ref.Err(), lazy.Err())
			gotD, ok := lazy.Deadline()
			require.True(t, ok)
			require.Equal(t, d, gotD) // stable
			require.Equal(t, "v", lazy.Value(ctxKey{}))
			if ref.Err() != nil {
				select {
				case <-lazy.Done():
				case <-time.After(5 * time.Second):
					t.Fatal("Done not closed")
				}
			}
		})
	}
}

func TestDeadlineCtxFires(t *testing.T) {
	lazy := withTimeout(context.Background(), 20*time.Millisecond)
	defer lazy.release()
	require.NoError(t, lazy.Err())
	child, cancel := context.WithCancel(lazy)
	defer cancel()
	fired := make(chan struct{})
	stop := context.AfterFunc(lazy, func() { close(fired) })
	defer stop()
	<-child.Done()
	<-fired
	require.True(t, errors.Is(lazy.Err(), context.DeadlineExceeded))
	require.True(t, errors.Is(child.Err(), context.DeadlineExceeded))
}

// Err alone (a resolver that never waits) sees the deadline pass.
func TestDeadlineCtxErrOnly(t *testing.T) {
	lazy := withTimeout(context.Background(), 5*time.Millisecond)
	defer lazy.release()
	require.NoError(t, lazy.Err())
	time.Sleep(10 * time.Millisecond)
	require.Nil(t, lazy.get(false), "no timer was made before the deadline")
	require.ErrorIs(t, lazy.Err(), context.DeadlineExceeded)
	<-lazy.Done()
	require.ErrorIs(t, context.Cause(lazy), context.DeadlineExceeded)
}

// With a cancellable parent, Cause agrees with Err once the deadline passed.
func TestDeadlineCtxCause(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	lazy := withTimeout(parent, time.Millisecond)
	defer lazy.release()
	require.NoError(t, lazy.Err())
	time.Sleep(5 * time.Millisecond)
	require.ErrorIs(t, lazy.Err(), context.DeadlineExceeded)
	require.ErrorIs(t, context.Cause(lazy), context.DeadlineExceeded)
}

// An earlier parent deadline is used as is.
func TestDeadlineCtxParentSooner(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	require.Nil(t, withTimeout(parent, time.Hour))
	var nilCtx *deadlineCtx
	nilCtx.release() // no panic
}

// Done, Err, Value and release from several goroutines (run with -race);
// release is idempotent.
func TestDeadlineCtxConcurrent(t *testing.T) {
	lazy := withTimeout(context.Background(), 10*time.Millisecond)
	var wg sync.WaitGroup
	wg.Go(lazy.release)
	for i := range 8 {
		wg.Go(func() {
			if i%2 == 0 {
				<-lazy.Done()
			}
			for lazy.Err() == nil {
				time.Sleep(time.Millisecond)
			}
			_ = lazy.Value(ctxKey{})
		})
	}
	wg.Wait()
	lazy.release()
}

// The deadline is the timeout from withTimeout's call, and stays put.
func TestDeadlineCtxFromNow(t *testing.T) {
	before := time.Now()
	lazy := withTimeout(context.Background(), 50*time.Millisecond)
	after := time.Now()
	defer lazy.release()
	d, ok := lazy.Deadline()
	require.True(t, ok)
	require.False(t, d.Before(before.Add(50*time.Millisecond)))
	require.False(t, d.After(after.Add(50*time.Millisecond)))
	require.NoError(t, lazy.Err())
	time.Sleep(60 * time.Millisecond)
	require.ErrorIs(t, lazy.Err(), context.DeadlineExceeded)
	<-lazy.Done()
	d2, _ := lazy.Deadline()
	require.Equal(t, d, d2)
}

// A check on a resolver that never asks for Done (the mock) makes no timer:
// the check's context has no inner context during its lookups.
func TestCheckMakesNoTimer(t *testing.T) {
	r := &noDoneResolver{Resolver: dnsmock.Resolver{TXT: map[string][]string{
		"example.com":      {"v=spf1 include:_spf.example.com -all"},
		"_spf.example.com": {"v=spf1 ip4:192.0.2.0/24 -all"},
	}}}
	c := NewChecker(&Options{Resolver: r})
	o := c.CheckMailFrom(context.Background(), netip.MustParseAddr("192.0.2.1"), "h.example", "a@example.com")
	require.Equal(t, Pass, o.Result)
	require.Equal(t, 2, r.calls)
}

// noDoneResolver is the mock, checking on each TXT lookup that the check's
// context has made no timer yet.
type noDoneResolver struct {
	dnsmock.Resolver
	calls int
}

func (r *noDoneResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	r.calls++
	dc, ok := ctx.(*deadlineCtx)
	if !ok || dc.get(false) != nil {
		return nil, errors.New("want a check context without a timer")
	}
	return r.Resolver.LookupTXT(ctx, name)
}

// A Checker's check times out against a resolver that only polls Err.
func TestCheckTimeoutErrOnly(t *testing.T) {
	c := NewChecker(&Options{Resolver: slowErrResolver{}, Timeout: 30 * time.Millisecond})
	o := c.CheckHost(context.Background(), netip.MustParseAddr("192.0.2.1"), "a.example", "x@a.example", "h")
	require.Equal(t, TempError, o.Result)
	require.Less(t, o.Queries, 10)
}

// slowErrResolver takes 10ms per lookup and honours ctx only through Err;
// every name has "v=spf1 include:<longer name> -all".
type slowErrResolver struct{}

func (slowErrResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	time.Sleep(10 * time.Millisecond)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return []string{"v=spf1 include:x." + name + " -all"}, nil
}
func (slowErrResolver) LookupMX(context.Context, string) ([]*net.MX, error) { return nil, nil }
func (slowErrResolver) LookupIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, nil
}
func (slowErrResolver) LookupAddr(context.Context, netip.Addr) ([]string, error) { return nil, nil }

// A Done asked for after release makes no timer that outlives the check.
func TestDeadlineCtxDoneAfterRelease(t *testing.T) {
	lazy := withTimeout(context.Background(), time.Hour)
	lazy.release()
	select {
	case <-lazy.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done after release not closed")
	}
	require.Error(t, lazy.Err())
}
