package queue

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/smtp"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type sent struct {
	from  string
	rcpts []string
	data  string
}

// fakeMTA records deliveries and answers per recipient local part:
// "perm" 550, "temp" 451, anything else 250.
type fakeMTA struct {
	mu   sync.Mutex
	sent []sent
}

func (f *fakeMTA) deliver(ctx context.Context, env *envelope.Envelope, msg io.ReaderAt, size int64) []smtp.Outcome {
	b, _ := io.ReadAll(io.NewSectionReader(msg, 0, size))
	s := sent{from: env.From.String(), data: string(b)}
	var out []smtp.Outcome
	for _, r := range env.Rcpts {
		o := smtp.Outcome{Rcpt: r, Status: smtp.Delivered, Code: 250, RemoteMTA: "mx." + r.Path.Domain}
		switch r.Path.Local {
		case "perm":
			o.Status, o.Code, o.Message = smtp.Permanent, 550, "no such user"
			o.EnhancedCode = envelope.StatusCode{Class: 5, Subject: 1, Detail: 1}
		case "temp":
			o.Status, o.Code, o.Message = smtp.Temporary, 451, "greylisted"
			o.EnhancedCode = envelope.StatusCode{Class: 4, Subject: 7, Detail: 1}
		default:
			s.rcpts = append(s.rcpts, r.Path.String())
		}
		out = append(out, o)
	}
	f.mu.Lock()
	f.sent = append(f.sent, s)
	f.mu.Unlock()
	return out
}

func (f *fakeMTA) all() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.sent...)
}

func newQueue(t *testing.T, dir string, mta *fakeMTA, clk *clock, mod func(*Options)) *Queue {
	t.Helper()
	st, err := NewFileStore(dir)
	require.NoError(t, err)
	o := &Options{Store: st, Hostname: "mta.test", Deliver: mta.deliver, Now: clk.Now}
	if mod != nil {
		mod(o)
	}
	q, err := New(o)
	require.NoError(t, err)
	return q
}

func env(t *testing.T, from string, params string, rcpts ...string) *envelope.Envelope {
	e, err := smtp.NewEnvelope(from, rcpts...)
	require.NoError(t, err)
	if params != "" {
		rp, err := envelope.ParseRcptParams(params)
		require.NoError(t, err)
		for i := range e.Rcpts {
			e.Rcpts[i].Params = rp
		}
	}
	return e
}

const msg = "From: a@src.test\r\nSubject: hello\r\n\r\nbody\r\n"

func TestDeliverAndRemove(t *testing.T) {
	mta, clk := &fakeMTA{}, &clock{t: time.Unix(1_800_000_000, 0)}
	q := newQueue(t, t.TempDir(), mta, clk, nil)
	id, err := q.Enqueue(context.Background(), env(t, "a@src.test", "", "b@dst.test", "c@dst.test", "d@other.test"), strings.NewReader(msg))
	require.NoError(t, err)
	require.NotEmpty(t, id)
	q.Flush(context.Background())
	got := mta.all()
	require.Len(t, got, 2, "one transaction per domain")
	require.Equal(t, []string{"<b@dst.test>", "<c@dst.test>"}, got[0].rcpts)
	require.Equal(t, msg, got[0].data)
	require.Empty(t, q.Items())
}

func TestRetryExpireAndBounce(t *testing.T) {
	mta, clk := &fakeMTA{}, &clock{t: time.Unix(1_800_000_000, 0)}
	dir := t.TempDir()
	q := newQueue(t, dir, mta, clk, func(o *Options) { o.MaxAge = 24 * time.Hour })
	_, err := q.Enqueue(context.Background(), env(t, "a@src.test", "", "temp@dst.test", "ok@dst.test"), strings.NewReader(msg))
	require.NoError(t, err)
	q.Flush(context.Background())
	items := q.Items()
	require.Len(t, items, 1)
	require.Equal(t, 1, items[0].Attempts)
	require.Equal(t, clk.Now().Add(5*time.Minute), items[0].NextAttempt)
	require.Equal(t, Delivered, items[0].Rcpts[1].State)

	// Not due yet: nothing happens.
	q.Flush(context.Background())
	require.Len(t, mta.all(), 1)

	clk.Add(6 * time.Minute)
	q.Flush(context.Background())
	require.Len(t, mta.all(), 2)
	require.Equal(t, 2, q.Items()[0].Attempts)
	require.Equal(t, []string(nil), mta.all()[1].rcpts, "the delivered recipient is not sent again")

	clk.Add(25 * time.Hour)
	q.Flush(context.Background())
	// The item expired; a DSN to the sender is queued.
	items = q.Items()
	require.Len(t, items, 1)
	require.Equal(t, "<>", items[0].From)
	require.Equal(t, "<a@src.test>", items[0].Rcpts[0].Path)

	q.Flush(context.Background())
	require.Empty(t, q.Items())
	last := mta.all()[len(mta.all())-1]
	require.Equal(t, "<>", last.from)
	d, err := envelope.ParseDSN(strings.NewReader(last.data), nil)
	require.NoError(t, err)
	require.Len(t, d.Recipients, 1)
	require.Equal(t, envelope.ActionFailed, d.Recipients[0].Action)
	require.Equal(t, "5.4.7", d.Recipients[0].Status.String())
	require.Equal(t, "temp@dst.test", d.Recipients[0].Recipient())
	require.Contains(t, last.data, "Auto-Submitted: auto-replied")
	require.Contains(t, last.data, "Subject: hello", "the original header is returned")

	// Nothing is left on disk.
	left, _ := os.ReadDir(filepath.Join(dir, "items"))
	require.Empty(t, left)
	left, _ = os.ReadDir(filepath.Join(dir, "msg"))
	require.Empty(t, left)
}

func TestPermanentFailureBouncesAtOnce(t *testing.T) {
	mta, clk := &fakeMTA{}, &clock{t: time.Unix(1_800_000_000, 0)}
	q := newQueue(t, t.TempDir(), mta, clk, nil)
	e := env(t, "a@src.test", "", "perm@dst.test")
	e.MailParams.Ret = envelope.RetFull
	e.MailParams.EnvID = "env-42"
	_, err := q.Enqueue(context.Background(), e, strings.NewReader(msg))
	require.NoError(t, err)
	q.Flush(context.Background())
	q.Flush(context.Background())
	all := mta.all()
	require.Len(t, all, 2)
	d, err := envelope.ParseDSN(strings.NewReader(all[1].data), nil)
	require.NoError(t, err)
	require.Equal(t, "env-42", d.OriginalEnvelopeID)
	r := d.Recipients[0]
	require.Equal(t, "5.1.1", r.Status.String())
	require.Equal(t, "mx.dst.test", r.RemoteMTA.Value)
	require.Equal(t, "550 5.1.1 no such user", r.DiagnosticCode.Value)
	require.False(t, d.HeadersOnly)
	require.Contains(t, string(d.Original), "body")
	require.Empty(t, q.Items())
}

func TestNoBounceToNullPathOrNotifyNever(t *testing.T) {
	for name, e := range map[string]*envelope.Envelope{
		"null sender":  env(t, "", "", "perm@dst.test"),
		"notify never": env(t, "a@src.test", "NOTIFY=NEVER", "perm@dst.test"),
		"notify delay": env(t, "a@src.test", "NOTIFY=DELAY", "perm@dst.test"),
	} {
		t.Run(name, func(t *testing.T) {
			mta, clk := &fakeMTA{}, &clock{t: time.Unix(1_800_000_000, 0)}
			q := newQueue(t, t.TempDir(), mta, clk, nil)
			_, err := q.Enqueue(context.Background(), e, strings.NewReader(msg))
			require.NoError(t, err)
			q.Flush(context.Background())
			require.Empty(t, q.Items())
			require.Len(t, mta.all(), 1)
		})
	}
}

func TestDelayDSN(t *testing.T) {
	mta, clk := &fakeMTA{}, &clock{t: time.Unix(1_800_000_000, 0)}
	q := newQueue(t, t.TempDir(), mta, clk, func(o *Options) { o.DelayWarning = time.Hour })
	_, err := q.Enqueue(context.Background(), env(t, "a@src.test", "NOTIFY=DELAY,FAILURE", "temp@dst.test"), strings.NewReader(msg))
	require.NoError(t, err)
	q.Flush(context.Background())
	clk.Add(2 * time.Hour)
	q.Flush(context.Background()) // second attempt, then the delay DSN is queued
	q.Flush(context.Background()) // the DSN goes out
	var dsns []sent
	for _, s := range mta.all() {
		if s.from == "<>" {
			dsns = append(dsns, s)
		}
	}
	require.Len(t, dsns, 1)
	d, err := envelope.ParseDSN(strings.NewReader(dsns[0].data), nil)
	require.NoError(t, err)
	require.Equal(t, envelope.ActionDelayed, d.Recipients[0].Action)
	require.Equal(t, 4, d.Recipients[0].Status.Class)
	// Only once.
	clk.Add(2 * time.Hour)
	q.Flush(context.Background())
	q.Flush(context.Background())
	n := 0
	for _, s := range mta.all() {
		if s.from == "<>" {
			n++
		}
	}
	require.Equal(t, 1, n)
}

func TestRestartLosesNothing(t *testing.T) {
	dir := t.TempDir()
	mta, clk := &fakeMTA{}, &clock{t: time.Unix(1_800_000_000, 0)}
	q := newQueue(t, dir, mta, clk, nil)
	for i := range 5 {
		_, err := q.Enqueue(context.Background(), env(t, "a@src.test", "", "b@dst.test"),
			strings.NewReader(msg+strings.Repeat("x", i)))
		require.NoError(t, err)
	}
	// An interrupted Put: a message without its item, and a temp file.
	old := time.Now().Add(-time.Hour)
	orphan := filepath.Join(dir, "msg", "orphan")
	tmp := filepath.Join(dir, "tmp", "put-1")
	require.NoError(t, os.WriteFile(orphan, []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(tmp, []byte("x"), 0o600))
	require.NoError(t, os.Chtimes(orphan, old, old))
	require.NoError(t, os.Chtimes(tmp, old, old))

	// "Crash": a new queue over the same directory.
	q2 := newQueue(t, dir, mta, clk, nil)
	require.Len(t, q2.Items(), 5)
	require.NoFileExists(t, orphan)
	require.NoFileExists(t, tmp)
	q2.Flush(context.Background())
	require.Len(t, mta.all(), 5)
	var bodies []string
	for _, s := range mta.all() {
		bodies = append(bodies, s.data)
	}
	for i := range 5 {
		require.Contains(t, bodies, msg+strings.Repeat("x", i))
	}
	require.Empty(t, q2.Items())
}

func TestPerDomainLimitAndRun(t *testing.T) {
	var cur, peak atomic.Int32
	mta := &fakeMTA{}
	deliver := func(ctx context.Context, e *envelope.Envelope, m io.ReaderAt, size int64) []smtp.Outcome {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		cur.Add(-1)
		return mta.deliver(ctx, e, m, size)
	}
	st, err := NewFileStore(t.TempDir())
	require.NoError(t, err)
	q, err := New(&Options{Store: st, Hostname: "mta.test", Deliver: deliver, Workers: 8, PerDomain: 1})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	for range 10 {
		_, err := q.Enqueue(ctx, env(t, "a@src.test", "", "b@dst.test"), bytes.NewReader([]byte(msg)))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return len(q.Items()) == 0 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Len(t, mta.all(), 10)
	require.EqualValues(t, 1, peak.Load())
}

func TestEnqueueChecks(t *testing.T) {
	mta, clk := &fakeMTA{}, &clock{t: time.Unix(1_800_000_000, 0)}
	q := newQueue(t, t.TempDir(), mta, clk, nil)
	_, err := q.Enqueue(context.Background(), &envelope.Envelope{}, strings.NewReader(msg))
	require.ErrorIs(t, err, smtp.ErrNoRecipients)
	_, err = New(&Options{})
	require.Error(t, err)
	st, _ := NewFileStore(t.TempDir())
	_, err = st.Open("../etc/passwd")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestDefaultBackoff(t *testing.T) {
	require.Equal(t, 5*time.Minute, DefaultBackoff(1))
	require.Equal(t, 10*time.Minute, DefaultBackoff(2))
	require.Equal(t, 4*time.Hour, DefaultBackoff(50))
}
