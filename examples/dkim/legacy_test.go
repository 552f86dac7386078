package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dkim"
)

// TestLegacyFlags: an rsa-sha1 signature with a 768-bit key, as old
// archives hold, is refused by default and accepted with -allow-sha1 and
// -min-rsa-bits 512.
func TestLegacyFlags(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 768)
	require.NoError(t, err)
	hdr := "From: Joe <joe@example.com>\r\nSubject: old\r\n"
	body := "Hello\r\n" // already canonical under "simple"
	bh := sha1.Sum([]byte(body))
	field := "DKIM-Signature: v=1; a=rsa-sha1; c=simple/simple; d=example.com; s=old;\r\n h=from:subject; bh=" +
		base64.StdEncoding.EncodeToString(bh[:]) + "; b="
	h := crypto.SHA1.New()
	fields := dkim.SplitHeader([]byte(hdr))
	dkim.HashFields(h, dkim.Simple, dkim.SelectFields(fields, []string{"from", "subject"}), []byte(field))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, h.Sum(nil))
	require.NoError(t, err)
	msg := field + base64.StdEncoding.EncodeToString(sig) + "\r\n" + hdr + "\r\n" + body

	rec, err := dkim.FormatKeyRecord(key.Public())
	require.NoError(t, err)
	addr, _ := dnsServer(t, map[string][]string{"old._domainkey.example.com": dkim.SplitTXT(rec)})

	out, _, code := tool(t, msg, "verify", "-dns", addr)
	require.Equal(t, 0, code)
	require.Equal(t, "policy d=example.com s=old rsa-sha1 not accepted (RFC 8301)\n", out)
	out, _, _ = tool(t, msg, "verify", "-dns", addr, "-allow-sha1")
	require.Equal(t, "permerror d=example.com s=old RSA key of 768 bits\n", out)
	out, _, _ = tool(t, msg, "verify", "-dns", addr, "-allow-sha1", "-min-rsa-bits", "512")
	require.Equal(t, "pass d=example.com s=old\n", out)
	require.False(t, strings.Contains(out, "\r"))
}
