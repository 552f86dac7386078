// Package smtp compares the Yubin SMTP server with github.com/emersion/go-smtp.
// Both run a null backend (the message is read to the end and dropped) on a
// loopback listener and are driven by the same pipelining client.
package smtp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/smtp"
)

// --- Yubin null backend

type yubinSession struct{ sink *sink }

func (s yubinSession) Mail(context.Context, envelope.Path, *envelope.MailParams) error { return nil }
func (s yubinSession) Rcpt(context.Context, envelope.Path, *envelope.RcptParams) error { return nil }
func (s yubinSession) Data(_ context.Context, r io.Reader) error                       { return s.sink.read(r) }
func (s yubinSession) Reset(context.Context)                                           {}
func (s yubinSession) Logout(context.Context) error                                    { return nil }

// --- go-smtp null backend

type goSession struct{ sink *sink }

func (s goSession) Reset()                                 {}
func (s goSession) Logout() error                          { return nil }
func (s goSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s goSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s goSession) Data(r io.Reader) error                 { return s.sink.read(r) }

// sink counts and optionally keeps what the backend received.
type sink struct {
	mu   sync.Mutex
	keep bool
	msgs []string
}

func (s *sink) read(r io.Reader) error {
	if !s.keep {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, string(b))
	s.mu.Unlock()
	return nil
}

type server struct {
	addr string
	stop func()
}

func startYubin(tb testing.TB, sk *sink) server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	srv := &smtp.Server{
		Hostname: "bench.test", MaxMessageBytes: 64 << 20, MaxConnections: 10000, MaxConnectionsPerIP: 10000,
		MaxTransactions: -1, // go-smtp has no such limit; a benchmark connection sends b.N messages
		Backend: smtp.BackendFunc(func(context.Context, *smtp.ConnInfo) (smtp.Session, error) {
			return yubinSession{sk}, nil
		}),
	}
	go srv.Serve(l)
	return server{addr: l.Addr().String(), stop: func() { srv.Close() }}
}

func startGoSMTP(tb testing.TB, sk *sink) server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return goSession{sk}, nil
	}))
	srv.Domain = "bench.test"
	srv.MaxMessageBytes = 64 << 20
	srv.MaxRecipients = 1000
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	go srv.Serve(l)
	return server{addr: l.Addr().String(), stop: func() { srv.Close() }}
}

var impls = []struct {
	name  string
	start func(testing.TB, *sink) server
}{
	{"yubin", startYubin},
	{"gosmtp", startGoSMTP},
}

// client is the shared pipelining client: EHLO once, then per message one
// write of MAIL+RCPT+DATA (RFC 2920), one write of the dot-stuffed body.
type client struct {
	c  net.Conn
	br *bufio.Reader
}

func dial(addr string) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	cl := &client{c: c, br: bufio.NewReaderSize(c, 4096)}
	if err := cl.expect(1); err != nil {
		return nil, err
	}
	io.WriteString(c, "EHLO client.bench\r\n")
	if err := cl.expect(1); err != nil {
		return nil, err
	}
	return cl, nil
}

// expect reads n replies and fails on 4xx/5xx.
func (cl *client) expect(n int) error {
	for n > 0 {
		l, err := cl.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(l) < 4 || l[0] == '4' || l[0] == '5' {
			return fmt.Errorf("reply %q", l)
		}
		if l[3] == ' ' {
			n--
		}
	}
	return nil
}

var envelopeCmds = []byte("MAIL FROM:<sender@bench.test>\r\nRCPT TO:<rcpt@bench.test>\r\nDATA\r\n")

func (cl *client) send(body []byte) error {
	if _, err := cl.c.Write(envelopeCmds); err != nil {
		return err
	}
	if err := cl.expect(3); err != nil {
		return err
	}
	if _, err := cl.c.Write(body); err != nil {
		return err
	}
	return cl.expect(1)
}

// message returns a dot-stuffed, terminated message of about size octets.
func message(size int) []byte {
	var b strings.Builder
	b.WriteString("From: a@bench.test\r\nTo: b@bench.test\r\nSubject: bench\r\n\r\n")
	line := strings.Repeat("abcdefghij", 7) + "\r\n"
	for i := 0; b.Len() < size; i++ {
		if i%10 == 0 {
			b.WriteString(".") // exercise dot-stuffing
		}
		b.WriteString(line)
	}
	b.WriteString(".\r\n")
	return []byte(b.String())
}

func BenchmarkSMTPServer(b *testing.B) {
	for _, size := range []int{4 << 10, 100 << 10} {
		body := message(size)
		for _, conc := range []int{1, 8, 64} {
			for _, impl := range impls {
				name := fmt.Sprintf("%dKB-c%d/%s", size>>10, conc, impl.name)
				b.Run(name, func(b *testing.B) {
					srv := impl.start(b, &sink{})
					defer srv.stop()
					clients := make([]*client, conc)
					for i := range clients {
						cl, err := dial(srv.addr)
						require.NoError(b, err)
						defer cl.c.Close()
						clients[i] = cl
					}
					b.SetBytes(int64(len(body)))
					b.ReportAllocs()
					b.ResetTimer()
					start := time.Now()
					var wg sync.WaitGroup
					per := b.N / conc
					for i, cl := range clients {
						n := per
						if i < b.N%conc {
							n++
						}
						wg.Go(func() {
							for range n {
								if err := cl.send(body); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					wg.Wait()
					b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
				})
			}
		}
	}
}

// BenchmarkSMTPIdleConn opens 2,000 connections that have completed EHLO and
// stay idle, and reports the heap and stack growth per connection (B/conn).
// The client side is a bare net.Conn, the same for both servers.
func BenchmarkSMTPIdleConn(b *testing.B) {
	const n = 2000
	for _, impl := range impls {
		b.Run(fmt.Sprintf("%d/%s", n, impl.name), func(b *testing.B) {
			var perConn float64
			for range b.N {
				perConn = idleMemory(b, impl.start, n)
			}
			b.ReportMetric(perConn, "B/conn")
		})
	}
}

func memInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

func idleMemory(tb testing.TB, start func(testing.TB, *sink) server, n int) float64 {
	srv := start(tb, &sink{})
	defer srv.stop()
	before := memInUse()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	buf := make([]byte, 4096)
	for range n {
		c, err := net.Dial("tcp", srv.addr)
		require.NoError(tb, err)
		conns = append(conns, c)
		readReply(tb, c, buf)
		io.WriteString(c, "EHLO idle.bench\r\n")
		readReply(tb, c, buf)
	}
	after := memInUse()
	return float64(int64(after)-int64(before)) / float64(n)
}

// readReply reads until a final reply line ("NNN ") has arrived.
func readReply(tb testing.TB, c net.Conn, buf []byte) {
	got := 0
	for {
		k, err := c.Read(buf[got:])
		require.NoError(tb, err)
		got += k
		s := string(buf[:got])
		if strings.HasSuffix(s, "\r\n") {
			lines := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
			if last := lines[len(lines)-1]; len(last) >= 4 && last[3] == ' ' {
				return
			}
		}
	}
}

// TestEquivalent checks that both servers hand the backend the same message
// bytes for the bench inputs.
func TestEquivalent(t *testing.T) {
	var got [2][]string
	for i, impl := range impls {
		sk := &sink{keep: true}
		srv := impl.start(t, sk)
		cl, err := dial(srv.addr)
		require.NoError(t, err)
		for _, size := range []int{4 << 10, 100 << 10} {
			require.NoError(t, cl.send(message(size)))
		}
		cl.c.Close()
		srv.stop()
		got[i] = sk.msgs
	}
	require.Len(t, got[0], 2)
	require.Equal(t, got[1], got[0])
	require.True(t, strings.HasPrefix(got[0][0], "From: a@bench.test\r\n"))
	require.NotContains(t, got[0][0], "\r\n..")
}

// TestIdleMemory is a quick version of the idle-connection measurement.
func TestIdleMemory(t *testing.T) {
	for _, impl := range impls {
		t.Logf("%s: %.0f B/conn", impl.name, idleMemory(t, impl.start, 200))
	}
}
