package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
)

// scriptServer plays a server from a transcript. Lines starting "C: " are
// what the client must send (compared exactly, without CRLF); "S: " lines
// are sent to the client (CRLF added); "TLS" runs a server handshake; "EOF"
// expects the client to close the connection.
func scriptServer(t *testing.T, conn net.Conn, script string) <-chan error {
	done := make(chan error, 1)
	go func() {
		defer conn.Close()
		done <- playScript(conn, script)
	}()
	return done
}

func playScript(conn net.Conn, script string) error {
	br := bufio.NewReader(conn)
	for _, step := range strings.Split(strings.TrimSpace(script), "\n") {
		if step == "C:" {
			step = "C: "
		}
		switch {
		case strings.HasPrefix(step, "S: "):
			if _, err := io.WriteString(conn, strings.ReplaceAll(step[3:], `\r\n`, "\r\n")+"\r\n"); err != nil {
				return err
			}
		case strings.HasPrefix(step, "C: "):
			line, err := br.ReadString('\n')
			if err != nil {
				return errors.New("want " + step + ", got error " + err.Error())
			}
			if got := strings.TrimSuffix(line, "\r\n"); got != step[3:] {
				return errors.New("want " + step + ", got C: " + got)
			}
		case step == "TLS":
			tc := tls.Server(conn, testServerTLS())
			if err := tc.Handshake(); err != nil {
				return err
			}
			conn, br = tc, bufio.NewReader(tc)
		case step == "EOF":
			if _, err := br.ReadByte(); err != io.EOF {
				return errors.New("want EOF from the client")
			}
		}
	}
	return nil
}

func dialScript(t *testing.T, script string, opts *ClientOptions) (*Client, <-chan error, error) {
	t.Helper()
	cc, sc := net.Pipe()
	done := scriptServer(t, sc, script)
	if opts == nil {
		opts = &ClientOptions{}
	}
	if opts.Hostname == "" {
		opts.Hostname = "client.test"
	}
	if opts.TLSConfig == nil {
		opts.TLSConfig = &tls.Config{InsecureSkipVerify: true}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	c, err := NewClient(ctx, cc, "mx.test", opts)
	return c, done, err
}

func mustPath(t *testing.T, s string) envelope.Path {
	t.Helper()
	p, err := envelope.ParseForwardPath("<"+s+">", &envelope.PathOptions{SMTPUTF8: true})
	require.NoError(t, err)
	return p
}

func testEnvelope(t *testing.T, from string, rcpts ...string) *envelope.Envelope {
	env := &envelope.Envelope{}
	if from != "" {
		env.From = mustPath(t, from)
	}
	for _, r := range rcpts {
		env.Rcpts = append(env.Rcpts, envelope.Recipient{Path: mustPath(t, r)})
	}
	return env
}

const ehloPipelining = `
S: 220 mx.test ESMTP
C: EHLO client.test
S: 250-mx.test
S: 250-PIPELINING
S: 250-8BITMIME
S: 250-SIZE 1000
S: 250 ENHANCEDSTATUSCODES
`

func TestClientPipelinedPartialSuccess(t *testing.T) {
	c, done, err := dialScript(t, ehloPipelining+`
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@mx.test>
C: RCPT TO:<nobody@mx.test>
C: DATA
S: 250 2.1.0 ok
S: 250 2.1.5 ok
S: 550 5.1.1 no such user
S: 354 go ahead
C: Subject: hi
C: 
C: ..leading dot
C: .
S: 250 2.0.0 queued as 123
C: QUIT
S: 221 bye
`, nil)
	require.NoError(t, err)
	require.True(t, c.Capabilities().Pipelining)
	require.EqualValues(t, 1000, c.Capabilities().Size)
	res, err := c.Send(context.Background(), testEnvelope(t, "a@x.test", "b@mx.test", "nobody@mx.test"),
		strings.NewReader("Subject: hi\r\n\r\n.leading dot\r\n"), nil)
	require.NoError(t, err)
	require.Equal(t, 1, res.Accepted())
	require.NoError(t, res.Rcpts[0].Err)
	require.Equal(t, 250, res.Rcpts[0].Code)
	require.Equal(t, "queued as 123", res.Rcpts[0].Message)
	var e *Error
	require.ErrorAs(t, res.Rcpts[1].Err, &e)
	require.Equal(t, 550, e.Code)
	require.Equal(t, "5.1.1", e.EnhancedCode.String())
	require.NoError(t, c.Quit(context.Background()))
	require.NoError(t, <-done)
}

func TestClientSerialAndHeloFallback(t *testing.T) {
	c, done, err := dialScript(t, `
S: 220 old.test
C: EHLO client.test
S: 502 what?
C: HELO client.test
S: 250 old.test
C: MAIL FROM:<>
S: 250 ok
C: RCPT TO:<b@old.test>
S: 451 try later
C: RCPT TO:<c@old.test>
S: 250 ok
C: DATA
S: 354 go
C: x
C: .
S: 250 ok
`, nil)
	require.NoError(t, err)
	require.False(t, c.Capabilities().Extended)
	res, err := c.Send(context.Background(), testEnvelope(t, "", "b@old.test", "c@old.test"),
		strings.NewReader("x"), nil)
	require.NoError(t, err)
	var e *Error
	require.ErrorAs(t, res.Rcpts[0].Err, &e)
	require.True(t, e.Temporary())
	require.NoError(t, res.Rcpts[1].Err)
	c.Close()
	require.NoError(t, <-done)
}

func TestClientAllRecipientsRefusedResets(t *testing.T) {
	c, done, err := dialScript(t, ehloPipelining+`
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@mx.test>
C: DATA
S: 250 ok
S: 550 5.1.1 no
S: 554 5.5.1 no valid recipients
C: RSET
S: 250 ok
`, nil)
	require.NoError(t, err)
	res, err := c.Send(context.Background(), testEnvelope(t, "a@x.test", "b@mx.test"),
		strings.NewReader("x\r\n"), nil)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 550, e.Code)
	require.Zero(t, res.Accepted())
	c.Close()
	require.NoError(t, <-done)
}

func TestClientDataAcceptedWithoutRecipients(t *testing.T) {
	// RFC 2920 section 3.1: a server that says 354 although no recipient
	// was accepted gets an empty message, which it cannot deliver.
	c, done, err := dialScript(t, ehloPipelining+`
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@mx.test>
C: DATA
S: 250 ok
S: 550 no
S: 354 go
C: .
S: 554 no recipients
C: RSET
S: 250 ok
`, nil)
	require.NoError(t, err)
	_, err = c.Send(context.Background(), testEnvelope(t, "a@x.test", "b@mx.test"),
		strings.NewReader("x\r\n"), nil)
	require.Error(t, err)
	c.Close()
	require.NoError(t, <-done)
}

func TestClientRequiredTLSNotOffered(t *testing.T) {
	_, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250 mx.test
EOF
`, &ClientOptions{TLS: TLSRequired})
	require.ErrorIs(t, err, ErrTLSUnavailable)
	require.NoError(t, <-done)
}

func TestClientRequiredTLSRefused(t *testing.T) {
	_, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250-mx.test
S: 250 STARTTLS
C: STARTTLS
S: 454 4.7.0 TLS not available
EOF
`, &ClientOptions{TLS: TLSRequired})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 454, e.Code)
	require.NoError(t, <-done)
}

func TestClientOpportunisticTLSRefusedGoesOn(t *testing.T) {
	c, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250-mx.test
S: 250 STARTTLS
C: STARTTLS
S: 454 4.7.0 TLS not available
C: QUIT
S: 221 bye
`, nil)
	require.NoError(t, err)
	require.Nil(t, c.TLSConnectionState())
	require.NoError(t, c.Quit(context.Background()))
	require.NoError(t, <-done)
}

func TestClientSTARTTLSDiscardsInjectedReplies(t *testing.T) {
	// The server (or a man in the middle) pipelines a fake EHLO reply
	// behind the 220 in plaintext; it must not be read after the handshake.
	c, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250-mx.test
S: 250-AUTH PLAIN
S: 250 STARTTLS
C: STARTTLS
S: 220 go ahead\r\n250-evil.test\r\n250 AUTH PLAIN LOGIN
TLS
C: EHLO client.test
S: 250-mx.test
S: 250 AUTH SCRAM-SHA-256
C: QUIT
S: 221 bye
`, &ClientOptions{TLS: TLSRequired})
	require.NoError(t, err)
	require.NotNil(t, c.TLSConnectionState())
	require.Equal(t, []string{"SCRAM-SHA-256"}, c.Capabilities().Auth)
	require.False(t, c.Capabilities().StartTLS)
	require.NoError(t, c.Quit(context.Background()))
	require.NoError(t, <-done)
}

func TestClientRefusesBareLineEnding(t *testing.T) {
	c, done, err := dialScript(t, ehloPipelining+`
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@mx.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
EOF
`, nil)
	require.NoError(t, err)
	_, err = c.Send(context.Background(), testEnvelope(t, "a@x.test", "b@mx.test"),
		strings.NewReader("Subject: x\r\n\r\nsmuggle\n.\nMAIL FROM:<x@y>\r\n"), nil)
	require.ErrorIs(t, err, ErrMessageBareLineEnding)
	require.NoError(t, <-done)
	// The client is unusable afterwards.
	_, err = c.Send(context.Background(), testEnvelope(t, "a@x.test", "b@mx.test"), strings.NewReader(""), nil)
	require.ErrorIs(t, err, ErrClientBroken)
}

func TestClientNormalizesBareLineEnding(t *testing.T) {
	c, done, err := dialScript(t, ehloPipelining+`
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@mx.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
C: a
C: ..
C: b
C: .
S: 250 ok
`, &ClientOptions{NormalizeLineEndings: true})
	require.NoError(t, err)
	_, err = c.Send(context.Background(), testEnvelope(t, "a@x.test", "b@mx.test"),
		strings.NewReader("a\n.\nb"), nil)
	require.NoError(t, err)
	c.Close()
	require.NoError(t, <-done)
}

func TestClientLMTPPerRecipientReplies(t *testing.T) {
	c, done, err := dialScript(t, `
S: 220 lmtp.test LMTP
C: LHLO client.test
S: 250-lmtp.test
S: 250 PIPELINING
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@lmtp.test>
C: RCPT TO:<c@lmtp.test>
C: RCPT TO:<d@lmtp.test>
C: DATA
S: 250 ok
S: 250 ok
S: 550 5.1.1 unknown
S: 250 ok
S: 354 go
C: hi
C: .
S: 250 2.0.0 b delivered
S: 452 4.2.2 d over quota
`, &ClientOptions{LMTP: true})
	require.NoError(t, err)
	res, err := c.Send(context.Background(), testEnvelope(t, "a@x.test", "b@lmtp.test", "c@lmtp.test", "d@lmtp.test"),
		strings.NewReader("hi\r\n"), nil)
	require.NoError(t, err)
	require.NoError(t, res.Rcpts[0].Err)
	require.Equal(t, "b delivered", res.Rcpts[0].Message)
	require.Error(t, res.Rcpts[1].Err)
	var e *Error
	require.ErrorAs(t, res.Rcpts[2].Err, &e)
	require.Equal(t, 452, e.Code)
	require.Equal(t, "4.2.2", e.EnhancedCode.String())
	c.Close()
	require.NoError(t, <-done)
}

func TestClientBDAT(t *testing.T) {
	c, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250-mx.test
S: 250-CHUNKING
S: 250 BINARYMIME
C: MAIL FROM:<a@x.test> BODY=BINARYMIME
S: 250 ok
C: RCPT TO:<b@mx.test>
S: 250 ok
C: BDAT 4
S: 250 ok
C: abcdBDAT 2 LAST
S: 250 done
`, nil)
	require.NoError(t, err)
	env := testEnvelope(t, "a@x.test", "b@mx.test")
	env.MailParams.Body = envelope.BodyBinaryMIME
	res, err := c.Send(context.Background(), env, strings.NewReader("abcd\r\n"), &SendOptions{ChunkSize: 4})
	require.NoError(t, err)
	require.Equal(t, 1, res.Accepted())
	require.Equal(t, "done", res.Rcpts[0].Message)
	c.Close()
	require.NoError(t, <-done)
}

func TestClientChecksBeforeSending(t *testing.T) {
	c, done, err := dialScript(t, ehloPipelining+`
C: QUIT
S: 221 bye
`, nil)
	require.NoError(t, err)
	big := testEnvelope(t, "a@x.test", "b@mx.test")
	big.MailParams.Size, big.MailParams.HasSize = 5000, true
	reqTLS := testEnvelope(t, "a@x.test", "b@mx.test")
	reqTLS.MailParams.RequireTLS = true
	cases := []struct {
		env  *envelope.Envelope
		want error
	}{
		{testEnvelope(t, "a@x.test"), ErrNoRecipients},
		{testEnvelope(t, "a@x.test", "ü@mx.test"), ErrSMTPUTF8Unsupported},
		{big, ErrSizeExceeded},
		{reqTLS, ErrRequireTLSUnsupported},
	}
	for _, tc := range cases {
		_, err := c.Send(context.Background(), tc.env, strings.NewReader("x"), nil)
		require.ErrorIs(t, err, tc.want)
	}
	require.NoError(t, c.Quit(context.Background()))
	require.NoError(t, <-done)
}

func TestClientHostileReply(t *testing.T) {
	long := "S: 250-" + strings.Repeat("x", 100)
	script := "S: 220 mx.test\nC: EHLO client.test\n" + strings.Repeat(long+"\n", 300) + "S: 250 end"
	_, _, err := dialScript(t, script, nil)
	require.Error(t, err)

	_, _, err = dialScript(t, "S: 220 "+strings.Repeat("y", 5000), nil)
	require.Error(t, err)

	_, _, err = dialScript(t, "S: 2x0 hello", nil)
	require.Error(t, err)
}

func TestClientContextCancel(t *testing.T) {
	cc, sc := net.Pipe()
	defer sc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	// The server never greets.
	_, err := NewClient(ctx, cc, "mx.test", nil)
	require.ErrorIs(t, err, context.Canceled)
}

func TestClientAuthRefusesPlainWithoutTLS(t *testing.T) {
	c, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250-mx.test
S: 250 AUTH PLAIN LOGIN
C: QUIT
S: 221 bye
`, nil)
	require.NoError(t, err)
	err = c.Auth(context.Background(), &auth.ClientOptions{Username: "u", Password: "p"})
	require.ErrorIs(t, err, ErrAuthUnsupported)
	require.NoError(t, c.Quit(context.Background()))
	require.NoError(t, <-done)
}

func TestClientAuthPlainInsecureOptIn(t *testing.T) {
	c, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250-mx.test
S: 250 AUTH PLAIN
C: AUTH PLAIN AHUAcA==
S: 235 2.7.0 ok
`, nil)
	require.NoError(t, err)
	err = c.Auth(context.Background(), &auth.ClientOptions{Username: "u", Password: "p", AllowInsecure: true})
	require.NoError(t, err)
	c.Close()
	require.NoError(t, <-done)
}

func TestClientAuthFailure(t *testing.T) {
	c, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250-mx.test
S: 250 AUTH CRAM-MD5
C: AUTH CRAM-MD5
S: 334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+
C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw
S: 535 5.7.8 nope
`, nil)
	require.NoError(t, err)
	err = c.Auth(context.Background(), &auth.ClientOptions{Username: "tim", Password: "tanstaaftanstaaf"})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 535, e.Code)
	c.Close()
	require.NoError(t, <-done)
}

func TestClientTraceRedactsAuth(t *testing.T) {
	var trace strings.Builder
	c, done, err := dialScript(t, `
S: 220 mx.test
C: EHLO client.test
S: 250-mx.test
S: 250 AUTH LOGIN
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: dQ==
S: 334 UGFzc3dvcmQ6
C: c2VjcmV0
S: 235 ok
C: NOOP
S: 250 ok
`, &ClientOptions{Trace: &trace})
	require.NoError(t, err)
	require.NoError(t, c.Auth(context.Background(), &auth.ClientOptions{Username: "u", Password: "secret", AllowInsecure: true}))
	require.NoError(t, c.Noop(context.Background()))
	c.Close()
	require.NoError(t, <-done)
	out := trace.String()
	require.NotContains(t, out, "c2VjcmV0")
	require.Contains(t, out, "C: AUTH LOGIN")
	require.Contains(t, out, "C: [redacted]")
	require.Contains(t, out, "C: NOOP")
}

func TestClientDataTerminationTimeout(t *testing.T) {
	// The server takes the data and never answers: the per-phase timeout
	// ends the wait, and the client is unusable afterwards.
	c, _, err := dialScript(t, ehloPipelining+`
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@mx.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
C: x
C: .
`, &ClientOptions{Timeouts: ClientTimeouts{DataTermination: 100 * time.Millisecond}})
	require.NoError(t, err)
	res, err := c.Send(context.Background(), testEnvelope(t, "a@x.test", "b@mx.test"), strings.NewReader("x\r\n"), nil)
	require.Error(t, err)
	require.Error(t, res.Rcpts[0].Err, "no success without the final reply")
	require.ErrorIs(t, c.Noop(context.Background()), ErrClientBroken)
}
