package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/auth"
)

// startTLS sends STARTTLS (plus extra pipelined plaintext) and upgrades the
// test client.
func (c *client) startTLS(extra string) {
	c.t.Helper()
	c.send("STARTTLS\r\n" + extra)
	c.run("S: 220 2.0.0 Ready to start TLS")
	tc := tls.Client(c.c, &tls.Config{InsecureSkipVerify: true})
	require.NoError(c.t, tc.Handshake())
	c.c = tc
	c.br = bufio.NewReader(tc)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestStartTLS(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, TLSConfig: testTLSConfig(t), Credentials: testCredentials(t), AuthFailureDelay: -1})
	c := dial(t, addr)
	caps := c.ehlo()
	require.Contains(t, caps, "STARTTLS")
	require.NotContains(t, strings.Join(caps, " "), "AUTH") // never before TLS
	require.NotContains(t, caps, "REQUIRETLS")
	c.run(`
		C: AUTH PLAIN ` + b64("\x00alice\x00secret") + `
		S: 538 5.7.11 *
		C: MAIL FROM:<a@b.test> REQUIRETLS
		S: 530 5.7.10 *
		C: MAIL FROM:<a@b.test>
		S: 250 *
		C: STARTTLS
		S: 503 5.5.1 STARTTLS not allowed in a transaction
		C: RSET
		S: 250 *`)
	// Plaintext pipelined behind STARTTLS is discarded, never executed
	// inside TLS (CVE-2011-0411).
	c.startTLS("MAIL FROM:<injected@x.test>\r\n")
	c.run(`
		C: MAIL FROM:<a@b.test>
		S: 503 5.5.1 Send EHLO/HELO first`)
	caps = c.hello()
	require.NotContains(t, caps, "STARTTLS")
	require.Contains(t, caps, "REQUIRETLS")
	require.Contains(t, caps, "AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN")
	c.run(`
		C: STARTTLS
		S: 503 5.5.1 TLS already active
		C: MAIL FROM:<a@b.test> REQUIRETLS
		C: RCPT TO:<c@d.test>
		C: DATA
		S: 250 *
		S: 250 *
		S: 354 *
		C: hi
		C: .
		S: 250 *`)
	m := b.messages()[0]
	require.True(t, m.Mail.RequireTLS)
	require.NotNil(t, m.Conn.TLS)
}

func TestImplicitTLS(t *testing.T) {
	b := &memBackend{}
	srv := &Server{Backend: b, TLSConfig: testTLSConfig(t), ImplicitTLS: true, Hostname: "mx.test", AddReceived: true}
	addr := startServer(t, srv)
	tc, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	require.NoError(t, err)
	defer tc.Close()
	c := &client{t: t, c: tc, br: bufio.NewReader(tc)}
	caps := c.ehlo()
	require.NotContains(t, caps, "STARTTLS")
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: hi\nC: .\nS: 250 *")
	require.Contains(t, b.messages()[0].Data, "with ESMTPS id")
	require.Contains(t, b.messages()[0].Data, "(using TLS 1.3 with cipher")
}

func TestAuth(t *testing.T) {
	b := &memBackend{}
	srv := &Server{Backend: b, Mode: ModeSubmission, Credentials: testCredentials(t), AllowInsecureAuth: true,
		AuthMechanisms: []string{"PLAIN", "LOGIN", "CRAM-MD5"}, AuthFailureDelay: 10 * time.Millisecond, MaxAuthFailures: 3}
	addr := startServer(t, srv)
	c := dial(t, addr)
	caps := c.ehlo()
	require.Contains(t, caps, "AUTH PLAIN LOGIN CRAM-MD5")
	c.run(`
		C: MAIL FROM:<a@b.test>
		S: 530 5.7.0 Authentication required
		C: AUTH FOO
		S: 504 5.5.4 *
		C: AUTH PLAIN !!!
		S: 501 5.5.2 *
		C: AUTH PLAIN ` + b64("\x00alice\x00wrong") + `
		S: 535 5.7.8 Authentication credentials invalid
		C: AUTH LOGIN
		S: 334 ` + b64("Username:") + `
		C: *
		S: 501 5.0.0 Authentication canceled
		C: AUTH LOGIN
		S: 334 *
		C: ` + b64("alice") + `
		S: 334 *
		C: ` + b64("secret") + `
		S: 235 2.7.0 Authentication successful
		C: AUTH PLAIN ` + b64("\x00alice\x00secret") + `
		S: 503 5.5.1 Already authenticated
		C: MAIL FROM:<a@b.test>
		S: 250 *`)
	caps = c.hello()
	require.NotContains(t, strings.Join(caps, " "), "AUTH ")

	// PLAIN with the initial response in a continuation; then failures
	// until 421.
	c = dial(t, addr)
	c.ehlo()
	c.run(`
		C: AUTH PLAIN
		S: 334*
		C: ` + b64("\x00alice\x00secret") + `
		S: 235 *`)
	c = dial(t, addr)
	c.ehlo()
	c.run(`
		C: AUTH PLAIN ` + b64("\x00alice\x00x") + `
		S: 535 *
		C: AUTH PLAIN ` + b64("\x00alice\x00y") + `
		S: 535 *
		C: AUTH PLAIN ` + b64("\x00alice\x00z") + `
		S: 421 4.7.0 Too many authentication failures
		S: <EOF>`)
	require.Equal(t, 30*time.Millisecond, srv.authDelay(3)) // growing delay
	require.Equal(t, 2*time.Second, (&Server{}).authDelay(2))
	require.Zero(t, (&Server{AuthFailureDelay: -1}).authDelay(5))
}

func TestAuthCRAMMD5AndSCRAM(t *testing.T) {
	b := &memBackend{}
	creds := testCredentials(t)
	srv := &Server{Backend: b, Credentials: creds, AllowInsecureAuth: true, AuthMechanisms: []string{"CRAM-MD5", "SCRAM-SHA-256"}}
	addr := startServer(t, srv)
	for _, mech := range []string{"CRAM-MD5", "SCRAM-SHA-256"} {
		c := dial(t, addr)
		c.ehlo()
		cl, err := auth.NewClient(mech, &auth.ClientOptions{Username: "alice", Password: "secret", AllowInsecure: true})
		require.NoError(t, err)
		ir, err := cl.Start()
		require.NoError(t, err)
		c.send("AUTH " + mech + " " + auth.EncodeInitialResponse(ir) + "\r\n")
		for {
			l := c.line()
			if strings.HasPrefix(l, "235 ") {
				break
			}
			require.True(t, strings.HasPrefix(l, "334 "), l)
			chal, err := auth.DecodeChallenge(l[4:], 0)
			require.NoError(t, err)
			resp, err := cl.Next(chal)
			require.NoError(t, err)
			c.send(auth.EncodeResponse(resp) + "\r\n")
		}
	}
}

func TestBDAT(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, MaxMessageBytes: 50, MaxErrors: 100})
	c := dial(t, addr)
	c.ehlo()
	c.run(`
		C: MAIL FROM:<a@b.test> BODY=BINARYMIME
		C: RCPT TO:<c@d.test>
		C: BDAT 6
		R: "hello "
		C: BDAT 7
		R: "world\r\n"
		C: BDAT 0 LAST
		S: 250 *
		S: 250 *
		S: 250 2.0.0 6 octets received
		S: 250 2.0.0 7 octets received
		S: 250 2.0.0 OK: message accepted
		C: MAIL FROM:<a@b.test> BODY=BINARYMIME
		C: RCPT TO:<c@d.test>
		C: DATA
		S: 250 *
		S: 250 *
		S: 503 5.5.1 BINARYMIME requires BDAT
		C: BDAT 3
		R: "abc"
		C: DATA
		S: 250 *
		S: 503 5.5.1 DATA not allowed in a BDAT transaction
		C: BDAT 60 LAST
		R: "` + strings.Repeat("x", 60) + `"
		S: 552 5.3.4 *
		C: BDAT 3 LAST
		R: "abc"
		S: 503 5.5.1 Need MAIL before BDAT
		C: RSET
		S: 250 *`)
	// A chunk after a failed RCPT in a pipelined group is read and
	// discarded: "RCPT" inside it is never run as a command.
	c.run(`
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<bad address>
		C: BDAT 20 LAST
		R: "RCPT TO:<c@d.test>\r\n"
		C: NOOP
		S: 250 *
		S: 501 *
		S: 554 5.5.1 No valid recipients
		S: 250 2.0.0 OK`)
	msgs := b.messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "hello world\r\n", msgs[0].Data)
	// A huge chunk size is refused without reading it.
	c.run(`
		C: BDAT 99999999999 LAST
		S: 552 5.3.4 *
		S: <EOF>`)
}

func TestXCLIENTAndProxy(t *testing.T) {
	b := &memBackend{}
	lo := netipPrefix(t, "127.0.0.0/8")
	addr := startServer(t, &Server{Backend: b, XCLIENTTrusted: lo})
	c := dial(t, addr)
	caps := c.ehlo()
	require.Contains(t, strings.Join(caps, " "), "XCLIENT NAME ADDR")
	c.run(`
		C: XCLIENT ADDR=192.0.2.7 PORT=4000 NAME=client.example LOGIN=bob
		S: 220 mx.test ESMTP Service ready
		C: EHLO real.example
		S: 250-*`)
	for !strings.HasPrefix(c.line(), "250 ") {
	}
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: x\nC: .\nS: 250 *")
	info := b.messages()[0].Conn
	require.Equal(t, "192.0.2.7:4000", info.RemoteAddr.String())
	require.Equal(t, "client.example", info.ClientName)
	require.Equal(t, "bob", info.Auth.Authn)
	require.True(t, info.Proxied)

	// Not trusted: refused.
	addr2 := startServer(t, &Server{Backend: b})
	c = dial(t, addr2)
	c.ehlo()
	c.run("C: XCLIENT ADDR=192.0.2.7\nS: 550 5.7.0 Insufficient authorization")

	// PROXY v1 and v2 from a trusted proxy.
	addr3 := startServer(t, &Server{Backend: b, TrustedProxies: lo})
	c = dial(t, addr3)
	c.send("PROXY TCP4 198.51.100.1 192.0.2.1 5555 25\r\n")
	c.ehlo()
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: x\nC: .\nS: 250 *")
	require.Equal(t, "198.51.100.1:5555", b.messages()[1].Conn.RemoteAddr.String())
	c = dial(t, addr3)
	v2 := append([]byte(nil), proxyV2Sig...)
	v2 = append(v2, 0x21, 0x11, 0, 12, 203, 0, 113, 9, 192, 0, 2, 1, 0x1f, 0x90, 0, 25)
	c.send(string(v2))
	c.ehlo()
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: x\nC: .\nS: 250 *")
	require.Equal(t, "203.0.113.9:8080", b.messages()[2].Conn.RemoteAddr.String())
	c = dial(t, addr3)
	c.send("PROXY TCP4 bogus\r\n")
	c.run("S: <EOF>")
}

func TestParseProxyV1(t *testing.T) {
	for _, bad := range []string{"", "PROXY", "PROXY TCP4 1.2.3.4 5.6.7.8 1", "PROXY TCP4 ::1 ::1 1 2", "PROXY TCP9 1.2.3.4 5.6.7.8 1 2", "PROXY TCP4 1.2.3.4 5.6.7.8 99999 2"} {
		_, _, err := parseProxyV1(bad)
		require.Error(t, err, bad)
	}
	src, _, err := parseProxyV1("PROXY UNKNOWN whatever")
	require.NoError(t, err)
	require.False(t, src.IsValid())
	src, dst, err := parseProxyV1("PROXY TCP6 2001:db8::1 2001:db8::2 1000 25")
	require.NoError(t, err)
	require.Equal(t, "[2001:db8::1]:1000", src.String())
	require.Equal(t, "[2001:db8::2]:25", dst.String())
}

func TestDebugTraceRedactsAuth(t *testing.T) {
	var buf syncBuffer
	srv := &Server{Backend: &memBackend{}, Credentials: testCredentials(t), AllowInsecureAuth: true, Debug: &buf}
	addr := startServer(t, srv)
	c := dial(t, addr)
	c.ehlo()
	secret := b64("\x00alice\x00secret")
	c.run("C: AUTH PLAIN " + secret + "\nS: 235 *\nC: AUTH LOGIN\nS: 503 *\nC: QUIT\nS: 221 *")
	out := buf.String()
	require.NotContains(t, out, secret)
	require.Contains(t, out, "C: AUTH PLAIN <redacted>")
	require.Contains(t, out, "S: 235 2.7.0 Authentication successful")
}

func TestHelloChecker(t *testing.T) {
	b := &memBackend{}
	srv := &Server{Backend: BackendFunc(func(ctx context.Context, c *ConnInfo) (Session, error) {
		s, _ := b.NewSession(ctx, c)
		return heloSession{s.(*memSession)}, nil
	})}
	addr := startServer(t, srv)
	c := dial(t, addr)
	c.run("S: 220 *\nC: HELO bad.example\nS: 550 5.7.1 Bad HELO\nC: MAIL FROM:<a@b.test>\nS: 503 *\nC: HELO good.example\nS: 250 *\nC: VRFY nobody\nS: 550 5.1.1 *\nC: VRFY alice\nS: 250 2.1.5 User OK")
}

type heloSession struct{ *memSession }

func (h heloSession) Hello(ctx context.Context, c *ConnInfo) error {
	if c.Helo == "bad.example" {
		return &Error{Code: 550, EnhancedCode: code(5, 7, 1), Message: "Bad HELO"}
	}
	return nil
}

func (h heloSession) Verify(ctx context.Context, arg string) error {
	if arg == "alice" {
		return nil
	}
	return ErrNoSuchUser
}

var _ net.Conn = (*tls.Conn)(nil)

func TestProxyPerClientLimit(t *testing.T) {
	lo := netipPrefix(t, "127.0.0.0/8")
	addr := startServer(t, &Server{Backend: &memBackend{}, TrustedProxies: lo, MaxConnectionsPerIP: 2})
	// Many connections from the proxy itself are fine...
	for i := range 3 {
		c := dial(t, addr)
		c.send("PROXY TCP4 198.51.100." + string(rune('1'+i)) + " 192.0.2.1 5555 25\r\n")
		c.run("S: 220 *")
	}
	// ...but one real client is held to MaxConnectionsPerIP.
	for range 2 {
		c := dial(t, addr)
		c.send("PROXY TCP4 203.0.113.5 192.0.2.1 5555 25\r\n")
		c.run("S: 220 *")
	}
	c := dial(t, addr)
	c.send("PROXY TCP4 203.0.113.5 192.0.2.1 5555 25\r\n")
	c.run("S: 421 4.7.0 Too many connections, try again later\nS: <EOF>")
}

func TestParseProxyV2(t *testing.T) {
	hdr := func(verCmd, fam byte, n int) []byte {
		return append(append([]byte(nil), proxyV2Sig...), verCmd, fam, byte(n>>8), byte(n))
	}
	_, _, n, err := parseProxyV2Header(hdr(0x21, 0x21, 36))
	require.NoError(t, err)
	require.Equal(t, 36, n)
	for _, bad := range [][]byte{hdr(0x11, 0x11, 12), hdr(0x2f, 0x11, 12), append([]byte("\r\n\r\n\x00\r\nQUIX\n"), 0x21, 0x11, 0, 12)} {
		_, _, _, err := parseProxyV2Header(bad)
		require.Error(t, err)
	}
	body := make([]byte, 36)
	body[15], body[31], body[33], body[35] = 1, 2, 80, 25
	src, dst, err := parseProxyV2Addrs(0x21, body, netip.AddrPort{}, netip.AddrPort{})
	require.NoError(t, err)
	require.Equal(t, "[::1]:80", src.String())
	require.Equal(t, "[::2]:25", dst.String())
	_, _, err = parseProxyV2Addrs(0x21, body[:20], netip.AddrPort{}, netip.AddrPort{})
	require.Error(t, err)
	_, _, err = parseProxyV2Addrs(0x11, body[:4], netip.AddrPort{}, netip.AddrPort{})
	require.Error(t, err)
	src, _, err = parseProxyV2Addrs(0x00, nil, netip.AddrPort{}, netip.AddrPort{}) // LOCAL/UNSPEC
	require.NoError(t, err)
	require.False(t, src.IsValid())
}

func TestProtocolName(t *testing.T) {
	id := &auth.Identity{Authn: "a"}
	st := &tls.ConnectionState{}
	for _, tc := range []struct {
		mode  Mode
		esmtp bool
		utf8  bool
		tls   *tls.ConnectionState
		id    *auth.Identity
		want  string
	}{
		{ModeMTA, false, false, nil, nil, "SMTP"},
		{ModeMTA, true, false, nil, nil, "ESMTP"},
		{ModeSubmission, true, false, st, id, "ESMTPSA"},
		{ModeMTA, true, true, st, nil, "UTF8SMTPS"},
		{ModeLMTP, true, false, nil, nil, "LMTP"},
		{ModeLMTP, true, false, st, id, "LMTPSA"},
	} {
		c := &conn{srv: &Server{Mode: tc.mode}}
		c.info.ESMTP, c.info.TLS, c.info.Auth = tc.esmtp, tc.tls, tc.id
		c.mailParams.SMTPUTF8 = tc.utf8
		require.Equal(t, tc.want, protocolName(c))
	}
	require.Equal(t, "lmtp", ModeLMTP.String())
	require.Equal(t, "submission", ModeSubmission.String())
	require.Equal(t, "mta", ModeMTA.String())
}
