package auth

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// serverSteps feeds msgs to a fresh server and returns the first error.
func serverSteps(t *testing.T, mech string, opts *ServerOptions, msgs ...[]byte) error {
	t.Helper()
	if opts == nil {
		opts = &ServerOptions{}
	}
	o := *opts
	if o.Credentials == nil {
		store, err := sharedStore()
		require.NoError(t, err)
		o.Credentials = store
	}
	o.Mechanisms, o.AllowInsecure = Mechanisms(), true
	if o.ExternalIdentity == "" {
		o.ExternalIdentity = "alice"
	}
	s, err := NewServer(mech, &o)
	require.NoError(t, err)
	for _, m := range msgs {
		if _, _, err := s.Next(context.Background(), m); err != nil {
			require.Equal(t, Identity{}, s.Identity())
			return err
		}
	}
	return nil
}

func TestMalformedServerInput(t *testing.T) {
	long := strings.Repeat("a", 256)
	cases := []struct {
		mech string
		msgs []string
	}{
		{Plain, []string{"no separators"}},
		{Plain, []string{"a\x00b"}},
		{Plain, []string{"\x00\x00pass"}},
		{Plain, []string{"\x00alice\x00"}},
		{Plain, []string{"a\x00b\x00c\x00d"}},
		{Plain, []string{"\x00" + long + "\x00pw"}},
		{Plain, []string{"\x00alice\x00\xff\xfe"}},
		{Plain, []string{""}},
		{Login, []string{""}},
		{Login, []string{"al\x00ice"}},
		{Login, []string{"alice", "pa\x00ss"}},
		{CRAMMD5, []string{"initial response"}},
		{CRAMMD5, []string{"\x00", "nospace"}},
		{CRAMMD5, []string{"\x00", "alice 1234"}},
		{CRAMMD5, []string{"\x00", "alice zz13a602c7eda7a495b4e6e7334d3890"}},
		{CRAMMD5, []string{"\x00", " b913a602c7eda7a495b4e6e7334d3890"}},
		{SCRAMSHA256, []string{""}},
		{SCRAMSHA256, []string{"x,,n=alice,r=abc"}},
		{SCRAMSHA256, []string{"n"}},
		{SCRAMSHA256, []string{"n,,"}},
		{SCRAMSHA256, []string{"n,,n=,r=abc"}},
		{SCRAMSHA256, []string{"n,,n=al=ice,r=abc"}},
		{SCRAMSHA256, []string{"n,,n=al=2Xice,r=abc"}},
		{SCRAMSHA256, []string{"n,,m=ext,n=alice,r=abc"}},
		{SCRAMSHA256, []string{"n,,r=abc,n=alice"}},
		{SCRAMSHA256, []string{"n,,n=alice"}},
		{SCRAMSHA256, []string{"n,,n=alice,r=a b"}},
		{SCRAMSHA256, []string{"n,,n=alice,r="}},
		{SCRAMSHA256, []string{"n,,n=alice,r=abc,,"}},
		{SCRAMSHA256, []string{"n,a=,n=alice,r=abc"}},
		{SCRAMSHA256, []string{"n,x=y,n=alice,r=abc"}},
		{SCRAMSHA256, []string{"p=,,n=alice,r=abc"}},
		{SCRAMSHA256, []string{"p=tls unique,,n=alice,r=abc"}},
		{SCRAMSHA256, []string{"n,,n=\xff,r=abc"}},
		{SCRAMSHA256, []string{"n,,n=" + strings.Repeat("u", 2000) + ",r=abc"}},
		{OAuthBearer, []string{"n,,auth=Bearer x\x01\x01"}},
		{OAuthBearer, []string{"p=tls-unique,,\x01auth=Bearer x\x01\x01"}},
		{OAuthBearer, []string{"n,,\x01host=h\x01\x01"}},
		{OAuthBearer, []string{"n,,\x01auth=Basic dXNlcjpwdw==\x01\x01"}},
		{OAuthBearer, []string{"n,,\x01auth=Bearer bad token!\x01\x01"}},
		{OAuthBearer, []string{"n,,\x01auth=Bearer x\x01"}},
		{OAuthBearer, []string{"n,,\x01auth=Bearer x\x01auth=Bearer y\x01\x01"}},
		{OAuthBearer, []string{"n,,\x01au th=Bearer x\x01\x01"}},
		{OAuthBearer, []string{"n,,\x01auth=Bearer x\x01host=\x00\x01\x01"}},
		{OAuthBearer, []string{"n,,\x01auth=Bearer bad\x01\x01", "not kvsep"}},
		{XOAuth2, []string{"auth=Bearer x\x01\x01"}},
		{XOAuth2, []string{"user=alice\x01\x01"}},
		{XOAuth2, []string{"user=alice\x01auth=Bearer\x01\x01"}},
		{XOAuth2, []string{"user=alice\x01auth=Bearer bad\x01\x01", "not empty"}},
		{External, []string{"\xff"}},
		{External, []string{"a\x00b"}},
		{Anonymous, []string{strings.Repeat("é", 256)}},
		{Anonymous, []string{"trace\r\nline"}},
		{Anonymous, []string{"\xff"}},
	}
	for _, tc := range cases {
		t.Run(tc.mech, func(t *testing.T) {
			msgs := make([][]byte, len(tc.msgs))
			for i, m := range tc.msgs {
				msgs[i] = []byte(m)
				if m == "\x00" { // placeholder: no initial response
					msgs[i] = nil
				}
			}
			err := serverSteps(t, tc.mech, nil, msgs...)
			require.Error(t, err, "%q", tc.msgs)
			if !strings.Contains(tc.msgs[len(tc.msgs)-1], "bad") || len(tc.msgs) == 1 {
				require.ErrorIs(t, err, ErrMalformed, "%q", tc.msgs)
			}
		})
	}
}

func TestResponseSizeBound(t *testing.T) {
	big := []byte("\x00alice\x00" + strings.Repeat("x", 100))
	err := serverSteps(t, Plain, &ServerOptions{MaxResponseBytes: 64}, big)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, 64, le.Max)
	// The default bound applies without options.
	err = serverSteps(t, OAuthBearer, nil, []byte("n,,\x01auth=Bearer "+strings.Repeat("a", DefaultMaxMessageBytes)+"\x01\x01"))
	require.ErrorAs(t, err, &le)

	c, err := NewClient(SCRAMSHA256, &ClientOptions{Username: "u", Password: "p", MaxChallengeBytes: 32})
	require.NoError(t, err)
	_, err = c.Start()
	require.NoError(t, err)
	_, err = c.Next([]byte(strings.Repeat("r", 33)))
	require.ErrorAs(t, err, &le)
	_, err = c.Next([]byte("r=x"))
	require.ErrorAs(t, err, &le, "errors are sticky")
}

// scramServerAfterFirst returns a SCRAM-SHA-256 server for bob that has
// answered a client-first-message with gs2 header "n,," and nonce "cnonce",
// with server nonce "snonce".
func scramServerAfterFirst(t *testing.T, opts *ServerOptions) (ServerMechanism, string) {
	t.Helper()
	store, err := sharedStore()
	require.NoError(t, err)
	o := ServerOptions{AllowInsecure: true, Credentials: store, nonce: func() string { return "snonce" }}
	if opts != nil {
		o.ConnState, o.Certificate = opts.ConnState, opts.Certificate
	}
	s, err := NewServer(SCRAMSHA256, &o)
	require.NoError(t, err)
	chal, _, err := s.Next(context.Background(), []byte("n,,n=bob,r=cnonce"))
	require.NoError(t, err)
	return s, string(chal)
}

func TestSCRAMServerRejectsBadClientFinal(t *testing.T) {
	proof := base64.StdEncoding.EncodeToString(make([]byte, 32))
	cases := []struct {
		name  string
		final string
		is    error
	}{
		{"missing proof", "c=biws,r=cnoncesnonce", ErrMalformed},
		{"bad c base64", "c=bi!s,r=cnoncesnonce,p=" + proof, ErrMalformed},
		{"wrong gs2 flag in c", "c=eSws,r=cnoncesnonce,p=" + proof, ErrChannelBinding},
		{"cb data on n flag", "c=" + base64.StdEncoding.EncodeToString([]byte("n,,xyz")) + ",r=cnoncesnonce,p=" + proof, ErrChannelBinding},
		{"wrong nonce", "c=biws,r=cnonceOTHER,p=" + proof, ErrAuthFailed},
		{"short proof", "c=biws,r=cnoncesnonce,p=AAAA", ErrMalformed},
		{"bad proof", "c=biws,r=cnoncesnonce,p=" + proof, ErrAuthFailed},
		{"order", "r=cnoncesnonce,c=biws,p=" + proof, ErrMalformed},
		{"empty", "", ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := scramServerAfterFirst(t, nil)
			_, done, err := s.Next(context.Background(), []byte(tc.final))
			require.True(t, done)
			require.ErrorIs(t, err, tc.is)
			require.Equal(t, Identity{}, s.Identity())
		})
	}
}

func TestSCRAMGS2FlagRules(t *testing.T) {
	// Without TLS a server cannot bind, so "y" is fine, "p=" is refused.
	require.NoError(t, serverSteps(t, SCRAMSHA256, nil, []byte("y,,n=bob,r=abc")))
	err := serverSteps(t, SCRAMSHA256, nil, []byte("p=tls-unique,,n=bob,r=abc"))
	require.ErrorIs(t, err, ErrChannelBinding)

	cl, sv := tlsPair(t, 0x0304, ecdsaCert(t))
	_ = cl
	opts := &ServerOptions{ConnState: &sv.state}
	for _, msg := range []string{"n,,n=bob,r=abc", "y,,n=bob,r=abc", "p=tls-bogus,,n=bob,r=abc", "p=tls-unique,,n=bob,r=abc"} {
		err := serverSteps(t, SCRAMSHA256Plus, opts, []byte(msg))
		require.ErrorIs(t, err, ErrChannelBinding, msg)
	}
	require.NoError(t, serverSteps(t, SCRAMSHA256Plus, opts, []byte("p=tls-exporter,,n=bob,r=abc")))
	err = serverSteps(t, SCRAMSHA256, opts, []byte("y,,n=bob,r=abc"))
	require.ErrorIs(t, err, ErrChannelBinding, "downgrade")
}

func TestSCRAMClientRejectsBadServer(t *testing.T) {
	newClient := func(o *ClientOptions) ClientMechanism {
		o.Username, o.Password, o.nonce = "user", "pencil", func() string { return "fyko+d2lbbFgONRv9qkxdawL" }
		c, err := NewClient(SCRAMSHA1, o)
		require.NoError(t, err)
		_, err = c.Start()
		require.NoError(t, err)
		return c
	}
	v := scramVectors[0]
	cases := []struct {
		name  string
		first string
		is    error
	}{
		{"nonce not extended", "r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096", ErrMalformed},
		{"nonce replaced", "r=other3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096", ErrMalformed},
		{"no salt", "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=,i=4096", ErrMalformed},
		{"bad salt", "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=!!,i=4096", ErrMalformed},
		{"bad iterations", "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=-1", ErrMalformed},
		{"zero iterations", "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=0", ErrMalformed},
		{"overflow iterations", "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=99999999999999999999", ErrMalformed},
		{"mandatory extension", "m=x,r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096", ErrMalformed},
		{"garbage", "hello", ErrMalformed},
		{"early server error", "e=unknown-user", ErrAuthFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newClient(&ClientOptions{}).Next([]byte(tc.first))
			require.ErrorIs(t, err, tc.is)
		})
	}
	t.Run("iteration bounds", func(t *testing.T) {
		var ie *IterationError
		_, err := newClient(&ClientOptions{}).Next([]byte("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=1000"))
		require.ErrorAs(t, err, &ie)
		require.Equal(t, 1000, ie.Iterations)
		_, err = newClient(&ClientOptions{}).Next([]byte("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=2000000000"))
		require.ErrorAs(t, err, &ie)
		_, err = newClient(&ClientOptions{MaxIterations: 4000, MinIterations: 1}).Next([]byte(v.serverFirst))
		require.ErrorAs(t, err, &ie)
		_, err = newClient(&ClientOptions{MinIterations: 1000}).Next([]byte("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=1000"))
		require.NoError(t, err)
	})
	finals := []struct {
		name  string
		final string
		is    error
	}{
		{"tampered signature", "v=rmF9pqV8S7suAoZWja4dJRkFsKA=", ErrServerSignature},
		{"non-canonical base64", "v=rmF9pqV8S7suAoZWja4dJRkFsKR=", ErrMalformed},
		{"other signature", "v=" + base64.StdEncoding.EncodeToString(make([]byte, 20)), ErrServerSignature},
		{"server error", "e=invalid-proof", ErrAuthFailed},
		{"bad base64", "v=***", ErrMalformed},
		{"neither", "x=1", ErrMalformed},
	}
	for _, tc := range finals {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(&ClientOptions{})
			_, err := c.Next([]byte(v.serverFirst))
			require.NoError(t, err)
			_, err = c.Next([]byte(tc.final))
			require.ErrorIs(t, err, tc.is)
			require.Error(t, c.Finish(), "success after a failed check must not be accepted")
		})
	}
	var se *ServerError
	c := newClient(&ClientOptions{})
	_, _ = c.Next([]byte(v.serverFirst))
	_, err := c.Next([]byte("e=channel-bindings-dont-match"))
	require.ErrorAs(t, err, &se)
	require.Equal(t, "channel-bindings-dont-match", se.Message)
	// A third challenge is a protocol error.
	c = newClient(&ClientOptions{})
	_, _ = c.Next([]byte(v.serverFirst))
	_, err = c.Next([]byte(v.serverFinal))
	require.NoError(t, err)
	_, err = c.Next([]byte("v=x"))
	require.ErrorIs(t, err, ErrMalformed)
}

func TestSCRAMUnknownUserRunsToTheEnd(t *testing.T) {
	// RFC 5802 section 9: do not reveal that the user does not exist in the
	// first round trip.
	s, err := NewServer(SCRAMSHA256, &ServerOptions{AllowInsecure: true, Credentials: testStore(t)})
	require.NoError(t, err)
	chal, done, err := s.Next(context.Background(), []byte("n,,n=nobody,r=abc"))
	require.NoError(t, err)
	require.False(t, done)
	require.Regexp(t, `^r=abc[A-Za-z0-9+/]+,s=[A-Za-z0-9+/=]+,i=4096$`, string(chal))
}

// fixedSecret returns the same secret for every lookup.
type fixedSecret struct {
	MemoryStore
	sec *SCRAMSecret
}

func (f *fixedSecret) LookupSecret(context.Context, string, string) (Secret, error) {
	return Secret{SCRAM: f.sec}, nil
}

func TestSCRAMUnusableStoredSecret(t *testing.T) {
	sha1, err := DeriveSCRAMSecret(SCRAMSHA1, "pencil", nil, 4096)
	require.NoError(t, err)
	hugeSalt, err := DeriveSCRAMSecret(SCRAMSHA256, "pencil", make([]byte, maxSaltLen+1), 4096)
	require.NoError(t, err)
	for _, sec := range []*SCRAMSecret{sha1, hugeSalt, {Mechanism: SCRAMSHA256}} {
		c, err := NewClient(SCRAMSHA256, &ClientOptions{Username: "user", Password: "pencil"})
		require.NoError(t, err)
		s, err := NewServer(SCRAMSHA256, &ServerOptions{Credentials: &fixedSecret{sec: sec}, AllowInsecure: true})
		require.NoError(t, err)
		_, err = transcript(t, c, s, true)
		require.ErrorIs(t, err, ErrAuthFailed)
	}
}
