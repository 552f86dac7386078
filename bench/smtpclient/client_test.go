// Package smtpclient compares Yubin's SMTP client with emersion/go-smtp's,
// both sending to the same null server (Yubin's smtp.Server with a backend
// that discards) on loopback, directly and through a proxy that adds
// latency, where PIPELINING shows.
package smtpclient

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/smtp"
)

var (
	message = "From: a@bench.test\r\nTo: b@bench.test\r\nSubject: bench\r\n\r\n" +
		strings.Repeat("The quick brown fox jumps over the lazy dog, 0123456789.\r\n", 70) // ~4 KB
	rcpts = []string{"r1@bench.test", "r2@bench.test", "r3@bench.test"}
)

type nullBackend struct {
	mu   sync.Mutex
	msgs int
	last string
}

type nullSession struct{ b *nullBackend }

func (b *nullBackend) NewSession(ctx context.Context, c *smtp.ConnInfo) (smtp.Session, error) {
	return nullSession{b}, nil
}
func (s nullSession) Mail(context.Context, envelope.Path, *envelope.MailParams) error { return nil }
func (s nullSession) Rcpt(context.Context, envelope.Path, *envelope.RcptParams) error { return nil }
func (s nullSession) Data(ctx context.Context, r io.Reader) error {
	var sb strings.Builder
	_, err := io.Copy(&sb, r)
	s.b.mu.Lock()
	s.b.msgs++
	s.b.last = sb.String()
	s.b.mu.Unlock()
	return err
}
func (s nullSession) Reset(context.Context)        {}
func (s nullSession) Logout(context.Context) error { return nil }

func startNull(tb testing.TB) (*nullBackend, string) {
	be := &nullBackend{}
	srv := &smtp.Server{Hostname: "null.test", Backend: be, MaxConnectionsPerIP: 1000, MaxConnections: 1000,
		MaxTransactions: -1} // a benchmark connection sends b.N messages
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })
	return be, l.Addr().String()
}

// startDelayProxy forwards to target, delaying every chunk by d in each
// direction (so a round trip gains 2d), keeping order.
func startDelayProxy(tb testing.TB, target string, d time.Duration) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	tb.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go delayCopy(u, c, d)
			go delayCopy(c, u, d)
		}
	}()
	return l.Addr().String()
}

type chunk struct {
	b  []byte
	at time.Time
}

func delayCopy(dst, src net.Conn, d time.Duration) {
	ch := make(chan chunk, 1024)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 32*1024)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{buf[:n], time.Now().Add(d)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

// sender sends messages over one connection.
type sender interface {
	send() error
	close()
}

type yubinSender struct{ c *smtp.Client }

func newYubin(addr string) (sender, error) {
	c, err := smtp.Dial(context.Background(), addr, &smtp.ClientOptions{Hostname: "bench.test", TLS: smtp.TLSOff})
	return yubinSender{c}, err
}

func (s yubinSender) send() error {
	env, err := smtp.NewEnvelope("a@bench.test", rcpts...)
	if err != nil {
		return err
	}
	_, err = s.c.Send(context.Background(), env, strings.NewReader(message), nil)
	return err
}
func (s yubinSender) close() { s.c.Quit(context.Background()) }

type goSMTPSender struct{ c *gosmtp.Client }

func newGoSMTP(addr string) (sender, error) {
	c, err := gosmtp.Dial(addr)
	if err != nil {
		return nil, err
	}
	if err := c.Hello("bench.test"); err != nil {
		return nil, err
	}
	return goSMTPSender{c}, nil
}

func (s goSMTPSender) send() error {
	if err := s.c.Mail("a@bench.test", nil); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := s.c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := s.c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, message); err != nil {
		return err
	}
	return w.Close()
}
func (s goSMTPSender) close() { s.c.Quit() }

var impls = []struct {
	name string
	dial func(string) (sender, error)
}{{"yubin", newYubin}, {"gosmtp", newGoSMTP}}

func TestBothClientsDeliverTheSameMessage(t *testing.T) {
	be, addr := startNull(t)
	for _, impl := range impls {
		s, err := impl.dial(addr)
		require.NoError(t, err)
		require.NoError(t, s.send())
		s.close()
		be.mu.Lock()
		require.Equal(t, message, be.last, impl.name)
		be.mu.Unlock()
	}
}

func BenchmarkClientSend(b *testing.B) {
	_, direct := startNull(b)
	slow := startDelayProxy(b, direct, 10*time.Millisecond)
	for _, conns := range []int{1, 16} {
		for _, path := range []struct{ name, addr string }{{"loopback", direct}, {"rtt20ms", slow}} {
			for _, impl := range impls {
				name := fmt.Sprintf("conns=%d/%s/%s", conns, path.name, impl.name)
				b.Run(name, func(b *testing.B) { benchSend(b, impl.dial, path.addr, conns) })
			}
		}
	}
}

func benchSend(b *testing.B, dial func(string) (sender, error), addr string, conns int) {
	senders := make([]sender, conns)
	for i := range senders {
		s, err := dial(addr)
		require.NoError(b, err)
		senders[i] = s
	}
	b.SetBytes(int64(len(message)))
	b.ReportAllocs()
	b.ResetTimer()
	var next sync.Mutex
	left := b.N
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				if left == 0 {
					next.Unlock()
					return
				}
				left--
				next.Unlock()
				if err := s.send(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	for _, s := range senders {
		s.close()
	}
}
