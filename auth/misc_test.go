package auth

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOAuthBearerRFC7628(t *testing.T) {
	// RFC 7628 section 4.1: the initial client response, verbatim.
	const ir = "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
	const token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
	c, err := NewClient(OAuthBearer, &ClientOptions{Authz: "user@example.com", Token: token,
		Host: "server.example.com", Port: "143", AllowInsecure: true})
	require.NoError(t, err)
	got, err := c.Start()
	require.NoError(t, err)
	require.Equal(t, ir, EncodeInitialResponse(got))

	msg, err := DecodeInitialResponse(ir, 0)
	require.NoError(t, err)
	tok, err := parseOAuthBearer(msg)
	require.NoError(t, err)
	require.Equal(t, &Token{Mechanism: OAuthBearer, User: "user@example.com", Token: token,
		Host: "server.example.com", Port: "143"}, tok)

	// Section 4.3/4.4: a failed exchange. The server sends the error JSON,
	// the client answers a single %x01, the server fails.
	store := NewMemoryStore()
	scoped := &scopedCreds{MemoryStore: store}
	s, err := NewServer(OAuthBearer, &ServerOptions{Credentials: scoped, Mechanisms: []string{OAuthBearer}, AllowInsecure: true})
	require.NoError(t, err)
	chal, done, err := s.Next(context.Background(), msg)
	require.NoError(t, err)
	require.False(t, done)
	require.JSONEq(t, `{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}`, string(chal))
	resp, err := c.Next(chal)
	require.NoError(t, err)
	require.Equal(t, "\x01", string(resp))
	_, done, err = s.Next(context.Background(), resp)
	require.True(t, done)
	require.ErrorIs(t, err, ErrAuthFailed)
	var te *TokenError
	require.ErrorAs(t, c.Finish(), &te)
	require.Equal(t, "example_scope", te.Scope)
	require.Equal(t, "https://example.com/.well-known/openid-configuration", te.OpenIDConfiguration)
}

// scopedCreds rejects every token with the RFC 7628 example error.
type scopedCreds struct{ *MemoryStore }

func (scopedCreds) ValidateToken(context.Context, *Token) (string, error) {
	return "", &TokenError{Status: "invalid_token", Scope: "example_scope",
		OpenIDConfiguration: "https://example.com/.well-known/openid-configuration"}
}

func TestXOAuth2Format(t *testing.T) {
	c, err := NewClient(XOAuth2, &ClientOptions{Username: "someuser@example.com", Token: "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", AllowInsecure: true})
	require.NoError(t, err)
	ir, err := c.Start()
	require.NoError(t, err)
	// Google's documented example.
	require.Equal(t, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==",
		EncodeInitialResponse(ir))
	s, err := NewServer(XOAuth2, &ServerOptions{Credentials: NewMemoryStore(), Mechanisms: []string{XOAuth2}, AllowInsecure: true})
	require.NoError(t, err)
	chal, done, err := s.Next(context.Background(), ir)
	require.NoError(t, err)
	require.False(t, done)
	require.JSONEq(t, `{"status":"401","schemes":"bearer"}`, string(chal))
	resp, err := c.Next(chal)
	require.NoError(t, err)
	require.Empty(t, resp)
	_, _, err = s.Next(context.Background(), resp)
	require.ErrorIs(t, err, ErrAuthFailed)
	require.ErrorIs(t, c.Finish(), ErrAuthFailed)
}

func TestLoginServerPrompts(t *testing.T) {
	store := testStore(t)
	opts := &ServerOptions{Credentials: store, AllowInsecure: true}
	s, err := NewServer("login", opts)
	require.NoError(t, err)
	ctx := context.Background()
	chal, _, err := s.Next(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, "Username:", string(chal))
	chal, _, err = s.Next(ctx, []byte("alice"))
	require.NoError(t, err)
	require.Equal(t, "Password:", string(chal))
	_, done, err := s.Next(ctx, []byte("wonderland"))
	require.NoError(t, err)
	require.True(t, done)
	require.Equal(t, "alice", s.Identity().User())

	// QUIRK: the user name as an initial response.
	s, err = NewServer(Login, opts)
	require.NoError(t, err)
	chal, _, err = s.Next(ctx, []byte("alice"))
	require.NoError(t, err)
	require.Equal(t, "Password:", string(chal))

	c, err := NewClient(Login, &ClientOptions{Username: "alice", Password: "pw", AllowInsecure: true})
	require.NoError(t, err)
	ir, err := c.Start()
	require.NoError(t, err)
	require.Nil(t, ir)
	r1, _ := c.Next([]byte("Username:"))
	r2, _ := c.Next([]byte("Password:"))
	require.Equal(t, []string{"alice", "pw"}, []string{string(r1), string(r2)})
	_, err = c.Next([]byte("More:"))
	require.ErrorIs(t, err, ErrMalformed)
}

func TestInfo(t *testing.T) {
	for _, tc := range []struct {
		name                           string
		plaintext, ir, serverFirst, cb bool
	}{
		{"plain", true, true, false, false},
		{"LOGIN", true, false, true, false},
		{"cram-md5", false, false, true, false},
		{"SCRAM-SHA-1", false, true, false, false},
		{"SCRAM-SHA-256-PLUS", false, true, false, true},
		{"OAUTHBEARER", true, true, false, false},
		{"XOAUTH2", true, true, false, false},
		{"EXTERNAL", false, true, false, false},
		{"ANONYMOUS", false, true, false, false},
	} {
		info, ok := Info(tc.name)
		require.True(t, ok, tc.name)
		require.Equal(t, strings.ToUpper(tc.name), info.Name)
		require.Equal(t, tc.plaintext, info.PlaintextEquivalent, tc.name)
		require.Equal(t, tc.ir, info.InitialResponse, tc.name)
		require.Equal(t, tc.serverFirst, info.ServerFirst, tc.name)
		require.Equal(t, tc.cb, info.ChannelBinding, tc.name)
		require.NotEmpty(t, info.RFC)
	}
	_, ok := Info("GSSAPI")
	require.False(t, ok)
	_, ok = Info(strings.Repeat("X", 100))
	require.False(t, ok)
	require.Len(t, Mechanisms(), 11)
}

func TestServerMechanismsWithoutTLS(t *testing.T) {
	// SECURITY.md: no AUTH before TLS unless the application opts in.
	require.Empty(t, ServerMechanisms(nil))
	require.Empty(t, ServerMechanisms(&ServerOptions{Mechanisms: Mechanisms(), ExternalIdentity: "x"}))
	for _, m := range Mechanisms() {
		_, err := NewServer(m, &ServerOptions{Mechanisms: Mechanisms(), ExternalIdentity: "x"})
		require.ErrorIs(t, err, ErrTLSRequired, m)
	}
	require.Equal(t, []string{SCRAMSHA256, SCRAMSHA1, Plain, Login}, ServerMechanisms(&ServerOptions{AllowInsecure: true}))
	require.Equal(t, []string{CRAMMD5, Plain, Anonymous},
		ServerMechanisms(&ServerOptions{Mechanisms: []string{"cram-md5", Plain, "anonymous", "GSSAPI"}, AllowInsecure: true}))
	require.Equal(t, []string{Plain}, ServerMechanisms(&ServerOptions{Mechanisms: []string{"plain", "PLAIN", "Plain"}, AllowInsecure: true}))
	_, err := NewServer(CRAMMD5, &ServerOptions{AllowInsecure: true})
	require.ErrorIs(t, err, ErrUnsupportedMechanism, "not enabled by default")
	_, err = NewServer("GSSAPI", nil)
	require.ErrorIs(t, err, ErrUnsupportedMechanism)
}

func TestChooseMechanism(t *testing.T) {
	all := []string{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "XOAUTH2", "OAUTHBEARER"}
	cases := []struct {
		name    string
		offered []string
		opts    *ClientOptions
		want    string
		err     error
	}{
		{"strongest without TLS", all, &ClientOptions{Password: "x"}, SCRAMSHA256, nil},
		{"sha1 when no sha256", []string{"PLAIN", "SCRAM-SHA-1"}, &ClientOptions{Password: "x"}, SCRAMSHA1, nil},
		{"cram before plain", []string{"PLAIN", "LOGIN", "CRAM-MD5"}, &ClientOptions{Password: "x"}, CRAMMD5, nil},
		{"plain refused without TLS", []string{"PLAIN", "LOGIN"}, &ClientOptions{Password: "x"}, "", ErrTLSRequired},
		{"plain with opt-in", []string{"LOGIN", "PLAIN"}, &ClientOptions{Password: "x", AllowInsecure: true}, Plain, nil},
		{"nothing in common", []string{"GSSAPI"}, &ClientOptions{Password: "x"}, "", ErrUnsupportedMechanism},
		{"plus needs TLS", []string{"SCRAM-SHA-256-PLUS"}, &ClientOptions{Password: "x"}, "", ErrUnsupportedMechanism},
		{"custom order", all, &ClientOptions{Password: "x", AllowInsecure: true, Mechanisms: []string{"LOGIN", "PLAIN"}}, Login, nil},
		{"token", all, &ClientOptions{Token: "t", AllowInsecure: true}, OAuthBearer, nil},
		{"token needs TLS", all, &ClientOptions{Token: "t"}, "", ErrTLSRequired},
		{"case-insensitive", []string{"scram-sha-256"}, nil, SCRAMSHA256, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ChooseMechanism(tc.offered, tc.opts)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestNewClientRefusesPlaintextWithoutTLS(t *testing.T) {
	for _, m := range []string{Plain, Login, OAuthBearer, XOAuth2} {
		_, err := NewClient(m, &ClientOptions{Username: "u", Password: "p", Token: "t"})
		require.ErrorIs(t, err, ErrTLSRequired, m)
	}
	_, err := NewClient("NTLM", nil)
	require.ErrorIs(t, err, ErrUnsupportedMechanism)
	_, err = NewClient(SCRAMSHA1Plus, nil)
	require.ErrorIs(t, err, ErrChannelBinding)
}

func TestClientInputValidation(t *testing.T) {
	cases := []struct {
		mech string
		opts ClientOptions
	}{
		{Plain, ClientOptions{Username: "a\x00b", Password: "p"}},
		{Plain, ClientOptions{Username: "", Password: "p"}},
		{Plain, ClientOptions{Username: "u", Password: strings.Repeat("p", 256)}},
		{SCRAMSHA256, ClientOptions{Username: "", Password: "p"}},
		{SCRAMSHA256, ClientOptions{Username: "u\x07", Password: "p"}},
		{OAuthBearer, ClientOptions{Token: "has space"}},
		{OAuthBearer, ClientOptions{Token: "t", Host: "a\x01b"}},
		{XOAuth2, ClientOptions{Username: "", Token: "t"}},
		{XOAuth2, ClientOptions{Username: "u\x01", Token: "t"}},
		{Anonymous, ClientOptions{Trace: strings.Repeat("x", 256)}},
	}
	for _, tc := range cases {
		o := tc.opts
		o.AllowInsecure = true
		c, err := NewClient(tc.mech, &o)
		require.NoError(t, err)
		_, err = c.Start()
		require.Error(t, err, "%s %+v", tc.mech, tc.opts)
		_, err = c.Next(nil)
		require.Error(t, err, "errors are sticky")
	}
	// SCRAM with a password SASLprep rejects fails before anything is sent
	// that depends on it.
	c, err := NewClient(SCRAMSHA256, &ClientOptions{Username: "u", Password: "bad\x00"})
	require.NoError(t, err)
	_, err = c.Start()
	require.NoError(t, err)
	_, err = c.Next([]byte(scramVectors[1].serverFirst))
	require.Error(t, err)
}

func TestClientSkipsStart(t *testing.T) {
	// IMAP without SASL-IR: the protocol sends the command, the server
	// answers "+ ", and the client's first Next produces the initial response.
	c, err := NewClient(Plain, &ClientOptions{Username: "u", Password: "p", AllowInsecure: true})
	require.NoError(t, err)
	resp, err := c.Next([]byte{})
	require.NoError(t, err)
	require.Equal(t, "\x00u\x00p", string(resp))
}

func TestSASLprep(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"pencil", "pencil", true},
		{"pen\u00a0cil", "pen cil", true}, // non-ASCII space maps to SPACE
		{"\u00c5", "\u00c5", true},        // already NFC
		{"A\u030a", "\u00c5", true},       // normalised to NFC
		{"\u2168", "\u2168", true},        // QUIRK: NFKC would give "IX"
		{"a\x07", "", false},              // control character
		{"", "", false},                   // empty
		{"I\u00adX", "", false},           // QUIRK: SASLprep maps SOFT HYPHEN to nothing
	}
	for _, tc := range cases {
		got, err := saslPrep(tc.in)
		if !tc.ok {
			require.ErrorIs(t, err, ErrInvalidString, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.want, got, "%q", tc.in)
	}
	a, err := DeriveSCRAMSecret(SCRAMSHA256, "pen\u00a0cil", []byte("salt"), 4096)
	require.NoError(t, err)
	require.True(t, a.CheckPassword("pen cil"))
}

func TestSaslnameEscaping(t *testing.T) {
	for _, name := range []string{"user", "a,b", "a=b", "=2C", ",=,", "ü"} {
		enc := encodeSaslname(name)
		require.NotContains(t, enc, ",")
		dec, err := decodeSaslname(SCRAMSHA1, enc)
		require.NoError(t, err)
		require.Equal(t, name, dec)
	}
	// Users with ',' and '=' in their names authenticate end to end.
	store := NewMemoryStore()
	require.NoError(t, store.SetPassword("o,dd=name", "pw", 4096))
	c, _ := NewClient(SCRAMSHA256, &ClientOptions{Username: "o,dd=name", Password: "pw"})
	s, _ := NewServer(SCRAMSHA256, &ServerOptions{AllowInsecure: true, Credentials: store})
	id, err := transcript(t, c, s, true)
	require.NoError(t, err)
	require.Equal(t, "o,dd=name", id.Authn)
}

func TestSCRAMSecretEncoding(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	sec, err := DeriveSCRAMSecret(SCRAMSHA256, "pencil", salt, 4096)
	require.NoError(t, err)
	str := sec.String()
	require.True(t, strings.HasPrefix(str, "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"), str)
	back, err := ParseSCRAMSecret(str)
	require.NoError(t, err)
	require.Equal(t, sec, back)
	require.True(t, back.CheckPassword("pencil"))
	require.False(t, back.CheckPassword("Pencil"))

	sec1, err := DeriveSCRAMSecret("scram-sha-1-plus", "pencil", nil, 0)
	require.NoError(t, err)
	require.Equal(t, SCRAMSHA1, sec1.Mechanism)
	require.Len(t, sec1.Salt, 16)
	require.Equal(t, DefaultIterations, sec1.Iterations)
	_, err = DeriveSCRAMSecret(Plain, "x", nil, 0)
	require.ErrorIs(t, err, ErrUnsupportedMechanism)
	_, err = DeriveSCRAMSecret(SCRAMSHA1, "x", nil, -1)
	require.Error(t, err)

	bad := []string{
		"", "SCRAM-SHA-256", "MD5$1:AA==$AA==:AA==",
		"SCRAM-SHA-256-PLUS" + str[len("SCRAM-SHA-256"):],
		"SCRAM-SHA-256$0:AA==$" + strings.SplitN(str, "$", 3)[2],
		"SCRAM-SHA-256$x:AA==$" + strings.SplitN(str, "$", 3)[2],
		"SCRAM-SHA-256$4096:$" + strings.SplitN(str, "$", 3)[2],
		"SCRAM-SHA-256$4096:AA==$AA==:AA==",
		"SCRAM-SHA-1" + str[len("SCRAM-SHA-256"):],
		"SCRAM-SHA-256$4096AA==$" + strings.SplitN(str, "$", 3)[2],
		strings.Replace(str, "W22Z", "W2!Z", 1),
	}
	for _, b := range bad {
		_, err := ParseSCRAMSecret(b)
		require.ErrorIs(t, err, ErrMalformed, b)
	}
}

func TestMemoryStore(t *testing.T) {
	m := testStore(t)
	ctx := context.Background()
	require.NoError(t, m.CheckPassword(ctx, "alice", "wonderland"))
	require.NoError(t, m.CheckPassword(ctx, "bob", "b0b-secret"))
	require.ErrorIs(t, m.CheckPassword(ctx, "bob", "b0b-secreT"), ErrAuthFailed)
	require.ErrorIs(t, m.CheckPassword(ctx, "carol", "x"), ErrAuthFailed)
	_, err := m.LookupSecret(ctx, "bob", CRAMMD5)
	require.ErrorIs(t, err, ErrAuthFailed, "no plaintext kept for bob")
	sec, err := m.LookupSecret(ctx, "bob", SCRAMSHA1)
	require.NoError(t, err)
	require.Equal(t, SCRAMSHA1, sec.SCRAM.Mechanism)
	// A user with only an imported SHA-256 secret cannot do SCRAM-SHA-1.
	only, _ := DeriveSCRAMSecret(SCRAMSHA256, "pw", nil, 4096)
	m.SetSecret("dave", only)
	_, err = m.LookupSecret(ctx, "dave", SCRAMSHA1)
	require.ErrorIs(t, err, ErrAuthFailed)
	require.NoError(t, m.CheckPassword(ctx, "dave", "pw"))
	user, err := m.ValidateToken(ctx, &Token{Token: "tok-alice.123"})
	require.NoError(t, err)
	require.Equal(t, "alice", user)
	_, err = m.ValidateToken(ctx, &Token{Token: "nope"})
	require.ErrorIs(t, err, ErrAuthFailed)
	require.NoError(t, m.Authorize(ctx, "alice", "shared@example.com"))
	require.ErrorIs(t, m.Authorize(ctx, "bob", "shared@example.com"), ErrAuthFailed)
}

func TestLineCodec(t *testing.T) {
	cases := []struct {
		in   string
		want []byte
		err  error
	}{
		{"", nil, nil},
		{"=", []byte{}, nil},
		{"AHRpbQB0YW5zdGFhZnRhbnN0YWFm", []byte("\x00tim\x00tanstaaftanstaaf"), nil},
		{"AHRpbQB0YW5zdGFhZnRhbnN0YWFm=", nil, ErrMalformed},
		{"not base64!", nil, ErrMalformed},
		{"AHRp\r\nbQ==", nil, ErrMalformed},
		{"AHRpbR==", nil, ErrMalformed}, // non-zero padding bits
		{strings.Repeat("A", 100), nil, ErrMalformed},
	}
	for _, tc := range cases {
		got, err := DecodeInitialResponse(tc.in, 50)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
	var le *LimitError
	_, err := DecodeResponse(strings.Repeat("A", 100), 50)
	require.ErrorAs(t, err, &le)
	_, err = DecodeResponse(base64.StdEncoding.EncodeToString(make([]byte, 51)), 50)
	require.ErrorAs(t, err, &le)
	_, err = DecodeResponse("*", 0)
	require.ErrorIs(t, err, ErrCanceled)
	b, err := DecodeResponse("", 0)
	require.NoError(t, err)
	require.NotNil(t, b)
	require.Empty(t, b)
	require.Equal(t, "", EncodeInitialResponse(nil))
	require.Equal(t, "=", EncodeInitialResponse([]byte{}))
	require.Equal(t, "", EncodeChallenge(nil))
	b, err = DecodeChallenge(" ", 0)
	require.NoError(t, err)
	require.Empty(t, b)
	b, err = DecodeChallenge("VXNlcm5hbWU6", 0)
	require.NoError(t, err)
	require.Equal(t, "Username:", string(b))
	_, err = DecodeChallenge(strings.Repeat("QUFB", 10000), 0)
	require.ErrorAs(t, err, &le)
}

func TestServerIdentityBeforeDone(t *testing.T) {
	s, err := NewServer(SCRAMSHA256, &ServerOptions{AllowInsecure: true, Credentials: testStore(t)})
	require.NoError(t, err)
	require.Equal(t, SCRAMSHA256, s.Name())
	chal, done, err := s.Next(context.Background(), nil)
	require.NoError(t, err)
	require.False(t, done)
	require.Empty(t, chal)
	require.Equal(t, Identity{}, s.Identity())
}

func TestSCRAMSecretInterchangeFormats(t *testing.T) {
	cases := []struct {
		name, enc, password string
	}{
		// RFC 5803 section 4 (the RFC 5802 user "user", password "pencil").
		{"RFC5803", "SCRAM-SHA-1$4096:QSXCR+Q6sek8bf92$6dlGYMOdZcOPutkcNY8U2g7vK9Y=:D+CSWLOshSulAsxiupA+qs2/fTE=", "pencil"},
		// Dovecot's own password-scheme test vectors.
		{"dovecot-sha1", "{SCRAM-SHA-1}4096,GetyLXdBuHzf1FWf8SLz2Q==,NA/OqmF4hhrsrB9KR7po+dliTGM=,QBiURvQaE6H6qYTmeghDHLANBFQ=", "test"},
		{"dovecot-sha256", "{SCRAM-SHA-256}4096,LfNGSFqiFykEZ1xDAYlnKQ==,HACNf9CII7cMz3XjRy/Oh3Ae2LHApoDyNw74d3YtFws=,AQH0j7Hf8J12g8eNBadvzlNB2am3PxgNwFCFd3RxEaw=", "test"},
		// GNU SASL's "gsasl --mkpasswd" for the RFC 7677 parameters, with
		// its fifth field (the salted password in hex).
		{"gsasl", "{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=,c4a49510323ab4f952cac1fa99441939e78ea74d6be81ddf7096e87513dc615d", "pencil"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sec, err := ParseSCRAMSecret(tc.enc)
			require.NoError(t, err)
			require.True(t, sec.CheckPassword(tc.password))
			require.False(t, sec.CheckPassword(tc.password+"x"))
			own, err := DeriveSCRAMSecret(sec.Mechanism, tc.password, sec.Salt, sec.Iterations)
			require.NoError(t, err)
			require.Equal(t, sec, own)
			if strings.HasPrefix(tc.enc, "{") {
				require.True(t, strings.HasPrefix(tc.enc, own.DovecotString()))
			} else {
				require.Equal(t, tc.enc, own.String())
			}
			back, err := ParseSCRAMSecret(own.DovecotString())
			require.NoError(t, err)
			require.Equal(t, own, back)
		})
	}
	for _, bad := range []string{"{SCRAM-SHA-256}4096,AA==,AA==", "{SCRAM-SHA-256-PLUS}4096,AA==,AA==,AA==", "{SCRAM-SHA-256", "{MD5}1,AA==,AA==,AA=="} {
		_, err := ParseSCRAMSecret(bad)
		require.ErrorIs(t, err, ErrMalformed, bad)
	}
}

func TestClientAnswersEmptyPrompt(t *testing.T) {
	// After Start, a client-first mechanism asked again by an empty
	// challenge repeats its message; any other challenge is an error.
	for _, tc := range []struct {
		mech string
		opts ClientOptions
		want string
	}{
		{Plain, ClientOptions{Username: "u", Password: "p"}, "\x00u\x00p"},
		{External, ClientOptions{Authz: "z"}, "z"},
		{Anonymous, ClientOptions{Trace: "t"}, "t"},
	} {
		o := tc.opts
		o.AllowInsecure = true
		c, err := NewClient(tc.mech, &o)
		require.NoError(t, err)
		_, err = c.Start()
		require.NoError(t, err)
		resp, err := c.Next([]byte{})
		require.NoError(t, err)
		require.Equal(t, tc.want, string(resp))
		_, err = c.Next([]byte("unexpected"))
		require.ErrorIs(t, err, ErrMalformed, tc.mech)
	}
}

func TestErrorStrings(t *testing.T) {
	for _, err := range []error{
		&MalformedError{Mechanism: Plain, Reason: "r"},
		&LimitError{Limit: "L", Max: 3},
		&ServerError{Mechanism: SCRAMSHA1, Message: "invalid-proof"},
		&IterationError{Iterations: 1, Min: 2, Max: 3},
		&TokenError{Status: "invalid_token"},
	} {
		require.True(t, strings.HasPrefix(err.Error(), "auth: "), err.Error())
	}
	// The default lists are fresh copies: changing one changes nothing else.
	d := DefaultServerMechanisms()
	d[0] = "X"
	require.Equal(t, SCRAMSHA256Plus, DefaultServerMechanisms()[0])
	o := DefaultClientOrder()
	o[0] = "X"
	require.Equal(t, SCRAMSHA256Plus, DefaultClientOrder()[0])
}
