package dkim

import (
	"bytes"
	"context"
	"crypto/rsa"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

// TestVerifyFailures covers the strict checks of RFC 6376 sections 3.5,
// 3.6.1 and 6.1 and the DKIM items of SECURITY.md.
func TestVerifyFailures(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	edRec, _ := FormatKeyRecord(testEd.Public())
	keyName := "sel._domainkey.example.com"
	type tc struct {
		name   string
		sign   func(o *SignOptions)
		msg    func(signed string) string
		dns    func(r *dnsmock.Resolver)
		verify func(o *VerifyOptions)
		status Status
		err    error
	}
	tests := []tc{
		{name: "pass", status: StatusPass},
		{name: "header changed", msg: func(s string) string { return strings.Replace(s, "Subject: hello", "Subject: hellO", 1) },
			status: StatusFail, err: ErrBadSignature},
		{name: "body changed", msg: func(s string) string { return strings.Replace(s, "see you", "see me", 1) },
			status: StatusFail, err: ErrBodyHash},
		{name: "two From fields", msg: func(s string) string { return strings.Replace(s, "To:", "From: eve@evil.example\r\nTo:", 1) },
			status: StatusPermError, err: ErrMultipleFrom},
		{name: "duplicate tag", msg: func(s string) string { return strings.Replace(s, "v=1;", "v=1; v=1;", 1) },
			status: StatusPermError, err: ErrDuplicateTag},
		{name: "from not in h", sign: func(o *SignOptions) { o.Headers = []string{"from", "to"} },
			msg:    func(s string) string { return strings.Replace(s, "h=from:to", "h=to", 1) },
			status: StatusPermError, err: ErrFromNotSigned},
		{name: "expired", sign: func(o *SignOptions) { o.Expiration = time.Hour; o.Now = fixedNow(now.Add(-2 * time.Hour)) },
			status: StatusPermError, err: ErrExpired},
		{name: "expired but ignored", sign: func(o *SignOptions) { o.Expiration = time.Hour; o.Now = fixedNow(now.Add(-2 * time.Hour)) },
			verify: func(o *VerifyOptions) { o.IgnoreExpiration = true }, status: StatusPass},
		{name: "timestamp in the future", sign: func(o *SignOptions) { o.Timestamp = true; o.Now = fixedNow(now.Add(time.Hour)) },
			status: StatusPermError, err: ErrFutureTimestamp},
		{name: "timestamp within skew", sign: func(o *SignOptions) { o.Timestamp = true; o.Now = fixedNow(now.Add(time.Minute)) },
			status: StatusPass},
		{name: "revoked key", dns: func(r *dnsmock.Resolver) { r.TXT[keyName] = []string{"v=DKIM1; k=ed25519; p="} },
			status: StatusPermError, err: ErrKeyRevoked},
		{name: "two key records", dns: func(r *dnsmock.Resolver) { r.TXT[keyName] = []string{edRec, edRec} },
			status: StatusPermError, err: ErrMultipleKeys},
		{name: "no key", dns: func(r *dnsmock.Resolver) { delete(r.TXT, keyName) },
			status: StatusPermError, err: ErrNoKey},
		{name: "NODATA", dns: func(r *dnsmock.Resolver) { r.TXT[keyName] = []string{} },
			status: StatusPermError, err: ErrNoKey},
		{name: "SERVFAIL", dns: func(r *dnsmock.Resolver) { r.Fail = []string{keyName} },
			status: StatusTempError, err: ErrKeyUnavailable},
		{name: "timeout", dns: func(r *dnsmock.Resolver) { r.Timeout = []string{keyName} },
			status: StatusTempError, err: ErrKeyUnavailable},
		{name: "key syntax", dns: func(r *dnsmock.Resolver) { r.TXT[keyName] = []string{"v=DKIM1; p=; p="} },
			status: StatusPermError, err: ErrDuplicateTag},
		{name: "key h= sha1 only", dns: func(r *dnsmock.Resolver) {
			r.TXT[keyName] = []string{strings.Replace(edRec, "k=ed25519;", "k=ed25519; h=sha1;", 1)}
		},
			status: StatusPermError, err: ErrKeyHashMismatch},
		{name: "key s= other service", dns: func(r *dnsmock.Resolver) {
			r.TXT[keyName] = []string{strings.Replace(edRec, "k=ed25519;", "k=ed25519; s=chat;", 1)}
		},
			status: StatusPermError, err: ErrKeyServiceMismatch},
		{name: "key k= rsa for ed25519", dns: func(r *dnsmock.Resolver) {
			rec, _ := FormatKeyRecord(testRSA.Public())
			r.TXT[keyName] = []string{rec}
		}, status: StatusPermError, err: ErrKeyTypeMismatch},
		{name: "key t=s with subdomain i=", sign: func(o *SignOptions) { o.Identifier = "joe@sub.example.com" },
			dns: func(r *dnsmock.Resolver) {
				r.TXT[keyName] = []string{strings.Replace(edRec, "k=ed25519;", "k=ed25519; t=s;", 1)}
			},
			status: StatusPermError, err: ErrKeyStrictSubdomain},
		{name: "key t=y testing", dns: func(r *dnsmock.Resolver) {
			r.TXT[keyName] = []string{strings.Replace(edRec, "k=ed25519;", "k=ed25519; t=y;", 1)}
		},
			status: StatusPass},
		{name: "unknown algorithm", msg: func(s string) string { return strings.Replace(s, "a=ed25519-sha256", "a=ed448-sha512", 1) },
			status: StatusPermError, err: ErrUnsupportedAlgo},
		{name: "l= with appended body", sign: func(o *SignOptions) { o.BodyLength = true },
			msg:    func(s string) string { return s + "\r\nClick http://evil.example/ now!\r\n" },
			status: StatusFail, err: ErrUnsignedContent},
		{name: "l= with appended body allowed", sign: func(o *SignOptions) { o.BodyLength = true },
			msg:    func(s string) string { return s + "appended\r\n" },
			verify: func(o *VerifyOptions) { o.AllowUnsignedContent = true }, status: StatusPass},
		{name: "l= exact", sign: func(o *SignOptions) { o.BodyLength = true }, status: StatusPass},
		{name: "l= longer than body", sign: func(o *SignOptions) { o.BodyLength = true },
			msg:    func(s string) string { return strings.Replace(s, "see you.\r\n", "", 1) },
			status: StatusFail, err: ErrBodyHash},
		{name: "no From field", msg: func(s string) string { return strings.Replace(s, "From: Joe <joe@example.com>\r\n", "", 1) },
			status: StatusNeutral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed, res := signedMessage(t, testEd, testMsg, func(o *SignOptions) {
				o.Now = fixedNow(now)
				if tt.sign != nil {
					tt.sign(o)
				}
			})
			if tt.msg != nil {
				signed = tt.msg(signed)
			}
			if tt.dns != nil {
				tt.dns(res)
			}
			r := verifyOne(t, signed, res, func(o *VerifyOptions) {
				o.Now = fixedNow(now)
				if tt.verify != nil {
					tt.verify(o)
				}
			})
			require.Equal(t, tt.status, r.Status, r.Reason)
			if tt.err != nil {
				require.ErrorIs(t, r.Err, tt.err)
				require.NotEmpty(t, r.Reason)
			}
			require.Equal(t, "example.com", r.Domain)
			require.Equal(t, "sel", r.Selector)
		})
	}
}

func TestVerifyUnsignedLengthReported(t *testing.T) {
	signed, res := signedMessage(t, testEd, testMsg, func(o *SignOptions) { o.BodyLength = true })
	r := verifyOne(t, signed+"extra\r\n", res, func(o *VerifyOptions) { o.AllowUnsignedContent = true })
	require.Equal(t, StatusPass, r.Status)
	require.Equal(t, int64(7), r.UnsignedLength)
	require.Equal(t, int64(len("Hi Ann,\r\n\r\nsee you.\r\n")), r.SignedLength)
}

func TestVerifySHA1AndWeakRSA(t *testing.T) {
	// A message signed with rsa-sha1 by hand: we never sign with SHA-1, so
	// build the signature through the verifier's own hashing.
	weak, err := rsa.GenerateKey(randReader{}, 768)
	require.NoError(t, err)
	msg := testMsg
	signed := signSHA1(t, testRSA.(*rsa.PrivateKey), msg)
	rec, _ := FormatKeyRecord(testRSA.Public())
	res := &dnsmock.Resolver{TXT: map[string][]string{"sel._domainkey.example.com": {rec}}}
	r := verifyOne(t, signed, res, nil)
	require.Equal(t, StatusPolicy, r.Status)
	require.ErrorIs(t, r.Err, ErrSHA1Disabled)
	r = verifyOne(t, signed, res, func(o *VerifyOptions) { o.AllowSHA1 = true })
	require.Equal(t, StatusPass, r.Status, r.Reason)

	// RSA under 1024 bits: permerror unless the legacy option allows it.
	signed = signSHA1(t, weak, msg)
	rec, _ = FormatKeyRecord(weak.Public())
	res.TXT["sel._domainkey.example.com"] = []string{rec}
	r = verifyOne(t, signed, res, func(o *VerifyOptions) { o.AllowSHA1 = true })
	require.Equal(t, StatusPermError, r.Status)
	require.ErrorIs(t, r.Err, ErrKeyTooSmall)
	r = verifyOne(t, signed, res, func(o *VerifyOptions) { o.AllowSHA1 = true; o.MinRSABits = 512 })
	require.Equal(t, StatusPass, r.Status, r.Reason)

	// A policy minimum above 1024 gives StatusPolicy.
	signed2, res2 := signedMessage(t, testRSA, msg, nil)
	r = verifyOne(t, signed2, res2, func(o *VerifyOptions) { o.MinRSABits = 3072 })
	require.Equal(t, StatusPolicy, r.Status)
}

// signSHA1 produces an rsa-sha1 relaxed/relaxed signature for tests.
func signSHA1(t *testing.T, key *rsa.PrivateKey, msg string) string {
	t.Helper()
	hdrEnd := strings.Index(msg, "\r\n\r\n") + 2
	body := msg[hdrEnd+2:]
	bh := sha1Sum(canonBody(Relaxed, body))
	field := "DKIM-Signature: v=1; a=rsa-sha1; c=relaxed/relaxed; d=example.com; s=sel;\r\n h=from:to:subject; bh=" + bh + "; b="
	return field + signFieldSHA1(t, key, msg[:hdrEnd], field) + "\r\n" + msg
}

func TestMaxSignatures(t *testing.T) {
	signed, res := signedMessage(t, testEd, testMsg, nil)
	field := signed[:len(signed)-len(testMsg)]
	many := strings.Repeat(field, 8) + testMsg
	out, err := Verify(context.Background(), strings.NewReader(many), &VerifyOptions{Resolver: res})
	require.NoError(t, err)
	require.Len(t, out, 8)
	for i, r := range out {
		if i < 5 {
			require.Equal(t, StatusPass, r.Status)
		} else {
			require.Equal(t, StatusPolicy, r.Status)
			require.ErrorIs(t, r.Err, ErrTooManySignatures)
		}
	}
	require.Equal(t, 5, res.QueryCount(), "no lookups beyond the maximum")
}

// A header of many signature fields costs memory linear in its size, with
// a small factor: those past MaxSignatures are only counted.
func TestVerifyManySignatureFields(t *testing.T) {
	const n = 40000
	hdr := "From: a@example.com\r\n" + strings.Repeat("DKIM-Signature: x\r\n", n)
	msg := hdr + "\r\nbody\r\n"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, err := Verify(context.Background(), strings.NewReader(msg), &VerifyOptions{Resolver: &dnsmock.Resolver{}})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Len(t, out, n)
	require.Equal(t, StatusPermError, out[4].Status)
	require.Equal(t, StatusPolicy, out[5].Status)
	require.ErrorIs(t, out[n-1].Err, ErrTooManySignatures)
	require.Equal(t, "too many signatures", out[n-1].Reason)
	// One Result per field is the API (168 bytes for a 19-byte field), and
	// the field split keeps 40 bytes and the name of each: about 18 times
	// the header in all. A pending per field made it 137 times.
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(32*len(hdr)), "allocated %d bytes for a %d-byte header", allocated, len(hdr))
}

func TestVerifyNoSignature(t *testing.T) {
	out, err := Verify(context.Background(), strings.NewReader(testMsg), &VerifyOptions{Resolver: &dnsmock.Resolver{}})
	require.NoError(t, err)
	require.Empty(t, out)
}

// Field names are ASCII (RFC 5322 section 2.2): one spelled with the
// Kelvin sign U+212A, which Unicode folding maps to "k", is not a
// DKIM-Signature field, and a signed h= name does not select it either.
func TestVerifyFieldNamesFoldASCIIOnly(t *testing.T) {
	signed, res := signedMessage(t, testEd, testMsg, nil)
	lookalike := strings.Replace(signed, "DKIM-Signature:", "D\u212aIM-Signature:", 1)
	out, err := Verify(context.Background(), strings.NewReader(lookalike), &VerifyOptions{Resolver: res})
	require.NoError(t, err)
	require.Empty(t, out)
	fields := SplitHeader([]byte("Subject: a\r\nD\u212aIM-Signature: b\r\n"))
	require.Equal(t, []*Field{nil}, SelectFields(fields, []string{"dkim-signature"}))
}

func TestVerifyHeaderBomb(t *testing.T) {
	msg := "From: a@example.com\r\n" + strings.Repeat("X-Junk: "+strings.Repeat("a", 1000)+"\r\n", 2000)
	_, err := Verify(context.Background(), strings.NewReader(msg), &VerifyOptions{Resolver: &dnsmock.Resolver{}, MaxHeaderBytes: 100000})
	require.ErrorIs(t, err, ErrHeaderTooLong)
}

func TestVerifyContextCancelled(t *testing.T) {
	signed, res := signedMessage(t, testEd, testMsg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := Verify(ctx, strings.NewReader(signed), &VerifyOptions{Resolver: res})
	require.NoError(t, err)
	require.Equal(t, StatusTempError, out[0].Status)
	require.ErrorIs(t, out[0].Err, context.Canceled)
}

func TestVerifyNoHeaderEnd(t *testing.T) {
	// A message that is all header, with no blank line and no body.
	signed, res := signedMessage(t, testEd, "From: a@example.com\r\nSubject: x\r\n", nil)
	r := verifyOne(t, signed, res, nil)
	require.Equal(t, StatusPass, r.Status, r.Reason)
}

// TestVerifierChunking writes the RFC 8463 message in every chunk size from
// 1 to 40 bytes, and whole: the header/body split and the body
// canonicalization must not depend on where writes begin and end. Each
// chunk is overwritten once written, as io.Writer allows: the Verifier
// must not keep it (it reads a header that one write holds whole in
// place).
func TestVerifierChunking(t *testing.T) {
	msg, err := os.ReadFile("testdata/rfc8463.eml")
	require.NoError(t, err)
	for _, m := range [][]byte{msg, []byte(strings.ReplaceAll(string(msg), "\r\n", "\n"))} {
		for n := 1; n <= 41; n++ {
			if n == 41 {
				n = len(m)
			}
			v, err := NewVerifier(context.Background(), &VerifyOptions{Resolver: rfc8463Resolver()})
			require.NoError(t, err)
			writeChunks(t, v, m, n)
			out, err := v.Close()
			require.NoError(t, err)
			require.Len(t, out, 2)
			require.Equal(t, StatusPass, out[0].Status, "chunk %d: %s", n, out[0].Reason)
			require.Equal(t, StatusPass, out[1].Status, "chunk %d: %s", n, out[1].Reason)
		}
	}
}

// Close may be called again and gives the same results, whether it returns
// the one signature's result in place or a slice built for several.
func TestVerifierCloseTwice(t *testing.T) {
	msg, err := os.ReadFile("testdata/rfc8463.eml")
	require.NoError(t, err)
	one := msg[bytes.Index(msg, []byte("\r\nDKIM-Signature:"))+2:] // the second signature only
	for _, tc := range []struct {
		msg  []byte
		sigs int
	}{{msg, 2}, {one, 1}} {
		v, err := NewVerifier(context.Background(), &VerifyOptions{Resolver: rfc8463Resolver()})
		require.NoError(t, err)
		_, err = v.Write(tc.msg)
		require.NoError(t, err)
		first, err := v.Close()
		require.NoError(t, err)
		require.Len(t, first, tc.sigs)
		for _, r := range first {
			require.Equal(t, StatusPass, r.Status, r.Reason)
			// Each signature has its own parsed signature and key, kept in
			// its own part of the Verifier.
			require.Equal(t, r.Algorithm, r.Signature.Algorithm)
			require.Equal(t, r.Algorithm.keyType(), r.Key.KeyType)
		}
		again, err := v.Close()
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
}

// A hostile h= listing a name many times against many fields stays linear.
func TestSelectFieldsLinear(t *testing.T) {
	hdr := strings.Repeat("X: 1\r\n", 50000)
	fields := SplitHeader([]byte(hdr))
	names := make([]string, 200000)
	for i := range names {
		names[i] = "x"
	}
	sel := SelectFields(fields, names)
	require.Equal(t, &fields[len(fields)-1], sel[0])
	require.Nil(t, sel[50000])
}

// header.b (RFC 6008) is the first 8 characters of b= without its FWS,
// wherever the folding falls.
func TestVerifyHeaderB(t *testing.T) {
	const b = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
	for _, folded := range []string{b, "AAEC\r\n AwQF" + b[8:], "AAECAwQF\r\n\t" + b[8:], " A A E C A w Q F" + b[8:]} {
		msg := "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=none; h=from;\r\n bh=AAAA; b=" +
			folded + "\r\nFrom: a@example.com\r\n\r\nbody\r\n"
		out, err := Verify(context.Background(), strings.NewReader(msg), &VerifyOptions{Resolver: &dnsmock.Resolver{}})
		require.NoError(t, err)
		require.Len(t, out, 1)
		require.Equal(t, StatusPermError, out[0].Status, out[0].Reason)
		require.Equal(t, b[:8], out[0].HeaderB, "%q", folded)
	}
}

// headerB takes the first 8 characters other than FWS, however few.
func TestHeaderBValue(t *testing.T) {
	for in, want := range map[string]string{
		"": "", " ": "", "AB CD": "ABCD", "\r\n AAECAwQFBgc=": "AAECAwQF",
		"AAECAwQF": "AAECAwQF", "AA\tEC Aw\r\n QFBgc": "AAECAwQF", "ABC": "ABC",
	} {
		require.Equal(t, want, headerB(in), "%q", in)
		require.Equal(t, firstN(stripFWS(in), 8), headerB(in), "%q", in)
	}
}
