package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/dnsmock"
	"github.com/yubinmail/yubin/envelope"
)

// Our client against our server, over loopback.

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientServerEveryAuthMechanism(t *testing.T) {
	st := auth.NewMemoryStore()
	require.NoError(t, st.SetPlaintext("alice", "secret", 4096))
	st.SetToken("tok-123", "alice")
	mechs := []string{auth.Plain, auth.Login, auth.CRAMMD5, auth.SCRAMSHA1, auth.SCRAMSHA256,
		auth.SCRAMSHA1Plus, auth.SCRAMSHA256Plus, auth.OAuthBearer, auth.XOAuth2}
	be := &memBackend{}
	addr := startServer(t, &Server{Backend: be, Mode: ModeSubmission, TLSConfig: testTLSConfig(t),
		Credentials: st, AuthMechanisms: mechs})
	for _, mech := range mechs {
		t.Run(mech, func(t *testing.T) {
			ctx := testCtx(t)
			c, err := Dial(ctx, addr, &ClientOptions{TLS: TLSRequired, TLSConfig: &tls.Config{InsecureSkipVerify: true}})
			require.NoError(t, err)
			defer c.Close()
			require.NotNil(t, c.TLSConnectionState())
			require.ElementsMatch(t, mechs, c.Capabilities().Auth)
			creds := &auth.ClientOptions{Username: "alice", Password: "secret", Mechanisms: []string{mech}}
			if mech == auth.OAuthBearer || mech == auth.XOAuth2 {
				creds = &auth.ClientOptions{Username: "alice", Token: "tok-123", Mechanisms: []string{mech}}
			}
			require.NoError(t, c.Auth(ctx, creds))
			res, err := c.Send(ctx, testEnvelope(t, "alice@example.test", "bob@example.org"),
				strings.NewReader("Subject: "+mech+"\r\n\r\nhi\r\n"), nil)
			require.NoError(t, err)
			require.Equal(t, 1, res.Accepted())
			require.NoError(t, c.Quit(ctx))
		})
	}
	msgs := be.messages()
	require.Len(t, msgs, len(mechs))
	for _, m := range msgs {
		require.NotNil(t, m.Conn.Auth)
		require.Equal(t, "alice", m.Conn.Auth.User())
	}

	// A wrong password is refused with 535, and the strongest mechanism is
	// picked when none is named.
	ctx := testCtx(t)
	c, err := Dial(ctx, addr, &ClientOptions{TLS: TLSRequired, TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	require.NoError(t, err)
	defer c.Close()
	err = c.Auth(ctx, &auth.ClientOptions{Username: "alice", Password: "wrong"})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 535, e.Code)
}

func TestClientServerPipeliningChunkingAndReuse(t *testing.T) {
	be := &memBackend{}
	be.rcptErr = func(to envelope.Path) error {
		if to.Local == "nobody" {
			return ErrNoSuchUser
		}
		return nil
	}
	addr := startServer(t, &Server{Backend: be})
	ctx := testCtx(t)
	c, err := Dial(ctx, addr, nil)
	require.NoError(t, err)
	defer c.Close()
	caps := c.Capabilities()
	require.True(t, caps.Pipelining)
	require.True(t, caps.Chunking)

	big := strings.Repeat("0123456789abcdef\r\n.dot line\r\n", 20000) // ~580 KB
	msg := "Subject: big\r\n\r\n" + big
	for _, chunking := range []bool{false, true} {
		res, err := c.Send(ctx, testEnvelope(t, "a@x.test", "b@mx.test", "nobody@mx.test", "c@mx.test"),
			strings.NewReader(msg), &SendOptions{Chunking: chunking, ChunkSize: 100000})
		require.NoError(t, err)
		require.Equal(t, 2, res.Accepted())
		require.Equal(t, 550, res.Rcpts[1].Code)
		require.NoError(t, c.Reset(ctx))
	}
	msgs := be.messages()
	require.Len(t, msgs, 2)
	for _, m := range msgs {
		require.Equal(t, msg, m.Data)
		require.Equal(t, []string{"<b@mx.test>", "<c@mx.test>"}, m.Rcpts)
	}
	require.NoError(t, c.Quit(ctx))
}

func TestClientServerLMTP(t *testing.T) {
	be := &memBackend{lmtp: true}
	addr := startServer(t, &Server{Backend: be, Mode: ModeLMTP})
	ctx := testCtx(t)
	c, err := Dial(ctx, addr, &ClientOptions{LMTP: true})
	require.NoError(t, err)
	defer c.Close()
	res, err := c.Send(ctx, testEnvelope(t, "a@x.test", "b@mx.test", "full@mx.test"), strings.NewReader("x\r\n"), nil)
	require.NoError(t, err)
	require.NoError(t, res.Rcpts[0].Err)
	require.Equal(t, 452, res.Rcpts[1].Code)
	require.Equal(t, "4.2.2", res.Rcpts[1].EnhancedCode.String())
}

func TestDeliverThroughMX(t *testing.T) {
	be := &memBackend{}
	be.rcptErr = func(to envelope.Path) error {
		switch to.Local {
		case "nobody":
			return ErrNoSuchUser
		case "later":
			return &Error{Code: 450, EnhancedCode: code(4, 2, 1), Message: "try later"}
		}
		return nil
	}
	addr := startServer(t, &Server{Backend: be, TLSConfig: testTLSConfig(t)})
	_, port, _ := net.SplitHostPort(addr)
	r := &dnsmock.Resolver{
		MX: map[string][]*net.MX{
			"dest.test": {{Host: "down.dest.test", Pref: 10}, {Host: "up.dest.test", Pref: 20}},
			"null.test": {{Host: ".", Pref: 0}},
		},
		A: map[string][]string{"down.dest.test": {"127.0.0.2"}, "up.dest.test": {"127.0.0.1"}},
	}
	env := testEnvelope(t, "a@x.test", "b@dest.test", "nobody@dest.test", "later@dest.test",
		"x@null.test", "y@nxdomain.test")
	msg := []byte("Subject: relay\r\n\r\nbody\r\n")
	out := Deliver(testCtx(t), env, bytes.NewReader(msg), int64(len(msg)),
		&DeliveryOptions{Resolver: r, Port: port, Client: &ClientOptions{Hostname: "out.test"}})
	require.Len(t, out, 5)
	want := []struct {
		status DeliveryStatus
		code   int
		mta    string
	}{
		{Delivered, 250, "up.dest.test"},
		{Permanent, 550, "up.dest.test"},
		{Temporary, 450, "up.dest.test"},
		{Permanent, 556, ""},
		{Permanent, 550, ""},
	}
	for i, w := range want {
		require.Equal(t, w.status, out[i].Status, "rcpt %d: %v", i, out[i].Err)
		require.Equal(t, w.code, out[i].Code, "rcpt %d", i)
		require.Equal(t, w.mta, out[i].RemoteMTA, "rcpt %d", i)
	}
	msgs := be.messages()
	require.Len(t, msgs, 1)
	require.Equal(t, string(msg), msgs[0].Data)
	require.NotNil(t, msgs[0].Conn.TLS, "opportunistic TLS was used")
}

func TestDeliverAllHostsDownIsTemporary(t *testing.T) {
	r := &dnsmock.Resolver{
		MX: map[string][]*net.MX{"dest.test": {{Host: "down.dest.test", Pref: 10}}},
		A:  map[string][]string{"down.dest.test": {"127.0.0.2"}},
	}
	env := testEnvelope(t, "a@x.test", "b@dest.test")
	out := Deliver(testCtx(t), env, strings.NewReader("x"), 1, &DeliveryOptions{Resolver: r, Port: "1"})
	require.Equal(t, Temporary, out[0].Status)
	require.Equal(t, 451, out[0].Code)
}
