package dkim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

func sha1Sum(s string) string {
	h := sha1.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(h[:])
}

func signFieldSHA1(t *testing.T, key *rsa.PrivateKey, hdr, field string) string {
	t.Helper()
	sig, err := ParseSignature(field[len("DKIM-Signature:"):] + "AA==")
	require.NoError(t, err)
	h := crypto.SHA1.New()
	HashFields(h, Relaxed, SelectFields(SplitHeader([]byte(hdr)), sig.Headers), []byte(field))
	b, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, h.Sum(nil))
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}
