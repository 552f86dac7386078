package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/smtp"
)

type stored struct {
	from  string
	rcpts []string
	data  string
	user  string
}

type backend struct {
	mu   sync.Mutex
	msgs []stored
}

type session struct {
	b   *backend
	c   *smtp.ConnInfo
	cur stored
}

func (b *backend) NewSession(ctx context.Context, c *smtp.ConnInfo) (smtp.Session, error) {
	return &session{b: b, c: c}, nil
}

func (s *session) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	s.cur = stored{from: from.String()}
	return nil
}

func (s *session) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	if to.Local == "nobody" {
		return smtp.ErrNoSuchUser
	}
	s.cur.rcpts = append(s.cur.rcpts, to.Mailbox())
	return nil
}

func (s *session) Data(ctx context.Context, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	if s.c.Auth != nil {
		s.cur.user = s.c.Auth.User()
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset(ctx context.Context)        {}
func (s *session) Logout(ctx context.Context) error { return nil }

func tlsConfig(t *testing.T) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func serve(t *testing.T, srv *smtp.Server) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

const msg = "From: Alice <alice@example.test>\r\nTo: bob@example.org, nobody@example.org\r\nBcc: carol@example.net\r\nSubject: hi\r\n\r\nHello.\r\n"

func TestSendmailSubmission(t *testing.T) {
	st := auth.NewMemoryStore()
	require.NoError(t, st.SetPassword("alice", "pw", 4096))
	be := &backend{}
	addr := serve(t, &smtp.Server{Hostname: "localhost", Backend: be, Mode: smtp.ModeSubmission,
		TLSConfig: tlsConfig(t), Credentials: st})
	var out, errb bytes.Buffer
	code := run([]string{"-server", addr, "-starttls", "-insecure", "-user", "alice", "-password", "pw"},
		strings.NewReader(msg), &out, &errb)
	require.Equal(t, 1, code, errb.String()) // one recipient was refused
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	require.Regexp(t, `^bob@example.org 250 2\.\d\.\d .+$`, lines[0])
	require.Equal(t, "nobody@example.org 550 5.1.1 No such user here", lines[1])
	require.Regexp(t, `^carol@example.net 250 2\.\d\.\d `, lines[2])
	require.Len(t, be.msgs, 1)
	m := be.msgs[0]
	require.Equal(t, "alice", m.user)
	require.Equal(t, "<alice@example.test>", m.from)
	require.Equal(t, []string{"bob@example.org", "carol@example.net"}, m.rcpts)
	require.NotContains(t, m.data, "Bcc")
	require.Contains(t, m.data, "Message-ID: <")
	require.Contains(t, m.data, "Date: ")
}

func TestSendmailImplicitTLSAndOverrides(t *testing.T) {
	be := &backend{}
	addr := serve(t, &smtp.Server{Hostname: "localhost", Backend: be, TLSConfig: tlsConfig(t), ImplicitTLS: true})
	var out, errb bytes.Buffer
	code := run([]string{"-server", addr, "-tls", "-insecure", "-from", "bounce@example.test", "-to", "x@example.org, y@example.org"},
		strings.NewReader(msg), &out, &errb)
	require.Equal(t, 0, code, errb.String())
	require.Len(t, strings.Split(strings.TrimSpace(out.String()), "\n"), 2)
	require.Equal(t, "<bounce@example.test>", be.msgs[0].from)
	require.Equal(t, []string{"x@example.org", "y@example.org"}, be.msgs[0].rcpts)
}

func TestSendmailStartTLSRequiredButMissing(t *testing.T) {
	be := &backend{}
	addr := serve(t, &smtp.Server{Hostname: "localhost", Backend: be})
	var out, errb bytes.Buffer
	code := run([]string{"-server", addr, "-starttls", "-user", "u", "-password", "p"}, strings.NewReader(msg), &out, &errb)
	require.Equal(t, 1, code)
	require.Contains(t, errb.String(), "STARTTLS")
	require.Empty(t, be.msgs)
}

func TestSendmailUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-server", "x:25", "-tls", "-starttls"}, {"-server", "x:25", "-user", "u"}, {"-bogus"}, {"-server", "x:25", "extra"}} {
		var out, errb bytes.Buffer
		require.Equal(t, 2, run(args, strings.NewReader(""), &out, &errb), args)
	}
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"-h"}, strings.NewReader(""), &out, &errb))
	require.Contains(t, errb.String(), "usage: sendmail")
}
