// Package auth compares github.com/yubinmail/yubin/auth with
// github.com/emersion/go-sasl and net/smtp on the mechanisms they share.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/smtp"
	"testing"

	gosasl "github.com/emersion/go-sasl"
	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/auth"
)

const (
	user     = "alice@example.com"
	password = "correct horse battery staple"
	token    = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
	cramChal = "<1896.697170952@postoffice.reston.mci.net>"
)

var (
	plainMsg  = []byte("\x00" + user + "\x00" + password)
	oauthMsg  = []byte("n,a=" + user + ",\x01host=server.example.com\x01port=143\x01auth=Bearer " + token + "\x01\x01")
	errDenied = errors.New("denied")
)

// creds answers like the go-sasl authenticators below: one user, one token.
type creds struct{}

func (creds) CheckPassword(_ context.Context, authn, pw string) error {
	if authn == user && subtle.ConstantTimeCompare([]byte(pw), []byte(password)) == 1 {
		return nil
	}
	return auth.ErrAuthFailed
}

func (creds) LookupSecret(context.Context, string, string) (auth.Secret, error) {
	return auth.Secret{Password: password}, nil
}

func (creds) ValidateToken(_ context.Context, t *auth.Token) (string, error) {
	if subtle.ConstantTimeCompare([]byte(t.Token), []byte(token)) == 1 {
		return user, nil
	}
	return "", auth.ErrAuthFailed
}

func (creds) Authorize(context.Context, string, string) error { return auth.ErrAuthFailed }

func goSASLPlainServer() gosasl.Server {
	return gosasl.NewPlainServer(func(identity, username, pw string) error {
		if identity != "" && identity != username {
			return errDenied
		}
		if username == user && subtle.ConstantTimeCompare([]byte(pw), []byte(password)) == 1 {
			return nil
		}
		return errDenied
	})
}

func goSASLOAuthServer() gosasl.Server {
	return gosasl.NewOAuthBearerServer(func(o gosasl.OAuthBearerOptions) *gosasl.OAuthBearerError {
		if subtle.ConstantTimeCompare([]byte(o.Token), []byte(token)) == 1 {
			return nil
		}
		return &gosasl.OAuthBearerError{Status: "invalid_token"}
	})
}

var serverOpts = &auth.ServerOptions{Credentials: creds{}, AllowInsecure: true,
	Mechanisms: []string{auth.Plain, auth.OAuthBearer, auth.Anonymous}}

// yubinServer runs one single-message exchange and reports acceptance.
func yubinServer(mech string, msg []byte) bool {
	s, err := auth.NewServer(mech, serverOpts)
	if err != nil {
		return false
	}
	_, done, err := s.Next(context.Background(), msg)
	return done && err == nil
}

func goSASLServer(s gosasl.Server, msg []byte) bool {
	_, done, err := s.Next(msg)
	return done && err == nil
}

func BenchmarkSASL(b *testing.B) {
	b.Run("PlainServer/yubin", func(b *testing.B) {
		b.SetBytes(int64(len(plainMsg)))
		b.ReportAllocs()
		for b.Loop() {
			if !yubinServer(auth.Plain, plainMsg) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("PlainServer/gosasl", func(b *testing.B) {
		b.SetBytes(int64(len(plainMsg)))
		b.ReportAllocs()
		for b.Loop() {
			if !goSASLServer(goSASLPlainServer(), plainMsg) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("OAuthBearerServer/yubin", func(b *testing.B) {
		b.SetBytes(int64(len(oauthMsg)))
		b.ReportAllocs()
		for b.Loop() {
			if !yubinServer(auth.OAuthBearer, oauthMsg) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("OAuthBearerServer/gosasl", func(b *testing.B) {
		b.SetBytes(int64(len(oauthMsg)))
		b.ReportAllocs()
		for b.Loop() {
			if !goSASLServer(goSASLOAuthServer(), oauthMsg) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("PlainClient/yubin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, _ := auth.NewClient(auth.Plain, &auth.ClientOptions{Username: user, Password: password, AllowInsecure: true})
			if _, err := c.Start(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PlainClient/gosasl", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := gosasl.NewPlainClient("", user, password).Start(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CRAMMD5Client/yubin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, _ := auth.NewClient(auth.CRAMMD5, &auth.ClientOptions{Username: user, Password: password})
			if _, err := c.Next([]byte(cramChal)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CRAMMD5Client/stdlib", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := smtp.CRAMMD5Auth(user, password).Next([]byte(cramChal), true); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestEquivalence checks that both implementations agree on the bench
// inputs and on a few variations of them.
func TestEquivalence(t *testing.T) {
	plainCases := [][]byte{
		plainMsg,
		[]byte("\x00" + user + "\x00wrong"),
		[]byte("\x00nobody\x00" + password),
		[]byte(user + "\x00" + user + "\x00" + password),
		[]byte("someone\x00" + user + "\x00" + password),
		[]byte("no separators"),
	}
	for _, m := range plainCases {
		require.Equal(t, goSASLServer(goSASLPlainServer(), m), yubinServer(auth.Plain, m), "%q", m)
	}
	oauthCases := [][]byte{
		oauthMsg,
		[]byte("n,,\x01auth=Bearer " + token + "\x01\x01"),
		[]byte("n,,\x01auth=Bearer wrong\x01\x01"),
	}
	for _, m := range oauthCases {
		require.Equal(t, goSASLServer(goSASLOAuthServer(), m), yubinServer(auth.OAuthBearer, m), "%q", m)
	}

	c, err := auth.NewClient(auth.Plain, &auth.ClientOptions{Username: user, Password: password, AllowInsecure: true})
	require.NoError(t, err)
	ours, err := c.Start()
	require.NoError(t, err)
	_, theirs, err := gosasl.NewPlainClient("", user, password).Start()
	require.NoError(t, err)
	require.Equal(t, theirs, ours)

	c, err = auth.NewClient(auth.OAuthBearer, &auth.ClientOptions{Username: user, Token: token,
		Host: "server.example.com", Port: "143", AllowInsecure: true})
	require.NoError(t, err)
	ours, err = c.Start()
	require.NoError(t, err)
	_, theirs, err = gosasl.NewOAuthBearerClient(&gosasl.OAuthBearerOptions{Username: user, Token: token,
		Host: "server.example.com", Port: 143}).Start()
	require.NoError(t, err)
	require.Equal(t, theirs, ours)
	require.Equal(t, oauthMsg, ours)

	c, err = auth.NewClient(auth.CRAMMD5, &auth.ClientOptions{Username: user, Password: password})
	require.NoError(t, err)
	ours, err = c.Next([]byte(cramChal))
	require.NoError(t, err)
	theirs, err = smtp.CRAMMD5Auth(user, password).Next([]byte(cramChal), true)
	require.NoError(t, err)
	require.Equal(t, theirs, ours)
}
