package smtp

import (
	"bufio"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/envelope"
)

func TestTransaction(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b})
	c := dial(t, addr)
	caps := c.ehlo()
	require.Equal(t, "mx.test greets client.test", caps[0])
	for _, want := range []string{"PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "DSN", "CHUNKING", "BINARYMIME", "SIZE 33554432", "LIMITS RCPTMAX=1000 MAILMAX=1000", "HELP"} {
		require.Contains(t, caps, want)
	}
	require.NotContains(t, caps, "STARTTLS")
	c.run(`
		C: MAIL FROM:<a@example.org> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=abc+2Bd
		S: 250 2.1.0 Sender OK
		C: RCPT TO:<b@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.test
		S: 250 2.1.5 Recipient OK
		C: DATA
		S: 354 *
		C: Subject: test
		C:
		C: ..leading dot
		C: .
		S: 250 2.0.0 OK: message accepted
		C: QUIT
		S: 221 2.0.0 mx.test closing connection
		S: <EOF>`)
	msgs := b.messages()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, "<a@example.org>", m.From)
	require.Equal(t, []string{"<b@example.test>"}, m.Rcpts)
	require.Equal(t, "Subject: test\r\n\r\n.leading dot\r\n", m.Data)
	require.Equal(t, envelope.RetHdrs, m.Mail.Ret)
	require.Equal(t, "abc+d", m.Mail.EnvID)
	require.Equal(t, envelope.NotifySuccess|envelope.NotifyFailure, m.Rcpt[0].Notify)
	require.Equal(t, "client.test", m.Conn.Helo)
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.logouts == 1 }, 5*time.Second, 10*time.Millisecond)
}

func TestCommandsAndErrors(t *testing.T) {
	b := &memBackend{rcptErr: func(to envelope.Path) error {
		if to.Local == "inject" {
			return &Error{Code: 550, EnhancedCode: code(5, 1, 1), Message: "no such user\r\n250 2.0.0 fake success"}
		}
		if to.Local == "db" {
			return errTest
		}
		return nil
	}}
	addr := startServer(t, &Server{Backend: b, MaxErrors: 100})
	c := dial(t, addr)
	c.run(`
		S: 220 mx.test ESMTP Service ready
		C: MAIL FROM:<a@b.test>
		S: 503 5.5.1 Send EHLO/HELO first
		C: HELO
		S: 501 5.5.4 Domain or address literal required
		C: HELO client.test
		S: 250 mx.test
		C: RCPT TO:<x@y.test>
		S: 503 5.5.1 Need MAIL before RCPT
		C: DATA
		S: 503 5.5.1 Need MAIL before DATA
		C: MAIL <a@b.test>
		S: 501 5.5.4 Syntax: MAIL FROM:<address>
		C: MAIL FROM:<a@@b>
		S: 501 *
		C: MAIL FROM:<a@b.test> FOO=bar
		S: 555 5.5.4 Unsupported parameter FOO
		C: MAIL FROM:<a@b.test> SIZE=999999999999
		S: 552 5.3.4 Message size exceeds fixed maximum message size
		C: MAIL FROM:<δ@b.test>
		S: 553 5.6.7 *
		C: MAIL FROM:<>
		S: 250 2.1.0 Sender OK
		C: MAIL FROM:<a@b.test>
		S: 503 5.5.1 Nested MAIL command
		C: DATA
		S: 554 5.5.1 No valid recipients
		C: RCPT TO:<inject@b.test>
		S: 550-5.1.1 no such user
		S: 550 5.1.1 250 2.0.0 fake success
		C: RCPT TO:<db@b.test>
		S: 451 4.3.0 Internal server error
		C: RCPT TO:<x@b.test> FOO=1
		S: 555 5.5.4 Unsupported parameter FOO
		C: RCPT x@b.test
		S: 501 5.5.4 Syntax: RCPT TO:<address>
		C: RSET now
		S: 501 5.5.4 *
		C: RSET
		S: 250 2.0.0 Reset OK
		C: NOOP
		S: 250 2.0.0 OK
		C: VRFY
		S: 501 5.5.4 *
		C: VRFY alice
		S: 252 2.1.5 *
		C: EXPN list
		S: 502 5.5.1 EXPN not available
		C: HELP
		S: 214-2.0.0 *
		S: 214 2.0.0 See RFC 5321
		C: FOOBAR
		S: 500 5.5.2 Command not recognized
		C: 12345
		S: 500 5.5.2 Syntax error, command unrecognized
		C: STARTTLS
		S: 502 5.5.1 STARTTLS not available
		C: AUTH PLAIN
		S: 502 5.5.1 AUTH not available
		C: LHLO x
		S: 500 5.5.2 Command not recognized
		C: BDAT x
		S: 501 5.5.4 Syntax: BDAT size [LAST]
		S: <EOF>`)
	require.Empty(t, b.messages())
}

func TestPipelining(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b})
	c := dial(t, addr)
	c.ehlo()
	// RFC 2920: one write with the whole transaction up to DATA; the replies
	// come back together.
	c.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nRCPT TO:<e@d.test>\r\nDATA\r\n")
	c.run(`
		S: 250 2.1.0 Sender OK
		S: 250 2.1.5 Recipient OK
		S: 250 2.1.5 Recipient OK
		S: 354 *
		C: hello
		C: .
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<c@d.test>
		C: DATA
		S: 250 2.0.0 OK: message accepted
		S: 250 2.1.0 Sender OK
		S: 250 2.1.5 Recipient OK
		S: 354 *
		C: second
		C: .
		C: QUIT
		S: 250 2.0.0 OK: message accepted
		S: 221 *`)
	msgs := b.messages()
	require.Len(t, msgs, 2)
	require.Equal(t, []string{"<c@d.test>", "<e@d.test>"}, msgs[0].Rcpts)
	require.Equal(t, "second\r\n", msgs[1].Data)
}

// TestSmuggling sends every end-of-data variant of SECURITY.md followed by
// a pipelined transaction and the real terminator: the result is one
// rejected message and never a second one.
func TestSmuggling(t *testing.T) {
	variants := []string{"\n.\n", "\r.\r", "\r.\n", "\n.\r", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r", "\r\n\x00.\r\n"}
	for _, normalize := range []bool{false, true} {
		b := &memBackend{}
		addr := startServer(t, &Server{Backend: b, NormalizeBareLF: normalize, MaxErrors: 100})
		for _, v := range variants {
			c := dial(t, addr)
			c.ehlo()
			c.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n")
			c.run("S: 250 *\nS: 250 *\nS: 354 *")
			c.send("Subject: x\r\n\r\nbody" + v + "MAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@d.test>\r\nDATA\r\nsmuggled\r\n.\r\nNOOP\r\n")
			got := c.line()
			c.run("S: 250 2.0.0 OK")
			if v == "\r\n\x00.\r\n" || normalize && !strings.Contains(v, "\r.") && !strings.HasSuffix(v, "\r") {
				require.True(t, strings.HasPrefix(got, "250 "), "variant %q: %s", v, got)
			} else {
				require.Equal(t, "550 5.6.0 Bare CR or LF in message data is not allowed (RFC 5321 section 2.3.8)", got, "variant %q", v)
			}
		}
		for _, m := range b.messages() {
			require.Equal(t, "<a@b.test>", m.From)
			require.Contains(t, m.Data, "smuggled") // one message, with the smuggled text inside it
		}
	}
}

func TestSizeLimitDrains(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, MaxMessageBytes: 100})
	c := dial(t, addr)
	c.ehlo()
	c.run(`
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<c@d.test>
		C: DATA
		S: 250 *
		S: 250 *
		S: 354 *`)
	c.send(strings.Repeat("x", 200) + "\r\nRSET\r\nMAIL FROM:<evil@x.test>\r\n.\r\nNOOP\r\n")
	c.run(`
		S: 552 5.3.4 Message size exceeds fixed maximum message size
		S: 250 2.0.0 OK
		C: MAIL FROM:<a@b.test> SIZE=101
		S: 552 5.3.4 *`)
	require.Empty(t, b.messages())
	require.Equal(t, 1, b.dataErrs)
}

func TestTooManyRecipientsAndErrors(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, MaxRecipients: 2, MaxErrors: 3})
	c := dial(t, addr)
	c.ehlo()
	c.run(`
		C: MAIL FROM:<>
		C: RCPT TO:<a@d.test>
		C: RCPT TO:<b@d.test>
		C: RCPT TO:<c@d.test>
		S: 250 *
		S: 250 *
		S: 250 *
		S: 452 4.5.3 Too many recipients
		C: FOO
		S: 500 *
		C: BAR
		S: 500 5.5.2 Command not recognized
		S: 421 4.7.0 Too many errors, closing connection
		S: <EOF>`)
}

func TestNullSenderRecipients(t *testing.T) {
	addr := startServer(t, &Server{Backend: &memBackend{}, MaxNullSenderRecipients: 2})
	c := dial(t, addr)
	c.ehlo()
	c.run(`
		C: MAIL FROM:<>
		C: RCPT TO:<a@d.test>
		C: RCPT TO:<b@d.test>
		C: RCPT TO:<c@d.test>
		S: 250 *
		S: 250 *
		S: 250 *
		S: 452 4.5.3 Too many recipients
		C: RSET
		C: MAIL FROM:<x@y.test>
		C: RCPT TO:<a@d.test>
		C: RCPT TO:<b@d.test>
		C: RCPT TO:<c@d.test>
		S: 250 *
		S: 250 *
		S: 250 *
		S: 250 *
		S: 250 *`)
}

func TestGlobalConnectionLimit(t *testing.T) {
	addr := startServer(t, &Server{Backend: &memBackend{}, MaxConnections: 1})
	c1 := dial(t, addr)
	c1.run("S: 220 *")
	c2 := dial(t, addr)
	c2.run("S: 421 4.7.0 Too many connections, try again later\nS: <EOF>")
}

func TestListenAndServeClosed(t *testing.T) {
	srv := &Server{Backend: &memBackend{}, Addr: "127.0.0.1:0"}
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe() }()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, srv.Close())
	require.ErrorIs(t, <-done, ErrServerClosed)
	require.ErrorIs(t, srv.ListenAndServe(), ErrServerClosed)
	require.Error(t, (&Server{}).Serve(nil)) // no backend
}

func TestBDATWithoutLast(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, TLSConfig: testTLSConfig(t)})
	c := dial(t, addr)
	c.ehlo()
	c.run(`
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<c@d.test>
		C: BDAT 5
		R: "hello"
		S: 250 *
		S: 250 *
		S: 250 2.0.0 5 octets received
		C: STARTTLS
		S: 503 5.5.1 STARTTLS not allowed in a transaction
		C: QUIT
		S: 221 *
		S: <EOF>`)
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.dataErrs == 1 && b.logouts == 1 }, 5*time.Second, 10*time.Millisecond)
	require.Empty(t, b.messages())
}

func TestContextCancelledOnDisconnect(t *testing.T) {
	ctxs := make(chan context.Context, 1)
	srv := &Server{Backend: BackendFunc(func(ctx context.Context, c *ConnInfo) (Session, error) {
		ctxs <- ctx
		return &memSession{b: &memBackend{}, info: c}, nil
	})}
	addr := startServer(t, srv)
	c := dial(t, addr)
	c.run("S: 220 *")
	ctx := <-ctxs
	require.NoError(t, ctx.Err())
	c.c.Close()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("ctx not cancelled after the connection ended")
	}
}

func TestShutdownTimeout(t *testing.T) {
	srv := &Server{Backend: &memBackend{}}
	addr := startServer(t, srv)
	busy := dial(t, addr)
	busy.ehlo()
	busy.run("C: MAIL FROM:<a@b.test>\nS: 250 *") // in a transaction, never finishing
	ctx, cancel := contextWithTimeout(200 * time.Millisecond)
	defer cancel()
	require.ErrorIs(t, srv.Shutdown(ctx), context.DeadlineExceeded)
	busy.run("S: <EOF>")
}

func TestJunkAndLongLines(t *testing.T) {
	addr := startServer(t, &Server{Backend: &memBackend{}, MaxLineLength: 512})
	c := dial(t, addr)
	c.run(`
		S: 220 *
		C: GET / HTTP/1.1
		S: 502 5.5.1 This is an SMTP server, closing connection
		S: <EOF>`)
	c = dial(t, addr)
	c.run("S: 220 *")
	c.send("NOOP " + strings.Repeat("x", 600) + "\r\nNOOP\r\n")
	c.run("S: 500 5.5.2 Line too long\nS: 250 2.0.0 OK")
	// A line that never ends is read only boundedly, then the connection
	// is closed.
	c.send(strings.Repeat("y", 16*maxAuthLine+4096))
	c.run("S: 500 5.5.2 Line too long\nS: <EOF>")
}

func TestRejectAtConnectAndHelo(t *testing.T) {
	b := &memBackend{reject: func(c *ConnInfo) error {
		return &Error{Code: 554, EnhancedCode: code(5, 7, 1), Message: "Blocked"}
	}}
	addr := startServer(t, &Server{Backend: b})
	c := dial(t, addr)
	c.run("S: 554 5.7.1 Blocked\nS: <EOF>")
}

func TestBackendPanic(t *testing.T) {
	b := &memBackend{panicOn: "rcpt"}
	addr := startServer(t, &Server{Backend: b})
	for range 2 { // the server keeps serving
		c := dial(t, addr)
		c.ehlo()
		c.run(`
			C: MAIL FROM:<a@b.test>
			S: 250 *
			C: RCPT TO:<c@d.test>
			S: 421 4.3.0 Internal server error, closing connection
			S: <EOF>`)
	}
	b2 := &memBackend{panicOn: "data"}
	addr = startServer(t, &Server{Backend: b2})
	c := dial(t, addr)
	c.ehlo()
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: x\nC: .\nS: 421 4.3.0 *\nS: <EOF>")
	b3 := &memBackend{reject: func(*ConnInfo) error { panic("boom") }}
	addr = startServer(t, &Server{Backend: b3})
	dial(t, addr).run("S: 421 4.3.0 Internal server error, closing connection\nS: <EOF>")
}

func TestLoopDetection(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, MaxReceived: 3})
	c := dial(t, addr)
	c.ehlo()
	c.run(`
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<c@d.test>
		C: DATA
		S: 250 *
		S: 250 *
		S: 354 *
		C: Received: from a
		C: received: from b
		C: RECEIVED: from c
		C: Subject: loop
		C:
		C: body
		C: .
		S: 554 5.4.6 Too many hops, mail loop detected
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<c@d.test>
		C: DATA
		S: 250 *
		S: 250 *
		S: 354 *
		C: Received: from a
		C: Received: from b
		C: X-Received: x
		C:
		C: Received: in body
		C: .
		S: 250 *`)
	require.Len(t, b.messages(), 1)
}

func TestReceivedField(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, AddReceived: true})
	c := dial(t, addr)
	c.ehlo()
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: Subject: x\nC:\nC: hi\nC: .\nS: 250 *")
	m := b.messages()[0]
	require.True(t, strings.HasPrefix(m.Data, "Received: from client.test ([127.0.0.1])\r\n\tby mx.test with ESMTP id "), m.Data)
	require.Contains(t, m.Data, "\tfor <c@d.test>; ")
	require.True(t, strings.HasSuffix(m.Data, "\r\nSubject: x\r\n\r\nhi\r\n"))
}

func TestLMTP(t *testing.T) {
	b := &memBackend{lmtp: true, rcptErr: func(to envelope.Path) error {
		if to.Local == "nobody" {
			return ErrNoSuchUser
		}
		return nil
	}}
	addr := startServer(t, &Server{Backend: b, Mode: ModeLMTP})
	c := dial(t, addr)
	c.run(`
		S: 220 mx.test LMTP Service ready
		C: EHLO x
		S: 500 *
		C: LHLO client.test
		S: 250-mx.test greets client.test
		S: 250-PIPELINING*`)
	for !strings.HasPrefix(c.line(), "250 ") {
	}
	c.run(`
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<ok@d.test>
		C: RCPT TO:<nobody@d.test>
		C: RCPT TO:<full@d.test>
		C: DATA
		S: 250 *
		S: 250 *
		S: 550 5.1.1 No such user here
		S: 250 *
		S: 354 *
		C: hi
		C: .
		S: 250 2.0.0 OK: message accepted
		S: 452 4.2.2 Mailbox full
		C: MAIL FROM:<a@b.test>
		C: RCPT TO:<ok@d.test>
		C: RCPT TO:<ok2@d.test>
		C: BDAT 4 LAST
		R: "hi\r\n"
		S: 250 *
		S: 250 *
		S: 250 *
		S: 250 2.0.0 OK: message accepted
		S: 250 2.0.0 OK: message accepted`)
}

func TestConnectionLimits(t *testing.T) {
	addr := startServer(t, &Server{Backend: &memBackend{}, MaxConnectionsPerIP: 2})
	c1, c2 := dial(t, addr), dial(t, addr)
	c1.run("S: 220 *")
	c2.run("S: 220 *")
	c3 := dial(t, addr)
	c3.run("S: 421 4.7.0 Too many connections, try again later\nS: <EOF>")
	c1.run("C: QUIT\nS: 221 *\nS: <EOF>")
	require.Eventually(t, func() bool {
		c := dial(t, addr)
		return strings.HasPrefix(c.line(), "220 ")
	}, 5*time.Second, 20*time.Millisecond)
}

func TestTimeouts(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, CommandTimeout: 200 * time.Millisecond, DataBlockTimeout: 200 * time.Millisecond})
	c := dial(t, addr)
	c.run("S: 220 *\nS: 421 4.4.2 Timeout, closing connection\nS: <EOF>")
	c = dial(t, addr)
	c.ehlo()
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: partial")
	c.run("S: 421 4.4.2 Timeout, closing connection\nS: <EOF>")
	require.Empty(t, b.messages())
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.dataErrs == 1 }, 5*time.Second, 10*time.Millisecond)
}

func TestSlowloris(t *testing.T) {
	addr := startServer(t, &Server{Backend: &memBackend{}, CommandTimeout: 300 * time.Millisecond})
	c := dial(t, addr)
	c.run("S: 220 *")
	// One octet every 50 ms never lets a single read time out, but the
	// command as a whole must arrive within CommandTimeout.
	go func() {
		for _, b := range []byte("NOOP NOOP NOOP NOOP NOOP NOOP\r\n") {
			if _, err := c.c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	c.run("S: 421 4.4.2 Timeout, closing connection\nS: <EOF>")
}

func TestLongAuthLine(t *testing.T) {
	addr := startServer(t, &Server{Backend: &memBackend{}, Credentials: testCredentials(t), AllowInsecureAuth: true,
		AuthMechanisms: []string{"PLAIN"}, AuthFailureDelay: -1})
	c := dial(t, addr)
	c.ehlo()
	// RFC 4954 section 4: AUTH lines may be up to 12288 octets.
	// (The auth package bounds a PLAIN field to 255 octets: the long line
	// reaches it and is refused as malformed, not as an overlong line.)
	c.run("C: AUTH PLAIN " + b64("\x00alice\x00"+strings.Repeat("p", 4000)) + "\nS: 501 5.5.2 Malformed*")
	c.run("C: NOOP " + strings.Repeat("x", 3000) + "\nS: 500 5.5.2 Line too long")
	c.run("C: AUTH PLAIN\nS: 334*\nC: " + b64("\x00alice\x00"+strings.Repeat("p", 6000)) + "\nS: 501 5.5.2 Malformed*")
	c.run("C: AUTH PLAIN " + b64("\x00alice\x00secret") + "\nS: 235 *")
}

func TestDropMidData(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b})
	for _, bdat := range []bool{false, true} {
		c := dial(t, addr)
		c.ehlo()
		if bdat {
			c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: BDAT 100 LAST\nS: 250 *\nS: 250 *")
		} else {
			c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *")
		}
		c.send("Subject: partial\r\n")
		c.c.Close()
	}
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.dataErrs == 2 && b.logouts == 2 }, 5*time.Second, 10*time.Millisecond)
	require.Empty(t, b.messages())
}

func TestShutdown(t *testing.T) {
	b := &memBackend{}
	srv := &Server{Backend: b, Hostname: "mx.test"}
	addr := startServer(t, srv)
	idle := dial(t, addr)
	idle.ehlo()
	busy := dial(t, addr)
	busy.ehlo()
	busy.run("C: MAIL FROM:<a@b.test>\nS: 250 *")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := contextWithTimeout(10 * time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	idle.run("S: 421 4.3.2 Server shutting down\nS: <EOF>")
	// The transaction in progress is allowed to finish.
	busy.run("C: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 354 *\nC: x\nC: .\nS: 250 *\nS: 421 4.3.2 Server shutting down\nS: <EOF>")
	require.NoError(t, <-done)
	require.Len(t, b.messages(), 1)
}

func TestMailAndRcptParams(t *testing.T) {
	b := &memBackend{}
	addr := startServer(t, &Server{Backend: b, MaxErrors: 100})
	c := dial(t, addr)
	c.ehlo()
	c.run(`
		C: MAIL FROM:<a@b.test> BODY=BOGUS
		S: 501 5.5.4 *
		C: MAIL FROM:<a@b.test> SIZE=1 SIZE=2
		S: 501 *
		C: MAIL FROM:<a@b.test> MT-PRIORITY=3
		S: 555 5.5.4 Unsupported parameter
		C: MAIL FROM:<δοκιμή@παράδειγμα.test> SMTPUTF8 AUTH=<> RET=FULL
		S: 250 2.1.0 Sender OK
		C: RCPT TO:<x@d.test> NOTIFY=BOGUS
		S: 501 *
		C: RCPT TO:<ü@d.test> NOTIFY=NEVER ORCPT=rfc822;x+2By@d.test
		S: 250 2.1.5 Recipient OK
		C: DATA
		S: 354 *
		C: hi
		C: .
		S: 250 *`)
	m := b.messages()[0]
	require.True(t, m.Mail.SMTPUTF8)
	require.True(t, m.Mail.HasAuth)
	require.Equal(t, envelope.RetFull, m.Mail.Ret)
	require.Equal(t, "<δοκιμή@παράδειγμα.test>", m.From)
	require.Equal(t, envelope.NotifyNever, m.Rcpt[0].Notify)
}

func TestUnixSocketLMTP(t *testing.T) {
	b := &memBackend{}
	srv := &Server{Backend: b, Mode: ModeLMTP, Hostname: "mx.test", MaxConnectionsPerIP: 1}
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "lmtp.sock"))
	require.NoError(t, err)
	go srv.Serve(l)
	defer srv.Close()
	for range 3 { // no per-IP bound on unix sockets
		nc, err := net.Dial("unix", l.Addr().String())
		require.NoError(t, err)
		defer nc.Close()
		c := &client{t: t, c: nc, br: bufio.NewReader(nc)}
		c.run("S: 220 mx.test LMTP Service ready")
	}
}

// waitSession reads the whole message, then waits for its ctx (standing
// for a slow backend) and reports whether the ctx was cancelled.
type waitSession struct {
	*memSession
	cancelled chan bool
	wait      time.Duration
}

func (w waitSession) Data(ctx context.Context, r io.Reader) error {
	if _, err := io.ReadAll(r); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		w.cancelled <- true
		return ctx.Err()
	case <-time.After(w.wait):
		w.cancelled <- false
		return nil
	}
}

func TestDataContextCancelledOnHangup(t *testing.T) {
	cancelled := make(chan bool, 4)
	waits := make(chan time.Duration, 2)
	waits <- 30 * time.Second // longer than the test: only a cancel ends it
	waits <- 0
	srv := &Server{TLSConfig: testTLSConfig(t), Backend: BackendFunc(func(ctx context.Context, c *ConnInfo) (Session, error) {
		return waitSession{&memSession{b: &memBackend{}, info: c}, cancelled, <-waits}, nil
	})}
	addr := startServer(t, srv)
	// The client hangs up while the backend works: Data's ctx is cancelled.
	c := dial(t, addr)
	c.ehlo()
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *")
	c.send("hi\r\n.\r\n")
	c.c.Close()
	requireCancelled(t, cancelled)
	// A client that waits gets its reply, and the session (here inside
	// TLS) goes on normally after the watch ends.
	c = dial(t, addr)
	c.ehlo()
	c.startTLS("")
	c.hello()
	c.run("C: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nC: DATA\nS: 250 *\nS: 250 *\nS: 354 *\nC: hi\nC: .\nS: 250 2.0.0 OK: message accepted\nC: NOOP\nS: 250 2.0.0 OK")
	require.False(t, <-cancelled)
}

// requireCancelled waits for the backend's Data to report whether its ctx
// was cancelled, and requires that it was.
func requireCancelled(t *testing.T, cancelled <-chan bool) {
	t.Helper()
	select {
	case got := <-cancelled:
		require.True(t, got, "Data's ctx was not cancelled when the client hung up")
	case <-time.After(20 * time.Second):
		t.Fatal("Data did not return")
	}
}
