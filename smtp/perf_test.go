package smtp

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/envelope"
)

func TestSlackWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	lo, hi := slackWindow(now, 160*time.Second, time.Time{})
	require.Equal(t, now.Add(160*time.Second), lo)
	require.Equal(t, now.Add(170*time.Second), hi)
	// The end of the phase caps both ends.
	lo, hi = slackWindow(now, 160*time.Second, now.Add(165*time.Second))
	require.Equal(t, now.Add(160*time.Second), lo)
	require.Equal(t, now.Add(165*time.Second), hi)
	lo, hi = slackWindow(now, 160*time.Second, now.Add(time.Second))
	require.Equal(t, now.Add(time.Second), lo)
	require.Equal(t, now.Add(time.Second), hi)
}

// deadlineConn counts the read deadlines set on it.
type deadlineConn struct {
	net.Conn
	mu  sync.Mutex
	set []time.Time
}

func (d *deadlineConn) Read(p []byte) (int, error) { return len(p), nil }

func (d *deadlineConn) SetReadDeadline(t time.Time) error {
	d.mu.Lock()
	d.set = append(d.set, t)
	d.mu.Unlock()
	return nil
}

func TestTimeoutConnDeadlines(t *testing.T) {
	dc := &deadlineConn{}
	tc := &timeoutConn{Conn: dc, timeout: time.Minute}
	tc.setPhase(time.Minute, time.Hour, false)
	buf := make([]byte, 8)
	start := time.Now()
	for range 100 {
		tc.Read(buf)
	}
	// Back-to-back reads reuse the deadline, which lies between one timeout
	// and one timeout plus the slack after each read started.
	require.Len(t, dc.set, 1)
	require.False(t, dc.set[0].Before(start.Add(time.Minute)))
	require.False(t, dc.set[0].After(time.Now().Add(time.Minute+time.Minute/deadlineSlack)))

	// A phase that ends earlier moves the deadline to its end.
	tc.setPhase(time.Minute, time.Second, false)
	tc.Read(buf)
	require.Len(t, dc.set, 2)
	require.True(t, dc.set[1].Before(time.Now().Add(time.Second+time.Millisecond)))
	// So does a shorter timeout.
	tc.setPhase(time.Millisecond, time.Hour, false)
	tc.Read(buf)
	require.Len(t, dc.set, 3)
	require.True(t, dc.set[2].Before(time.Now().Add(2*time.Millisecond)))

	// After an interruption, the next read sets a real deadline again.
	tc.setPhase(time.Minute, time.Hour, false)
	tc.setPause(true)
	_, err := tc.Read(buf)
	require.ErrorIs(t, err, errInterrupted)
	tc.setPause(false)
	tc.Read(buf)
	require.Len(t, dc.set, 5)
	require.Equal(t, time.Unix(1, 0), dc.set[3])
	require.True(t, dc.set[4].After(time.Now().Add(59*time.Second)))
}

// countSession's Data returns at once for the first message and waits for
// its ctx for the second one.
type countSession struct {
	*memSession
	n         *atomic.Int32
	cancelled chan bool
}

func (s countSession) Data(ctx context.Context, r io.Reader) error {
	if _, err := io.ReadAll(r); err != nil {
		return err
	}
	if s.n.Add(1) == 1 {
		return nil
	}
	select {
	case <-ctx.Done():
		s.cancelled <- true
		return ctx.Err()
	case <-time.After(30 * time.Second):
		s.cancelled <- false
		return nil
	}
}

// The hang-up timer stays pending from one message to the next: a client
// that hangs up during the second message, right after the first, still has
// Data's ctx cancelled.
func TestDataContextCancelledOnHangupAfterQuickMessage(t *testing.T) {
	cancelled := make(chan bool, 1)
	var n atomic.Int32
	srv := &Server{Backend: BackendFunc(func(ctx context.Context, c *ConnInfo) (Session, error) {
		return countSession{&memSession{b: &memBackend{}, info: c}, &n, cancelled}, nil
	})}
	addr := startServer(t, srv)
	c := dial(t, addr)
	c.ehlo()
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: one\nC: .\nS: 250 2.0.0 OK: message accepted")
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *")
	time.Sleep(20 * time.Millisecond) // the timer fires while the second message is in progress
	c.send("two\r\n.\r\n")
	c.c.Close()
	requireCancelled(t, cancelled)
}

func TestLimitsMailMax(t *testing.T) {
	addr := startServer(t, &Server{Backend: &memBackend{}})
	caps := dial(t, addr).ehlo()
	require.Contains(t, caps, "LIMITS RCPTMAX=1000 MAILMAX=1000", "the default limit is advertised")
	addr = startServer(t, &Server{Backend: &memBackend{}, MaxTransactions: -1})
	require.NotContains(t, dial(t, addr).ehlo(), "MAILMAX", "a negative MaxTransactions means no limit")

	b := &memBackend{}
	addr = startServer(t, &Server{Backend: b, MaxTransactions: 2, MaxRecipients: 5})
	c := dial(t, addr)
	require.Contains(t, c.ehlo(), "LIMITS RCPTMAX=5 MAILMAX=2")
	// RFC 9422 section 4.1: failed transactions count too.
	c.run(`
		C: MAIL FROM:<a@b.test> FOO=1
		S: 555 *
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<c@d.test>
		C: DATA
		S: 250 *
		S: 250 *
		S: 354 *
		C: hi
		C: .
		S: 250 2.0.0 OK: message accepted
		C: MAIL FROM:<a@b.test>
		S: 421 4.7.0 Too many transactions in this session, closing connection
		S: <EOF>`)
	require.Len(t, b.messages(), 1)
}

// FuzzParamsShortcut checks that the shortcuts for commands without
// parameters agree with the envelope parsers on every input.
func FuzzParamsShortcut(f *testing.F) {
	for _, s := range []string{"", " ", "SIZE=10", "BODY=8BITMIME SMTPUTF8", "NOTIFY=NEVER", "ORCPT=rfc822;a@b", "=", "  X  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m1, err1 := parseMailParams(s)
		m2, err2 := envelope.ParseMailParams(s)
		require.Equal(t, m2, m1)
		require.Equal(t, err2, err1)
		r1, err1 := parseRcptParams(s)
		r2, err2 := envelope.ParseRcptParams(s)
		require.Equal(t, r2, r1)
		require.Equal(t, err2, err1)
	})
}

// A trusted proxy that sends no PROXY header is cut off after
// CommandTimeout (the header read used to have no deadline at all).
func TestProxyHeaderTimeout(t *testing.T) {
	lo := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	addr := startServer(t, &Server{Backend: &memBackend{}, TrustedProxies: lo, CommandTimeout: 200 * time.Millisecond})
	c := dial(t, addr)
	start := time.Now()
	c.run("S: <EOF>")
	require.Less(t, time.Since(start), 10*time.Second)
}
