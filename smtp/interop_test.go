package smtp

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/internal/peers"
)

// Our client against real servers. Each peer relays what it accepts to our
// own server, so that the test can check what arrived.

func TestInteropClientToPostfix(t *testing.T) {
	be := &memBackend{}
	addr := startServer(t, &Server{Backend: be})
	pf := peers.StartPostfix(t, &peers.PostfixOptions{RelayHost: addr, SMTPD: true})

	ctx := testCtx(t)
	c, err := Dial(ctx, pf.SMTPAddr, &ClientOptions{Hostname: "client.test", TLS: TLSRequired,
		TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	require.NoError(t, err)
	defer c.Close()
	require.NotNil(t, c.TLSConnectionState(), "STARTTLS with Postfix")
	caps := c.Capabilities()
	require.True(t, caps.Pipelining)
	require.True(t, caps.EightBitMIME)
	require.False(t, caps.StartTLS, "not offered again over TLS")

	body := "Subject: interop via postfix\r\nMessage-ID: <interop-1@client.test>\r\nDate: Tue, 24 Nov 2026 20:00:00 +0000\r\n\r\n" +
		"line one\r\n.starts with a dot\r\n..two dots\r\n" + strings.Repeat("x", 990) + "\r\n"
	env := testEnvelope(t, "sender@client.test", "rcpt1@remote.test", "rcpt2@remote.test")
	res, err := c.Send(ctx, env, strings.NewReader(body), nil)
	require.NoError(t, err)
	require.Equal(t, 2, res.Accepted())
	require.Contains(t, res.Rcpts[0].Message, "queued as")
	require.NoError(t, c.Quit(ctx))

	require.Eventually(t, func() bool { return len(be.messages()) == 1 }, 60*time.Second, 100*time.Millisecond, "postfix log:\n%s", pf.Log())
	m := be.messages()[0]
	require.Equal(t, "<sender@client.test>", m.From)
	require.ElementsMatch(t, []string{"<rcpt1@remote.test>", "<rcpt2@remote.test>"}, m.Rcpts)
	_, got, ok := strings.Cut(m.Data, "\r\n\r\n")
	require.True(t, ok)
	_, want, _ := strings.Cut(body, "\r\n\r\n")
	require.Equal(t, want, got, "the body arrived intact")
	require.Contains(t, m.Data, "Subject: interop via postfix\r\n")
	require.Contains(t, m.Data, "Message-ID: <interop-1@client.test>\r\n")
}

func TestInteropAuthAgainstDovecot(t *testing.T) {
	be := &memBackend{}
	addr := startServer(t, &Server{Backend: be})
	dc := peers.StartDovecot(t, &peers.DovecotOptions{Users: map[string]string{"alice": "s3cret pass"}, RelayHost: addr})
	mechs := []string{auth.Plain, auth.Login, auth.CRAMMD5, auth.SCRAMSHA1, auth.SCRAMSHA256}
	for i, mech := range mechs {
		t.Run(mech, func(t *testing.T) {
			ctx := testCtx(t)
			c, err := Dial(ctx, dc.SubmissionAddr, &ClientOptions{Hostname: "client.test", TLS: TLSRequired,
				TLSConfig: &tls.Config{InsecureSkipVerify: true}})
			require.NoError(t, err)
			defer c.Close()
			require.Contains(t, c.Capabilities().Auth, mech)
			require.NoError(t, c.Auth(ctx, &auth.ClientOptions{Username: "alice", Password: "s3cret pass", Mechanisms: []string{mech}}))
			res, err := c.Send(ctx, testEnvelope(t, "alice@client.test", "bob@remote.test"),
				strings.NewReader(fmt.Sprintf("Subject: via dovecot %s\r\n\r\nhello %d\r\n", mech, i)), nil)
			require.NoError(t, err)
			require.Equal(t, 1, res.Accepted())
			require.NoError(t, c.Quit(ctx))
		})
	}
	require.Eventually(t, func() bool { return len(be.messages()) == len(mechs) }, 30*time.Second, 50*time.Millisecond)
	for _, m := range be.messages() {
		require.Contains(t, m.Data, "Subject: via dovecot ")
	}

	// Wrong password: 535, and no plaintext mechanism before TLS.
	ctx := testCtx(t)
	c, err := Dial(ctx, dc.SubmissionAddr, &ClientOptions{TLS: TLSRequired, TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	require.NoError(t, err)
	defer c.Close()
	err = c.Auth(ctx, &auth.ClientOptions{Username: "alice", Password: "wrong", Mechanisms: []string{auth.SCRAMSHA256}})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 535, e.Code)

	plain, err := Dial(ctx, dc.SubmissionAddr, &ClientOptions{TLS: TLSOff})
	require.NoError(t, err)
	defer plain.Close()
	err = plain.Auth(ctx, &auth.ClientOptions{Username: "alice", Password: "s3cret pass", Mechanisms: []string{auth.Plain}})
	require.Error(t, err, "PLAIN is never sent without TLS")
}
