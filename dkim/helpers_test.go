package dkim

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"io"
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

// removeBValue, the reference for [Signature.withoutB], returns the raw
// signature field with the value of its b= tag
// deleted, including surrounding whitespace (RFC 6376 section 3.7), built by
// appending to dst. Other bytes, folding included, are untouched; without a
// b= tag it returns raw itself.
func removeBValue(dst, raw []byte) []byte {
	i := bytes.IndexByte(raw, ':') + 1
	if i == 0 {
		i = len(raw)
	}
	for i < len(raw) {
		end := len(raw)
		if j := bytes.IndexByte(raw[i:], ';'); j >= 0 {
			end = i + j
		}
		eq := i
		for eq < end && raw[eq] != '=' {
			eq++
		}
		name := raw[i:eq]
		for len(name) > 0 && isFWS(name[0]) {
			name = name[1:]
		}
		for len(name) > 0 && isFWS(name[len(name)-1]) {
			name = name[:len(name)-1]
		}
		if eq < end && string(name) == "b" {
			valEnd := end
			if end == len(raw) {
				// Keep the final line ending.
				valEnd = len(trimLineEnd(raw))
			}
			dst = append(dst, raw[:eq+1]...)
			return append(dst, raw[valEnd:]...)
		}
		i = end + 1
	}
	return raw
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// writeChunks writes msg to w in pieces of n bytes and overwrites each
// piece once written, as io.Writer allows, so that a w that keeps a
// caller's buffer fails.
func writeChunks(t *testing.T, w io.Writer, msg []byte, n int) {
	t.Helper()
	for i := 0; i < len(msg); i += n {
		chunk := bytes.Clone(msg[i:min(i+n, len(msg))])
		_, err := w.Write(chunk)
		require.NoError(t, err)
		for j := range chunk {
			chunk[j] = 'x'
		}
	}
}
