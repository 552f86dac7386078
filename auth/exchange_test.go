package auth

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// transcript runs a client against a server the way SMTP AUTH does,
// passing every message through the line codec. With sendIR false it
// behaves like IMAP without SASL-IR: the initial response waits for the
// server's first (empty) challenge. It returns the server's verdict, or the
// client's Finish error when the server accepted.
func transcript(t *testing.T, c ClientMechanism, s ServerMechanism, sendIR bool) (Identity, error) {
	t.Helper()
	ctx := context.Background()
	ir, err := c.Start()
	if err != nil {
		return Identity{}, err
	}
	var resp []byte
	pendingIR := ir
	if sendIR && ir != nil {
		if resp, err = DecodeInitialResponse(EncodeInitialResponse(ir), 0); err != nil {
			return Identity{}, err
		}
		pendingIR = nil
	}
	for range 10 {
		chal, done, err := s.Next(ctx, resp)
		if err != nil {
			return Identity{}, err
		}
		if chal != nil {
			if chal, err = DecodeChallenge(EncodeChallenge(chal), 0); err != nil {
				return Identity{}, err
			}
		}
		if done && len(chal) == 0 {
			return s.Identity(), c.Finish()
		}
		var out []byte
		if pendingIR != nil && len(chal) == 0 {
			out, pendingIR = pendingIR, nil
		} else if out, err = c.Next(chal); err != nil {
			return Identity{}, err
		}
		if done {
			// Additional data with success went out as a challenge; the
			// client must answer it with an empty line.
			require.Empty(t, out)
			return s.Identity(), c.Finish()
		}
		if resp, err = DecodeResponse(EncodeResponse(out), 0); err != nil {
			return Identity{}, err
		}
	}
	t.Fatal("exchange did not finish")
	return Identity{}, nil
}

// testStore returns a fresh store with alice (plaintext kept, so CRAM-MD5
// works), bob (SCRAM secrets only), a token for alice, and alice allowed to
// act as shared@example.com.
func testStore(t *testing.T) *MemoryStore {
	t.Helper()
	m, err := newTestStore()
	require.NoError(t, err)
	return m
}

func newTestStore() (*MemoryStore, error) {
	m := NewMemoryStore()
	if err := m.SetPlaintext("alice", "wonderland", 4096); err != nil {
		return nil, err
	}
	if err := m.SetPassword("bob", "b0b-secret", 4096); err != nil {
		return nil, err
	}
	m.SetToken("tok-alice.123", "alice")
	m.Allow("alice", "shared@example.com")
	return m, nil
}

// sharedStore is one read-only testStore for tests that run many cases;
// deriving secrets under the race detector is slow.
var sharedStore = sync.OnceValues(newTestStore)

func TestClientAgainstServer(t *testing.T) {
	store := testStore(t)
	all := Mechanisms()
	cases := []struct {
		mech  string
		copts ClientOptions
		want  Identity
	}{
		{Plain, ClientOptions{Username: "alice", Password: "wonderland"}, Identity{Authn: "alice"}},
		{Plain, ClientOptions{Username: "bob", Password: "b0b-secret"}, Identity{Authn: "bob"}},
		{Plain, ClientOptions{Username: "alice", Password: "wonderland", Authz: "shared@example.com"},
			Identity{Authn: "alice", Authz: "shared@example.com"}},
		{Login, ClientOptions{Username: "alice", Password: "wonderland"}, Identity{Authn: "alice"}},
		{CRAMMD5, ClientOptions{Username: "alice", Password: "wonderland"}, Identity{Authn: "alice"}},
		{SCRAMSHA1, ClientOptions{Username: "bob", Password: "b0b-secret"}, Identity{Authn: "bob"}},
		{SCRAMSHA256, ClientOptions{Username: "bob", Password: "b0b-secret"}, Identity{Authn: "bob"}},
		{SCRAMSHA256, ClientOptions{Username: "alice", Password: "wonderland", Authz: "shared@example.com"},
			Identity{Authn: "alice", Authz: "shared@example.com"}},
		{OAuthBearer, ClientOptions{Token: "tok-alice.123", Host: "mx.example.com", Port: "587"}, Identity{Authn: "alice"}},
		{OAuthBearer, ClientOptions{Username: "alice", Token: "tok-alice.123"}, Identity{Authn: "alice", Authz: "alice"}},
		{XOAuth2, ClientOptions{Username: "alice", Token: "tok-alice.123"}, Identity{Authn: "alice", Authz: "alice"}},
		{External, ClientOptions{}, Identity{Authn: "alice"}},
		{External, ClientOptions{Authz: "shared@example.com"}, Identity{Authn: "alice", Authz: "shared@example.com"}},
		{Anonymous, ClientOptions{Trace: "sirhc@example.com"}, Identity{Anonymous: true, Trace: "sirhc@example.com"}},
	}
	for _, tc := range cases {
		for _, sendIR := range []bool{true, false} {
			t.Run(tc.mech, func(t *testing.T) {
				copts := tc.copts
				copts.AllowInsecure = true
				c, err := NewClient(tc.mech, &copts)
				require.NoError(t, err)
				s, err := NewServer(tc.mech, &ServerOptions{Credentials: store, Mechanisms: all,
					AllowInsecure: true, ExternalIdentity: "alice"})
				require.NoError(t, err)
				id, err := transcript(t, c, s, sendIR)
				require.NoError(t, err)
				want := tc.want
				want.Mechanism = tc.mech
				require.Equal(t, want, id)
			})
		}
	}
}

func TestWrongCredentials(t *testing.T) {
	store := testStore(t)
	all := Mechanisms()
	cases := []struct {
		mech  string
		copts ClientOptions
		sopts ServerOptions
	}{
		{Plain, ClientOptions{Username: "alice", Password: "wrong"}, ServerOptions{}},
		{Plain, ClientOptions{Username: "bob", Password: "wrong"}, ServerOptions{}},
		{Plain, ClientOptions{Username: "nobody", Password: "x"}, ServerOptions{}},
		{Plain, ClientOptions{Username: "bob", Password: "b0b-secret", Authz: "alice"}, ServerOptions{}},
		{Login, ClientOptions{Username: "alice", Password: "wrong"}, ServerOptions{}},
		{CRAMMD5, ClientOptions{Username: "alice", Password: "wrong"}, ServerOptions{}},
		{CRAMMD5, ClientOptions{Username: "bob", Password: "b0b-secret"}, ServerOptions{}}, // no plaintext stored
		{SCRAMSHA1, ClientOptions{Username: "bob", Password: "wrong"}, ServerOptions{}},
		{SCRAMSHA256, ClientOptions{Username: "bob", Password: "wrong"}, ServerOptions{}},
		{SCRAMSHA256, ClientOptions{Username: "nobody", Password: "x"}, ServerOptions{}},
		{SCRAMSHA256, ClientOptions{Username: "bob", Password: "b0b-secret", Authz: "alice"}, ServerOptions{}},
		{OAuthBearer, ClientOptions{Token: "bad"}, ServerOptions{}},
		{OAuthBearer, ClientOptions{Token: "tok-alice.123", Authz: "bob"}, ServerOptions{}},
		{XOAuth2, ClientOptions{Username: "alice", Token: "bad"}, ServerOptions{}},
		{External, ClientOptions{Authz: "bob"}, ServerOptions{ExternalIdentity: "alice"}},
	}
	for _, tc := range cases {
		t.Run(tc.mech+"/"+tc.copts.Username, func(t *testing.T) {
			copts := tc.copts
			copts.AllowInsecure = true
			c, err := NewClient(tc.mech, &copts)
			require.NoError(t, err)
			sopts := tc.sopts
			sopts.Credentials, sopts.Mechanisms, sopts.AllowInsecure = store, all, true
			s, err := NewServer(tc.mech, &sopts)
			require.NoError(t, err)
			id, err := transcript(t, c, s, true)
			require.ErrorIs(t, err, ErrAuthFailed)
			require.Equal(t, Identity{}, id)
			require.Equal(t, Identity{}, s.Identity())
			_, _, err = s.Next(context.Background(), []byte("x"))
			require.ErrorIs(t, err, ErrDone)
		})
	}
}

// failingCreds reports a backend outage from every method.
type failingCreds struct{}

var errBackend = errors.New("database down")

func (failingCreds) CheckPassword(context.Context, string, string) error { return errBackend }
func (failingCreds) LookupSecret(context.Context, string, string) (Secret, error) {
	return Secret{}, errBackend
}
func (failingCreds) ValidateToken(context.Context, *Token) (string, error) { return "", errBackend }
func (failingCreds) Authorize(context.Context, string, string) error       { return errBackend }

func TestBackendErrorsPassThrough(t *testing.T) {
	for _, mech := range []string{Plain, Login, CRAMMD5, SCRAMSHA256, OAuthBearer, XOAuth2} {
		t.Run(mech, func(t *testing.T) {
			c, err := NewClient(mech, &ClientOptions{Username: "u", Password: "p", Token: "t", AllowInsecure: true})
			require.NoError(t, err)
			s, err := NewServer(mech, &ServerOptions{Credentials: failingCreds{}, Mechanisms: Mechanisms(), AllowInsecure: true})
			require.NoError(t, err)
			_, err = transcript(t, c, s, true)
			require.ErrorIs(t, err, errBackend)
			require.NotErrorIs(t, err, ErrAuthFailed)
		})
	}
}

func TestExternalNeedsIdentity(t *testing.T) {
	_, err := NewServer(External, &ServerOptions{Mechanisms: []string{External}, AllowInsecure: true})
	require.ErrorIs(t, err, ErrUnsupportedMechanism)
	require.Empty(t, ServerMechanisms(&ServerOptions{Mechanisms: []string{External}, AllowInsecure: true}))
	require.Equal(t, []string{External}, ServerMechanisms(&ServerOptions{Mechanisms: []string{External}, ExternalIdentity: "cn=x", AllowInsecure: true}))
}

func TestNoCredentialsConfigured(t *testing.T) {
	s, err := NewServer(Plain, &ServerOptions{AllowInsecure: true})
	require.NoError(t, err)
	_, _, err = s.Next(context.Background(), []byte("\x00u\x00p"))
	require.ErrorIs(t, err, ErrAuthFailed)
}

func TestCanceledContext(t *testing.T) {
	s, err := NewServer(Plain, &ServerOptions{Credentials: testStore(t), AllowInsecure: true})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, done, err := s.Next(ctx, []byte("\x00alice\x00wonderland"))
	require.True(t, done)
	require.ErrorIs(t, err, context.Canceled)
}
