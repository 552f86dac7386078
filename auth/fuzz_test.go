package auth

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzStore is shared by fuzz targets; it is only read.
func fuzzStore(t testing.TB) *MemoryStore {
	m := NewMemoryStore()
	require.NoError(t, m.SetPlaintext("alice", "wonderland", 4096))
	m.SetToken("tok", "alice")
	m.Allow("alice", "bob")
	return m
}

func fuzzServer(t *testing.T, store *MemoryStore, mech string, msgs ...[]byte) {
	s, err := NewServer(mech, &ServerOptions{Credentials: store, Mechanisms: Mechanisms(), AllowInsecure: true,
		ExternalIdentity: "alice", MaxResponseBytes: 4096, nonce: func() string { return "snonce" }})
	require.NoError(t, err)
	for _, m := range msgs {
		_, done, err := s.Next(context.Background(), m)
		if err != nil {
			require.True(t, done)
			require.Equal(t, Identity{}, s.Identity())
			return
		}
		if done {
			require.NotEmpty(t, s.Identity().Mechanism)
			return
		}
	}
}

func FuzzPlainServer(f *testing.F) {
	f.Add([]byte("\x00alice\x00wonderland"))
	f.Add([]byte("bob\x00alice\x00wonderland"))
	f.Add([]byte("Ursel\x00Kurt\x00xipj3plmq"))
	f.Add([]byte("\x00\x00"))
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		fuzzServer(t, store, Plain, msg)
		// Round trip: parse, format with the client, parse again.
		authz, authn, pass, err := parsePlain(msg)
		if err != nil {
			return
		}
		c, err := NewClient(Plain, &ClientOptions{Authz: authz, Username: authn, Password: pass, AllowInsecure: true})
		require.NoError(t, err)
		out, err := c.Start()
		require.NoError(t, err)
		require.Equal(t, msg, out)
	})
}

func FuzzLoginServer(f *testing.F) {
	f.Add([]byte("alice"), []byte("wonderland"))
	f.Add([]byte(""), []byte(""))
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, user, pass []byte) {
		fuzzServer(t, store, Login, nil, user, pass)
		fuzzServer(t, store, Login, user, pass)
	})
}

func FuzzCRAMMD5Server(f *testing.F) {
	f.Add([]byte("alice b913a602c7eda7a495b4e6e7334d3890"))
	f.Add([]byte("a b c 00000000000000000000000000000000"))
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, resp []byte) {
		fuzzServer(t, store, CRAMMD5, nil, resp)
	})
}

func FuzzScramServer(f *testing.F) {
	f.Add([]byte("n,,n=alice,r=abc"), []byte("c=biws,r=abcsnonce,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="))
	f.Add([]byte("y,a=bob,n=alice,r=abc"), []byte("c=eSxhPWJvYiw=,r=abcsnonce,p=AAAA"))
	f.Add([]byte("p=tls-unique,,n=a=2Cb,r=x"), []byte(""))
	f.Add([]byte("n,,m=x,n=alice,r=abc"), []byte("c=biws,r=abcsnonce,x=1,p=AA=="))
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, first, final []byte) {
		fuzzServer(t, store, SCRAMSHA256, first, final)
		// Round trip of the GS2 header grammar.
		h, rest, err := parseGS2(SCRAMSHA256, string(first))
		if err != nil {
			return
		}
		require.Equal(t, string(first), h.raw+rest)
		h2, _, err := parseGS2(SCRAMSHA256, h.raw)
		require.NoError(t, err)
		require.Equal(t, h, h2)
	})
}

func FuzzScramClient(f *testing.F) {
	v := scramVectors[0]
	f.Add([]byte(v.serverFirst), []byte(v.serverFinal))
	f.Add([]byte("r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1,e=1"), []byte("e=invalid-proof"))
	f.Add([]byte("m=1,r=fyko+d2lbbFgONRv9qkxdawLx"), []byte("v=,x=1"))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		c, err := NewClient(SCRAMSHA1, &ClientOptions{Username: "user", Password: "pencil",
			MinIterations: 1, MaxIterations: 4096, nonce: func() string { return "fyko+d2lbbFgONRv9qkxdawL" }})
		require.NoError(t, err)
		_, err = c.Start()
		require.NoError(t, err)
		if _, err := c.Next(first); err != nil {
			require.Error(t, c.Finish())
			return
		}
		if _, err := c.Next(final); err != nil {
			require.Error(t, c.Finish())
			return
		}
		// Only the genuine signature may verify.
		require.NoError(t, c.Finish())
		require.Equal(t, v.serverFirst, string(first))
	})
}

func FuzzOAuthBearer(f *testing.F) {
	f.Add([]byte("n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"))
	f.Add([]byte("n,,\x01auth=Bearer tok\x01\x01"))
	f.Add([]byte("y,a=b=2Cc,\x01auth=bearer  tok\x01x=\x01\x01"))
	f.Add([]byte("\x01"))
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		fuzzServer(t, store, OAuthBearer, msg, []byte(kvsep))
		tok, err := parseOAuthBearer(msg)
		if err != nil {
			return
		}
		c, err := NewClient(OAuthBearer, &ClientOptions{Authz: tok.User, Token: tok.Token, Host: tok.Host,
			Port: tok.Port, AllowInsecure: true})
		require.NoError(t, err)
		out, err := c.Start()
		if err != nil {
			return // e.g. a user name the client refuses to send
		}
		tok2, err := parseOAuthBearer(out)
		require.NoError(t, err)
		require.Equal(t, tok, tok2)
	})
}

func FuzzXOAuth2(f *testing.F) {
	f.Add([]byte("user=alice\x01auth=Bearer tok\x01\x01"))
	f.Add([]byte("user=\x01auth=Bearer\x01\x01"))
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		fuzzServer(t, store, XOAuth2, msg, nil)
		tok, err := parseXOAuth2(msg)
		if err != nil {
			return
		}
		c, err := NewClient(XOAuth2, &ClientOptions{Username: tok.User, Token: tok.Token, AllowInsecure: true})
		require.NoError(t, err)
		out, err := c.Start()
		if err != nil {
			return
		}
		tok2, err := parseXOAuth2(out)
		require.NoError(t, err)
		require.Equal(t, tok, tok2)
	})
}

func FuzzExternalAnonymous(f *testing.F) {
	f.Add([]byte("bob"))
	f.Add([]byte(""))
	f.Add([]byte("sirhc@example.com"))
	store := fuzzStore(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		fuzzServer(t, store, External, msg)
		fuzzServer(t, store, Anonymous, msg)
	})
}

func FuzzLineCodec(f *testing.F) {
	f.Add("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")
	f.Add("=")
	f.Add("*")
	f.Add("")
	f.Add("QQ==")
	f.Add("QR==")
	f.Fuzz(func(t *testing.T, line string) {
		if b, err := DecodeInitialResponse(line, 1024); err == nil {
			require.Equal(t, line, EncodeInitialResponse(b))
		}
		b, err := DecodeResponse(line, 1024)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(b), 1024)
		if line != "=" {
			require.Equal(t, line, EncodeResponse(b))
		}
		b2, err := DecodeResponse(EncodeResponse(b), 1024)
		require.NoError(t, err)
		require.True(t, bytes.Equal(b, b2))
	})
}

func FuzzParseSCRAMSecret(f *testing.F) {
	sec, err := DeriveSCRAMSecret(SCRAMSHA1, "pencil", []byte("salt"), 4096)
	require.NoError(f, err)
	f.Add(sec.String())
	f.Add("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:BBBB")
	f.Add("SCRAM-SHA-1$+4096:c2FsdA==$$:")
	f.Add(sec.DovecotString())
	f.Add(sec.DovecotString() + ",extra")
	f.Fuzz(func(t *testing.T, s string) {
		sec, err := ParseSCRAMSecret(s)
		if err != nil {
			return
		}
		back, err := ParseSCRAMSecret(sec.String())
		require.NoError(t, err)
		require.Equal(t, sec, back)
		back, err = ParseSCRAMSecret(sec.DovecotString())
		require.NoError(t, err)
		require.Equal(t, sec, back)
	})
}

func FuzzSaslname(f *testing.F) {
	f.Add("user")
	f.Add("a=2Cb=3D")
	f.Add("=2")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := decodeSaslname(SCRAMSHA1, s)
		if err != nil {
			return
		}
		require.Equal(t, s, encodeSaslname(d))
	})
}
