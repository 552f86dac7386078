package smtp

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
)

// message is what the memory backend stored.
type message struct {
	From  string
	Rcpts []string
	Data  string
	Mail  envelope.MailParams
	Rcpt  []envelope.RcptParams
	Conn  ConnInfo
}

// memBackend is an in-memory backend with hooks for error paths.
type memBackend struct {
	mu       sync.Mutex
	msgs     []message
	resets   int
	logouts  int
	dataErrs int // Data calls that saw a read error
	reject   func(c *ConnInfo) error
	rcptErr  func(to envelope.Path) error
	dataErr  func(data string) error
	panicOn  string // "mail", "rcpt", "data"
	lmtp     bool
}

type memSession struct {
	b    *memBackend
	info *ConnInfo
	cur  message
}

type lmtpSession struct{ *memSession }

func (b *memBackend) NewSession(ctx context.Context, c *ConnInfo) (Session, error) {
	if b.reject != nil {
		if err := b.reject(c); err != nil {
			return nil, err
		}
	}
	s := &memSession{b: b, info: c}
	if b.lmtp {
		return lmtpSession{s}, nil
	}
	return s, nil
}

func (b *memBackend) messages() []message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]message(nil), b.msgs...)
}

func (s *memSession) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	if s.b.panicOn == "mail" {
		panic("boom")
	}
	s.cur = message{From: from.String(), Mail: *p}
	return nil
}

func (s *memSession) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	if s.b.panicOn == "rcpt" {
		panic("boom")
	}
	if s.b.rcptErr != nil {
		if err := s.b.rcptErr(to); err != nil {
			return err
		}
	}
	s.cur.Rcpts = append(s.cur.Rcpts, to.String())
	s.cur.Rcpt = append(s.cur.Rcpt, *p)
	return nil
}

func (s *memSession) Data(ctx context.Context, r io.Reader) error {
	if s.b.panicOn == "data" {
		panic("boom")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		s.b.mu.Lock()
		s.b.dataErrs++
		s.b.mu.Unlock()
		return err
	}
	if s.b.dataErr != nil {
		if err := s.b.dataErr(string(b)); err != nil {
			return err
		}
	}
	s.cur.Data = string(b)
	s.cur.Conn = *s.info
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s lmtpSession) LMTPData(ctx context.Context, r io.Reader, st StatusCollector) error {
	if err := s.Data(ctx, r); err != nil {
		return err
	}
	for i, p := range st.Recipients() {
		if p.Local == "full" {
			st.SetStatus(i, &Error{Code: 452, EnhancedCode: code(4, 2, 2), Message: "Mailbox full"})
		}
	}
	return nil
}

func (s *memSession) Reset(ctx context.Context) {
	s.b.mu.Lock()
	s.b.resets++
	s.b.mu.Unlock()
	s.cur = message{}
}

func (s *memSession) Logout(ctx context.Context) error {
	s.b.mu.Lock()
	s.b.logouts++
	s.b.mu.Unlock()
	return nil
}

// startServer serves srv on a loopback listener and returns its address.
func startServer(t *testing.T, srv *Server) string {
	t.Helper()
	if srv.Hostname == "" {
		srv.Hostname = "mx.test"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		require.ErrorIs(t, <-done, ErrServerClosed)
	})
	return l.Addr().String()
}

// client is a raw test client.
type client struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	_, err := io.WriteString(c.c, s)
	require.NoError(c.t, err)
}

func (c *client) line() string {
	c.t.Helper()
	l, err := c.br.ReadString('\n')
	require.NoError(c.t, err, "reading a reply")
	return strings.TrimRight(l, "\r\n")
}

// run plays a transcript. "C: x" lines are sent (CRLF appended; a run of
// them is sent in one write, i.e. pipelined), "R: \"...\"" sends a Go-quoted
// raw string, and "S: x" lines must match the reply line exactly, or by
// prefix when they end in "*". "S: <EOF>" expects the connection to close.
func (c *client) run(script string) {
	c.t.Helper()
	var out strings.Builder
	flush := func() {
		if out.Len() > 0 {
			c.send(out.String())
			out.Reset()
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(script), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "C: "), l == "C:":
			out.WriteString(strings.TrimPrefix(strings.TrimPrefix(l, "C:"), " ") + "\r\n")
		case strings.HasPrefix(l, "R: "):
			s, err := strconv.Unquote(l[3:])
			require.NoError(c.t, err, l)
			out.WriteString(s)
		case l == "S: <EOF>":
			flush()
			_, err := c.br.ReadString('\n')
			require.Error(c.t, err, "expected the connection to close")
		case strings.HasPrefix(l, "S: "):
			flush()
			want := l[3:]
			got := c.line()
			if strings.HasSuffix(want, "*") {
				require.True(c.t, strings.HasPrefix(got, strings.TrimSuffix(want, "*")), "want %q, got %q", want, got)
			} else {
				require.Equal(c.t, want, got)
			}
		case l == "":
		default:
			c.t.Fatalf("bad transcript line %q", l)
		}
	}
	flush()
}

// ehlo reads the greeting and does EHLO, skipping the capability lines.
func (c *client) ehlo() []string {
	c.t.Helper()
	require.True(c.t, strings.HasPrefix(c.line(), "220 "))
	return c.hello()
}

func (c *client) hello() []string {
	c.send("EHLO client.test\r\n")
	var caps []string
	for {
		l := c.line()
		caps = append(caps, l[4:])
		if l[3] == ' ' {
			return caps
		}
	}
}

func testTLSConfig(t testing.TB) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		DNSNames: []string{"mx.test", "localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, _ := x509.ParseCertificate(der)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}}
}

func testCredentials(t testing.TB) auth.Credentials {
	st := auth.NewMemoryStore()
	require.NoError(t, st.SetPlaintext("alice", "secret", 4096))
	return st
}

var errTest = errors.New("database down")
