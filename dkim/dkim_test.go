//go:debug rsa1024min=0

package dkim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

// RFC 8463 appendix A: the ed25519 and RSA keys of football.example.com.
const (
	rfc8463EdRecord  = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
	rfc8463RSARecord = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
	rfc8463EdSeed    = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
)

func rfc8463Resolver() *dnsmock.Resolver {
	return &dnsmock.Resolver{TXT: map[string][]string{
		"brisbane._domainkey.football.example.com": {rfc8463EdRecord},
		"test._domainkey.football.example.com":     {rfc8463RSARecord},
	}}
}

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestRFC8463Example(t *testing.T) {
	msg, err := os.ReadFile("testdata/rfc8463.eml")
	require.NoError(t, err)
	res, err := Verify(context.Background(), bytes.NewReader(msg), &VerifyOptions{
		Resolver:   rfc8463Resolver(),
		MinRSABits: 1024,
	})
	require.NoError(t, err)
	require.Len(t, res, 2)
	for _, r := range res {
		require.Equal(t, StatusPass, r.Status, r.Reason)
		require.Equal(t, "football.example.com", r.Domain)
		require.Equal(t, "@football.example.com", r.Identifier)
	}
	require.Equal(t, Ed25519SHA256, res[0].Algorithm)
	require.Equal(t, "brisbane", res[0].Selector)
	require.Equal(t, "/gCrinpc", res[0].HeaderB)
	require.Equal(t, RSASHA256, res[1].Algorithm)

	// Ed25519 is deterministic: hashing the header ourselves and signing
	// with the RFC's private key must reproduce b= exactly.
	seed, _ := base64.StdEncoding.DecodeString(rfc8463EdSeed)
	key := ed25519.NewKeyFromSeed(seed)
	i := bytes.Index(msg, []byte("\r\nDKIM-Signature"))
	hdrEnd := bytes.Index(msg, []byte("\r\n\r\n"))
	fields := SplitHeader(msg[:hdrEnd+2])
	sig := res[0].Signature
	h := crypto.SHA256.New()
	HashFields(h, Relaxed, SelectFields(fields, sig.Headers), removeBValue(nil, msg[:i+2]))
	b, err := signDigest(key, Ed25519SHA256, h.Sum(nil))
	require.NoError(t, err)
	require.Equal(t, sig.Signature, b)

	// A changed body fails both.
	bad := bytes.Replace(msg, []byte("hungry"), []byte("thirsty"), 1)
	res, err = Verify(context.Background(), bytes.NewReader(bad), &VerifyOptions{Resolver: rfc8463Resolver()})
	require.NoError(t, err)
	for _, r := range res {
		require.Equal(t, StatusFail, r.Status)
		require.ErrorIs(t, r.Err, ErrBodyHash)
	}
}

// RFC 6376 appendix C: the public key of brisbane._domainkey.example.com.
const rfc6376Record = "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB"

// TestRFC6376Example verifies the signed message of RFC 6376 appendix A.2
// (simple/simple, i= a subdomain of d=, spaces around the colons of h=).
func TestRFC6376Example(t *testing.T) {
	msg, err := os.ReadFile("testdata/rfc6376-a2.eml")
	require.NoError(t, err)
	res := &dnsmock.Resolver{TXT: map[string][]string{"brisbane._domainkey.example.com": {rfc6376Record}}}
	out, err := Verify(context.Background(), bytes.NewReader(msg), &VerifyOptions{Resolver: res})
	require.NoError(t, err)
	require.Len(t, out, 1)
	r := out[0]
	require.Equal(t, StatusPass, r.Status, r.Reason)
	require.Equal(t, "example.com", r.Domain)
	require.Equal(t, "joe@football.example.com", r.Identifier)
	require.Equal(t, []string{"Received", "From", "To", "Subject", "Date", "Message-ID"}, r.Signature.Headers)
	require.Equal(t, Simple, r.Signature.HeaderCanon)

	// Simple header canonicalization: re-folding a signed field breaks it.
	refolded := bytes.Replace(msg, []byte("\r\n      by submitserver"), []byte("\r\n by submitserver"), 1)
	out, err = Verify(context.Background(), bytes.NewReader(refolded), &VerifyOptions{Resolver: res})
	require.NoError(t, err)
	require.Equal(t, StatusFail, out[0].Status)
	require.ErrorIs(t, out[0].Err, ErrBadSignature)
}

// RFC 6376 section 3.4.5: the canonicalization examples.
func TestCanonicalizationRFC6376Example(t *testing.T) {
	hdr := []byte("A: X\r\nB : Y\t\r\n\tZ  \r\n")
	var relaxed, simple []byte
	for _, f := range SplitHeader(hdr) {
		relaxed = CanonicalizeHeader(relaxed, Relaxed, f.Raw)
		simple = CanonicalizeHeader(simple, Simple, f.Raw)
	}
	require.Equal(t, "a:X\r\nb:Y Z\r\n", string(relaxed))
	require.Equal(t, string(hdr), string(simple))

	body := " C \r\nD \t E\r\n\r\n\r\n"
	require.Equal(t, " C\r\nD E\r\n", canonBody(Relaxed, body))
	require.Equal(t, " C \r\nD \t E\r\n", canonBody(Simple, body))
}

type collect struct{ bytes.Buffer }

func (c *collect) Sum(b []byte) []byte { return append(b, c.Bytes()...) }
func (c *collect) Size() int           { return 0 }
func (c *collect) BlockSize() int      { return 1 }

func canonBody(c Canonicalization, body string) string {
	var out collect
	bc := newBodyCanon(&out, c, -1)
	bc.Write([]byte(body))
	bc.close()
	return out.String()
}

// canonBodyChunks feeds the body one byte at a time.
func canonBodyChunks(c Canonicalization, body string) string {
	var out collect
	bc := newBodyCanon(&out, c, -1)
	for i := 0; i < len(body); i++ {
		bc.Write([]byte{body[i]})
	}
	bc.close()
	return out.String()
}

func TestBodyCanonicalization(t *testing.T) {
	tests := []struct {
		name, in, simple, relaxed string
	}{
		{"empty", "", "\r\n", ""},
		{"only empty lines", "\r\n\r\n\r\n", "\r\n", ""},
		{"no final CRLF", "abc", "abc\r\n", "abc\r\n"},
		{"trailing whitespace", "a  \t\r\nb \r\n", "a  \t\r\nb \r\n", "a\r\nb\r\n"},
		{"whitespace-only lines at end", "a\r\n \t \r\n\r\n", "a\r\n \t \r\n", "a\r\n"},
		{"inner empty lines kept", "a\r\n\r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},
		{"bare LF", "a\nb\n\n", "a\r\nb\r\n", "a\r\nb\r\n"},
		{"bare CR kept", "a\rb\r\n", "a\rb\r\n", "a\rb\r\n"},
		{"CR CR LF", "a\r\r\n", "a\r\r\n", "a\r\r\n"},
		{"trailing CR at EOF", "a\r", "a\r\r\n", "a\r\r\n"},
		{"leading whitespace", "  a\tb  c\r\n", "  a\tb  c\r\n", " a b c\r\n"},
		{"whitespace-only body", "   ", "   \r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.simple, canonBody(Simple, tt.in), "simple")
			require.Equal(t, tt.relaxed, canonBody(Relaxed, tt.in), "relaxed")
			require.Equal(t, tt.simple, canonBodyChunks(Simple, tt.in), "simple chunked")
			require.Equal(t, tt.relaxed, canonBodyChunks(Relaxed, tt.in), "relaxed chunked")
		})
	}
}

// RFC 6376 section 3.4.3 and 3.4.4 (with errata 1384): the SHA-256 of the
// canonical empty body.
func TestEmptyBodyHash(t *testing.T) {
	for c, want := range map[Canonicalization]string{
		Simple:  "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=",
		Relaxed: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
	} {
		h := crypto.SHA256.New()
		bc := newBodyCanon(h, c, -1)
		bc.close()
		require.Equal(t, want, base64.StdEncoding.EncodeToString(h.Sum(nil)), string(c))
	}
}

func TestHeaderCanonicalization(t *testing.T) {
	tests := []struct{ name, raw, relaxed string }{
		{"mixed case name", "SuBjEcT: Hello\r\n", "subject:Hello\r\n"},
		{"folded", "Subject: a\r\n  b\r\n\tc \r\n", "subject:a b c\r\n"},
		{"space before colon", "To \t: x\r\n", "to:x\r\n"},
		{"empty value", "X-Empty:\r\n", "x-empty:\r\n"},
		{"bare LF", "Subject: a\n b\n", "subject:a b\r\n"},
		{"trailing whitespace", "Subject: a  \t\r\n", "subject:a\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.relaxed, string(CanonicalizeHeader(nil, Relaxed, []byte(tt.raw))))
			simple := string(CanonicalizeHeader(nil, Simple, []byte(tt.raw)))
			require.Equal(t, strings.ReplaceAll(strings.ReplaceAll(tt.raw, "\r\n", "\n"), "\n", "\r\n"), simple)
		})
	}
}

func TestSelectFieldsBottomUp(t *testing.T) {
	fields := SplitHeader([]byte("Received: 1\r\nFrom: a\r\nReceived: 2\r\nTo: b\r\n"))
	sel := SelectFields(fields, []string{"received", "RECEIVED", "received", "from"})
	require.Equal(t, "Received: 2\r\n", string(sel[0].Raw))
	require.Equal(t, "Received: 1\r\n", string(sel[1].Raw))
	require.Nil(t, sel[2])
	require.Equal(t, "From: a\r\n", string(sel[3].Raw))
}

func TestRemoveBValue(t *testing.T) {
	raw := "DKIM-Signature: v=1; bh=abc; b=dGVz\r\n dA==; d=x\r\n"
	require.Equal(t, "DKIM-Signature: v=1; bh=abc; b=; d=x\r\n", string(removeBValue(nil, []byte(raw))))
	raw = "DKIM-Signature: v=1; bh=abc;\r\n b = dGVz\r\n dA==\r\n"
	require.Equal(t, "DKIM-Signature: v=1; bh=abc;\r\n b =\r\n", string(removeBValue(nil, []byte(raw))))
}

func TestParseSignatureErrors(t *testing.T) {
	base := map[string]string{
		"v": "1", "a": "rsa-sha256", "b": "dGVzdA==", "bh": "dGVzdA==", "d": "example.com",
		"h": "from:to", "s": "sel",
	}
	build := func(mod func(m map[string]string)) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		mod(m)
		var parts []string
		for _, k := range []string{"v", "a", "b", "bh", "d", "h", "s", "i", "l", "t", "x", "c", "q"} {
			if v, ok := m[k]; ok {
				parts = append(parts, k+"="+v)
			}
		}
		return strings.Join(parts, "; ")
	}
	_, err := ParseSignature(build(func(map[string]string) {}))
	require.NoError(t, err)

	tests := []struct {
		name  string
		value string
		want  error
	}{
		{"duplicate tag", build(func(map[string]string) {}) + "; d=other.example", ErrDuplicateTag},
		{"missing b", build(func(m map[string]string) { delete(m, "b") }), ErrMissingTag},
		{"missing bh", build(func(m map[string]string) { delete(m, "bh") }), ErrMissingTag},
		{"missing d", build(func(m map[string]string) { delete(m, "d") }), ErrMissingTag},
		{"missing s", build(func(m map[string]string) { delete(m, "s") }), ErrMissingTag},
		{"missing h", build(func(m map[string]string) { delete(m, "h") }), ErrMissingTag},
		{"missing v", build(func(m map[string]string) { delete(m, "v") }), ErrMissingTag},
		{"version 2", build(func(m map[string]string) { m["v"] = "2" }), ErrVersion},
		{"from not signed", build(func(m map[string]string) { m["h"] = "to:subject" }), ErrFromNotSigned},
		{"i outside d", build(func(m map[string]string) { m["i"] = "joe@evil.example" }), ErrIdentityMismatch},
		{"i on parent of d", build(func(m map[string]string) { m["d"] = "mail.example.com"; m["i"] = "@example.com" }), ErrIdentityMismatch},
		{"x before t", build(func(m map[string]string) { m["t"] = "100"; m["x"] = "50" }), ErrExpired},
		{"bad l", build(func(m map[string]string) { m["l"] = "-1" }), ErrSyntax},
		{"bad canon", build(func(m map[string]string) { m["c"] = "bogus/simple" }), ErrSyntax},
		{"bad query", build(func(m map[string]string) { m["q"] = "http" }), ErrSyntax},
		{"bad base64", build(func(m map[string]string) { m["bh"] = "!!" }), ErrSyntax},
		{"no equals", build(func(map[string]string) {}) + "; junk", ErrSyntax},
		{"duplicate unknown tag", build(func(map[string]string) {}) + "; foo=1; foo=2", ErrDuplicateTag},
		{"duplicate unknown tag among many", build(func(map[string]string) {}) + manyTags(40) + "; u7=again", ErrDuplicateTag},
		{"duplicate known tag among many", build(func(map[string]string) {}) + manyTags(40) + "; h=from", ErrDuplicateTag},
		{"tag names are case-sensitive", build(func(map[string]string) {}) + "; D=other.example; V=2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSignature(tt.value)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
		})
	}
	s, err := ParseSignature(build(func(m map[string]string) {
		m["i"] = "joe=40x@sub.example.com"
		m["c"] = "relaxed"
		m["l"] = "12"
	}))
	require.NoError(t, err)
	require.Equal(t, "joe@x@sub.example.com", s.Identifier)
	require.Equal(t, Relaxed, s.HeaderCanon)
	require.Equal(t, Simple, s.BodyCanon)
	require.Equal(t, int64(12), s.BodyLength)
}

// manyTags is "; u0=0; u1=1..." with n unknown tags, past the length where
// duplicates are found with a map.
func manyTags(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "; u%d=%d", i, i)
	}
	return b.String()
}

func TestParseKeyRecord(t *testing.T) {
	k, err := ParseKeyRecord(rfc8463RSARecord)
	require.NoError(t, err)
	require.Equal(t, 1024, k.PublicKey.(*rsa.PublicKey).N.BitLen())
	k, err = ParseKeyRecord("k=ed25519; t=y:s; h=sha256; s=email; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	require.NoError(t, err)
	require.True(t, k.Testing())
	require.True(t, k.Strict())
	k, err = ParseKeyRecord("v=DKIM1; p=")
	require.NoError(t, err)
	require.True(t, k.Revoked)

	for name, rec := range map[string]string{
		"v not first":   "k=rsa; v=DKIM1; p=",
		"v wrong":       "v=DKIM2; p=",
		"no p":          "v=DKIM1; k=rsa",
		"duplicate":     "v=DKIM1; p=; p=",
		"unknown k":     "k=dsa; p=AAAA",
		"bad base64":    "p=!!!",
		"short ed25519": "k=ed25519; p=AAAA",
		"not rsa":       "p=AAAA",
	} {
		_, err := ParseKeyRecord(rec)
		require.Error(t, err, name)
	}
}

func TestGenerateFormatParseKeys(t *testing.T) {
	for _, algo := range []Algorithm{RSASHA256, Ed25519SHA256} {
		key, err := GenerateKey(algo, 1024)
		require.NoError(t, err)
		pemBytes, err := MarshalPrivateKeyPEM(key)
		require.NoError(t, err)
		back, err := ParsePrivateKeyPEM(pemBytes)
		require.NoError(t, err)
		rec, err := FormatKeyRecord(back.Public())
		require.NoError(t, err)
		kr, err := ParseKeyRecord(rec)
		require.NoError(t, err)
		require.Equal(t, algo.keyType(), kr.KeyType)
		line := ZoneLine("sel", "example.com", rec)
		require.True(t, strings.HasPrefix(line, `sel._domainkey.example.com. IN TXT "v=DKIM1; k=`))
	}
	_, err := GenerateKey(RSASHA256, 512)
	require.Error(t, err)
	parts := SplitTXT(strings.Repeat("a", 600))
	require.Len(t, parts, 3)
	require.Len(t, parts[0], 255)
	require.Len(t, parts[2], 90)
}

// signedMessage signs msg and returns the signed message and a resolver
// serving the key.
func signedMessage(t *testing.T, key crypto.Signer, msg string, mod func(o *SignOptions)) (string, *dnsmock.Resolver) {
	t.Helper()
	opts := &SignOptions{Domain: "example.com", Selector: "sel", Key: key}
	if mod != nil {
		mod(opts)
	}
	field, err := Sign(strings.NewReader(msg), opts)
	require.NoError(t, err)
	rec, err := FormatKeyRecord(key.Public())
	require.NoError(t, err)
	return field + msg, &dnsmock.Resolver{TXT: map[string][]string{KeyName(opts.Selector, opts.Domain): {rec}}}
}

const testMsg = "From: Joe <joe@example.com>\r\nTo: ann@example.net\r\nSubject: hello\r\n" +
	"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHi Ann,\r\n\r\nsee you.\r\n"

func verifyOne(t *testing.T, msg string, r Resolver, mod func(o *VerifyOptions)) Result {
	t.Helper()
	opts := &VerifyOptions{Resolver: r}
	if mod != nil {
		mod(opts)
	}
	res, err := Verify(context.Background(), strings.NewReader(msg), opts)
	require.NoError(t, err)
	require.Len(t, res, 1)
	return res[0]
}

var (
	testRSA = func() crypto.Signer {
		k, err := GenerateKey(RSASHA256, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}()
	testEd = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
)

func TestSignVerifyRoundTrip(t *testing.T) {
	canons := []Canonicalization{Simple, Relaxed}
	for _, key := range []crypto.Signer{testRSA, testEd} {
		for _, hc := range canons {
			for _, bc := range canons {
				name := string(hc) + "/" + string(bc)
				signed, res := signedMessage(t, key, testMsg, func(o *SignOptions) {
					o.HeaderCanon, o.BodyCanon = hc, bc
					o.Identifier = "joe@mail.example.com"
					o.Timestamp = true
					o.Expiration = time.Hour
				})
				r := verifyOne(t, signed, res, nil)
				require.Equal(t, StatusPass, r.Status, name+": "+r.Reason)
				require.Equal(t, "joe@mail.example.com", r.Identifier)
				// Unix line endings verify too (QUIRK in the package doc).
				r = verifyOne(t, strings.ReplaceAll(signed, "\r\n", "\n"), res, nil)
				require.Equal(t, StatusPass, r.Status, name+" LF: "+r.Reason)
			}
		}
	}
}

func TestSignerDefaultHeadersOversigned(t *testing.T) {
	signed, res := signedMessage(t, testEd, testMsg, nil)
	r := verifyOne(t, signed, res, nil)
	require.Equal(t, StatusPass, r.Status)
	h := strings.Join(r.Signature.Headers, ":")
	require.Equal(t, "from:from:to:to:subject:subject:date:date:message-id:message-id:reply-to:cc:mime-version:content-type", h)
	// An added Subject, To or Reply-To breaks the signature.
	for _, add := range []string{"Subject: other\r\n", "To: eve@example.org\r\n", "Reply-To: eve@example.org\r\n"} {
		r := verifyOne(t, add+signed, res, nil)
		require.Equal(t, StatusFail, r.Status, add)
		require.ErrorIs(t, r.Err, ErrBadSignature)
	}
	// An unsigned field can be added.
	r = verifyOne(t, "Received: from x\r\n"+signed, res, nil)
	require.Equal(t, StatusPass, r.Status)
}

func TestSignerOptionsErrors(t *testing.T) {
	for name, o := range map[string]*SignOptions{
		"nil":            nil,
		"no domain":      {Selector: "s", Key: testEd},
		"bad selector":   {Domain: "example.com", Selector: "a;b", Key: testEd},
		"no key":         {Domain: "example.com", Selector: "s"},
		"no from":        {Domain: "example.com", Selector: "s", Key: testEd, Headers: []string{"to"}},
		"bad identifier": {Domain: "example.com", Selector: "s", Key: testEd, Identifier: "a@evil.example"},
		"bad canon":      {Domain: "example.com", Selector: "s", Key: testEd, HeaderCanon: "nofws"},
	} {
		_, err := NewSigner(o)
		require.Error(t, err, name)
	}
	// Each byte that would break the tag-list, in d=, s= and h=, and ':'
	// in h=; ':' and '.' are fine in d= and s= as far as the list goes.
	ok := func(d, s string, h ...string) error {
		_, err := NewSigner(&SignOptions{Domain: d, Selector: s, Key: testEd, Headers: append([]string{"From"}, h...)})
		return err
	}
	for _, c := range []string{";", "=", " ", "\t", "\r", "\n"} {
		require.Error(t, ok("exa"+c+"mple.com", "s"), "d= with %q", c)
		require.Error(t, ok("example.com", "s"+c), "s= with %q", c)
		require.Error(t, ok("example.com", "s", "X"+c+"Y"), "h= with %q", c)
	}
	require.Error(t, ok("example.com", "s", "X:Y"))
	require.Error(t, ok("example.com", "s", ""))
	require.NoError(t, ok("example.com", "s:1", "X-Y", "\x7fZ"))
	small, err := rsa.GenerateKey(randReader{}, 512)
	require.NoError(t, err)
	_, err = NewSigner(&SignOptions{Domain: "example.com", Selector: "s", Key: small})
	require.ErrorIs(t, err, ErrKeyTooSmall)
}

// randReader is a deterministic byte source for small test keys.
type randReader struct{}

func (randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	return len(p), nil
}

func TestSignerRefusesAmbiguousFrom(t *testing.T) {
	o := &SignOptions{Domain: "example.com", Selector: "s", Key: testEd}
	_, err := Sign(strings.NewReader("From: a@example.com\r\nFrom: b@example.com\r\n\r\nx\r\n"), o)
	require.ErrorIs(t, err, ErrMultipleFrom)
	_, err = Sign(strings.NewReader("To: a@example.com\r\n\r\nx\r\n"), o)
	require.ErrorIs(t, err, ErrNoFrom)
}

func TestSignStreamedInChunks(t *testing.T) {
	body := strings.Repeat("line with  some\ttext  \r\n", 5000)
	msg := "From: a@example.com\r\n\r\n" + body
	s, err := NewSigner(&SignOptions{Domain: "example.com", Selector: "sel", Key: testEd})
	require.NoError(t, err)
	for i := 0; i < len(msg); i += 333 {
		end := min(i+333, len(msg))
		_, err := s.Write([]byte(msg[i:end]))
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	whole, err := Sign(strings.NewReader(msg), &SignOptions{Domain: "example.com", Selector: "sel", Key: testEd})
	require.NoError(t, err)
	require.Equal(t, whole, s.Field(), "ed25519 signatures are deterministic")
}

// TestSignerChunking signs the RFC 8463 message written in every chunk size
// from 1 to 40 bytes, each chunk overwritten once written, as io.Writer
// allows: the Signer must not keep a caller's buffer. ed25519 signatures
// are deterministic, so every way gives the same field.
func TestSignerChunking(t *testing.T) {
	msg, err := os.ReadFile("testdata/rfc8463.eml")
	require.NoError(t, err)
	opts := &SignOptions{Domain: "example.com", Selector: "sel", Key: testEd}
	whole, err := Sign(bytes.NewReader(msg), opts)
	require.NoError(t, err)
	for n := 1; n <= 40; n++ {
		s, err := NewSigner(opts)
		require.NoError(t, err)
		writeChunks(t, s, msg, n)
		require.NoError(t, s.Close())
		require.Equal(t, whole, s.Field(), "chunk %d", n)
	}
}

// A message without a blank line is all header: it signs, with an empty
// body, and verifies.
func TestSignHeaderOnly(t *testing.T) {
	msg := "From: a@example.com\r\nSubject: no body\r\n"
	field, err := Sign(strings.NewReader(msg), &SignOptions{Domain: "example.com", Selector: "sel", Key: testEd})
	require.NoError(t, err)
	rec, err := FormatKeyRecord(testEd.Public())
	require.NoError(t, err)
	res := &dnsmock.Resolver{TXT: map[string][]string{"sel._domainkey.example.com": {rec}}}
	out, err := Verify(context.Background(), strings.NewReader(field+msg), &VerifyOptions{Resolver: res})
	require.NoError(t, err)
	require.Len(t, out, 1)
	require.Equal(t, StatusPass, out[0].Status, out[0].Reason)
}

func TestErrorsAreDistinct(t *testing.T) {
	require.False(t, errors.Is(ErrBodyHash, ErrBadSignature))
}

func TestBodyHasher(t *testing.T) {
	body := "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n\r\n"
	h := crypto.SHA256.New()
	bh := NewBodyHasher(h, Relaxed, -1)
	bh.Write([]byte(body))
	hashed, total := bh.Close()
	require.Equal(t, hashed, total)
	// The RFC 8463 body hash.
	require.Equal(t, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", base64.StdEncoding.EncodeToString(h.Sum(nil)))

	bh = NewBodyHasher(crypto.SHA256.New(), Simple, 5)
	bh.Write([]byte("0123456789\r\n"))
	hashed, total = bh.Close()
	require.Equal(t, int64(5), hashed)
	require.Equal(t, int64(12), total)
}

func TestKeyNameIDNA(t *testing.T) {
	require.Equal(t, "sel._domainkey.xn--bcher-kva.example", KeyName("sel", "bücher.example."))
	require.Equal(t, "sel._domainkey.example.com", KeyName("sel", "example.com"))
}

// TestBodyHashChunkings: a large body hashes the same in every chunking,
// including one byte at a time (the byte-level path only).
func TestBodyHashChunkings(t *testing.T) {
	var body strings.Builder
	for i := 0; body.Len() < 384<<10; i++ {
		body.WriteString("line " + strings.Repeat("x", i%90) + "  \t end \r\n")
		if i%17 == 0 {
			body.WriteString("\r\n\r\n")
		}
	}
	b := []byte(body.String())
	for _, c := range []Canonicalization{Simple, Relaxed} {
		want := crypto.SHA256.New()
		want.Write([]byte(canonBodyChunks(c, body.String())))
		for _, chunk := range []int{1 << 20, 4096, 1000, 7} {
			h := crypto.SHA256.New()
			bh := NewBodyHasher(h, c, -1)
			for i := 0; i < len(b); i += chunk {
				bh.Write(b[i:min(i+chunk, len(b))])
			}
			bh.Close()
			require.Equal(t, want.Sum(nil), h.Sum(nil), "%s chunk %d", c, chunk)
		}
	}
}

func TestSignatureString(t *testing.T) {
	v := "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; t=100; x=200; i=joe=3Bx@example.com; l=5; q=dns/txt; h=from:to; z=From:a|To:b; bh=dGVzdA==; b=dGVzdA=="
	sig, err := ParseSignature(v)
	require.NoError(t, err)
	require.Equal(t, "joe;x@example.com", sig.Identifier)
	require.Equal(t, v, sig.String())
}
