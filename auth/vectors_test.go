package auth

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

// rfcVector is a published SCRAM exchange reproduced byte for byte.
type rfcVector struct {
	name        string
	mech        string
	cnonce      string
	snonce      string
	salt        string
	clientFirst string
	serverFirst string
	clientFinal string
	serverFinal string
}

var scramVectors = []rfcVector{
	{ // RFC 5802 section 5
		name: "RFC5802", mech: SCRAMSHA1,
		cnonce: "fyko+d2lbbFgONRv9qkxdawL", snonce: "3rfcNHYJY1ZVvWVs7j", salt: "QSXCR+Q6sek8bf92",
		clientFirst: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
		serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		clientFinal: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
	},
	{ // RFC 7677 section 3
		name: "RFC7677", mech: SCRAMSHA256,
		cnonce: "rOprNGfwEbeRWgbNEkqO", snonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
		clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		clientFinal: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
	},
}

func TestSCRAMClientRFCVectors(t *testing.T) {
	for _, v := range scramVectors {
		t.Run(v.name, func(t *testing.T) {
			c, err := NewClient(v.mech, &ClientOptions{Username: "user", Password: "pencil", nonce: func() string { return v.cnonce }})
			require.NoError(t, err)
			ir, err := c.Start()
			require.NoError(t, err)
			require.Equal(t, v.clientFirst, string(ir))
			resp, err := c.Next([]byte(v.serverFirst))
			require.NoError(t, err)
			require.Equal(t, v.clientFinal, string(resp))
			require.ErrorIs(t, c.Finish(), ErrServerSignature, "success before server-final must not be trusted")
			resp, err = c.Next([]byte(v.serverFinal))
			require.NoError(t, err)
			require.Empty(t, resp)
			require.NoError(t, c.Finish())
		})
	}
}

func TestSCRAMServerRFCVectors(t *testing.T) {
	for _, v := range scramVectors {
		t.Run(v.name, func(t *testing.T) {
			salt, err := base64.StdEncoding.DecodeString(v.salt)
			require.NoError(t, err)
			sec, err := DeriveSCRAMSecret(v.mech, "pencil", salt, 4096)
			require.NoError(t, err)
			store := NewMemoryStore()
			store.SetSecret("user", sec)
			s, err := NewServer(v.mech, &ServerOptions{AllowInsecure: true, Credentials: store, nonce: func() string { return v.snonce }})
			require.NoError(t, err)
			ctx := context.Background()
			chal, done, err := s.Next(ctx, []byte(v.clientFirst))
			require.NoError(t, err)
			require.False(t, done)
			require.Equal(t, v.serverFirst, string(chal))
			chal, done, err = s.Next(ctx, []byte(v.clientFinal))
			require.NoError(t, err)
			require.True(t, done)
			require.Equal(t, v.serverFinal, string(chal))
			require.Equal(t, Identity{Mechanism: v.mech, Authn: "user"}, s.Identity())
		})
	}
}

func TestCRAMMD5RFC2195(t *testing.T) {
	// RFC 2195 section 2.
	const chal = "<1896.697170952@postoffice.reston.mci.net>"
	const want = "tim b913a602c7eda7a495b4e6e7334d3890"
	c, err := NewClient(CRAMMD5, &ClientOptions{Username: "tim", Password: "tanstaaftanstaaf"})
	require.NoError(t, err)
	ir, err := c.Start()
	require.NoError(t, err)
	require.Nil(t, ir)
	resp, err := c.Next([]byte(chal))
	require.NoError(t, err)
	require.Equal(t, want, string(resp))
	require.NoError(t, c.Finish())

	store := NewMemoryStore()
	require.NoError(t, store.SetPlaintext("tim", "tanstaaftanstaaf", 0))
	s, err := NewServer(CRAMMD5, &ServerOptions{AllowInsecure: true, Credentials: store, Mechanisms: []string{CRAMMD5}, nonce: func() string { return chal }})
	require.NoError(t, err)
	got, done, err := s.Next(context.Background(), nil)
	require.NoError(t, err)
	require.False(t, done)
	require.Equal(t, chal, string(got))
	_, done, err = s.Next(context.Background(), []byte(want))
	require.NoError(t, err)
	require.True(t, done)
	require.Equal(t, "tim", s.Identity().User())
	// RFC 2195 allows upper-case hex? It says lowercase; we accept both
	// since hex decoding is case-insensitive and the comparison is on bytes.
}

func TestPlainRFC4616(t *testing.T) {
	// RFC 4616 section 4 examples.
	store := NewMemoryStore()
	require.NoError(t, store.SetPassword("tim", "tanstaaftanstaaf", 0))
	require.NoError(t, store.SetPassword("Kurt", "xipj3plmq", 0))
	store.Allow("Kurt", "Ursel")
	cases := []struct {
		msg   string
		authn string
		authz string
		user  string
	}{
		{"\x00tim\x00tanstaaftanstaaf", "tim", "", "tim"},
		{"Ursel\x00Kurt\x00xipj3plmq", "Kurt", "Ursel", "Ursel"},
	}
	for _, tc := range cases {
		s, err := NewServer(Plain, &ServerOptions{Credentials: store, AllowInsecure: true})
		require.NoError(t, err)
		chal, done, err := s.Next(context.Background(), []byte(tc.msg))
		require.NoError(t, err)
		require.True(t, done)
		require.Nil(t, chal)
		id := s.Identity()
		require.Equal(t, tc.authn, id.Authn)
		require.Equal(t, tc.authz, id.Authz)
		require.Equal(t, tc.user, id.User())
	}
	c, err := NewClient(Plain, &ClientOptions{Username: "Kurt", Password: "xipj3plmq", Authz: "Ursel", AllowInsecure: true})
	require.NoError(t, err)
	ir, err := c.Start()
	require.NoError(t, err)
	require.Equal(t, "Ursel\x00Kurt\x00xipj3plmq", string(ir))
}
