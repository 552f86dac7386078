package message

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// Samples written in the shape that each producer uses.
var arSamples = map[string]string{
	"gmail": "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 header.b=Ab+c/9=;\r\n" +
		"       spf=pass (google.com: domain of alice@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=alice@example.com;\r\n" +
		"       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com",
	"microsoft": "spf=pass (sender IP is 192.0.2.7)\r\n smtp.mailfrom=example.com; dkim=pass (signature was verified)\r\n" +
		" header.d=example.com;dmarc=pass action=none\r\n header.from=example.com;compauth=pass reason=100",
	"microsoft-fail": "spf=fail (sender IP is 192.0.2.7) smtp.mailfrom=example.org; dkim=none (message not signed)\r\n header.d=none;dmarc=fail action=oreject header.from=example.org;",
	"opendmarc":      "mail.example.net; dmarc=pass (p=reject dis=none) header.from=example.com",
	"opendkim":       "mail.example.net;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com header.a=rsa-sha256 header.s=sel header.b=\"AbCdEfGh\";\r\n\tdkim-atps=neutral",
	"rfc8601-none":   "example.org 1; none",
	"rfc8601-multi":  "example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; spf=pass smtp.mailfrom=example.net; sender-id=pass header.from=example.net",
	"reason":         "example.com; dkim=fail reason=\"signature did not verify\" header.d=example.org",
	"versioned":      "example.com; dkim/1=pass header.d=a.test",
	"arc":            "i=1; mx.google.com; dkim=pass header.i=@example.com; spf=pass smtp.mailfrom=example.com",
	"slash-id":       `"a/" 1; none`, // found by FuzzAuthResults
	"unclosed":       "a=b(",         // found by FuzzAuthResults: unclosed comment
}

func TestParseAuthResults(t *testing.T) {
	ar, err := ParseAuthResults(arSamples["gmail"])
	require.NoError(t, err)
	require.Equal(t, "mx.google.com", ar.AuthServID)
	require.Len(t, ar.Results, 3)
	require.Equal(t, "dkim", ar.Results[0].Method)
	v, ok := ar.Results[0].Prop("header.b")
	require.True(t, ok)
	require.Equal(t, "Ab+c/9=", v)
	require.Equal(t, "google.com: domain of alice@example.com designates 192.0.2.1 as permitted sender", ar.Results[1].Comment)
	v, _ = ar.Results[1].Prop("SMTP.MailFrom")
	require.Equal(t, "alice@example.com", v)
	require.Equal(t, "p=NONE sp=NONE dis=NONE", ar.Results[2].Comment)

	ms, err := ParseAuthResults(arSamples["microsoft"])
	require.NoError(t, err)
	require.Equal(t, "", ms.AuthServID)
	require.Len(t, ms.Results, 4)
	require.Equal(t, AuthProp{Property: "action", Value: "none"}, ms.Results[2].Props[0])
	require.Equal(t, "100", ms.Results[3].Reason)

	od, err := ParseAuthResults(arSamples["opendkim"])
	require.NoError(t, err)
	require.Equal(t, "2048-bit key; unprotected", od.Results[0].Comment)
	v, _ = od.Results[0].Prop("header.b")
	require.Equal(t, "AbCdEfGh", v)
	require.Equal(t, "neutral", od.Results[1].Result)

	none, err := ParseAuthResults(arSamples["rfc8601-none"])
	require.NoError(t, err)
	require.Equal(t, &AuthResults{AuthServID: "example.org", Version: 1}, none)
	require.Equal(t, "example.org 1; none", none.String())

	r, err := ParseAuthResults(arSamples["reason"])
	require.NoError(t, err)
	require.Equal(t, "signature did not verify", r.Results[0].Reason)

	arc, err := ParseAuthResults(arSamples["arc"])
	require.NoError(t, err)
	require.Equal(t, 1, arc.Instance)
	require.Equal(t, "mx.google.com", arc.AuthServID)
	require.Len(t, arc.Results, 2)
	require.Equal(t, arSamples["arc"], arc.String())

	vr, err := ParseAuthResults(arSamples["versioned"])
	require.NoError(t, err)
	require.Equal(t, "1", vr.Results[0].MethodVersion)
}

func TestAuthResultsRoundTrip(t *testing.T) {
	for name, s := range arSamples {
		t.Run(name, func(t *testing.T) {
			a, err := ParseAuthResults(s)
			require.NoError(t, err)
			out := a.String()
			b, err := ParseAuthResults(out)
			require.NoError(t, err, out)
			require.Equal(t, a, b, out)
			require.Equal(t, out, b.String())
		})
	}
}

func TestAuthResultsFormat(t *testing.T) {
	ar := &AuthResults{AuthServID: "mx.example.org", Results: []AuthResult{
		{Method: "spf", Result: "pass", Props: []AuthProp{{Type: "smtp", Property: "mailfrom", Value: "a@example.com"}}},
		{Method: "dkim", Result: "fail", Reason: "bad signature", Props: []AuthProp{{Type: "header", Property: "d", Value: "example.com"}, {Type: "header", Property: "s", Value: "sel 1"}}},
		{Method: "dmarc", Result: "pass", Comment: "p=reject (strict) x)", Props: []AuthProp{{Type: "header", Property: "from", Value: "example.com"}}},
	}}
	want := `mx.example.org; spf=pass smtp.mailfrom=a@example.com; dkim=fail reason="bad signature" header.d=example.com header.s="sel 1"; dmarc=pass (p=reject (strict) x\)) header.from=example.com`
	require.Equal(t, want, ar.String())
	again, err := ParseAuthResults(ar.String())
	require.NoError(t, err)
	require.Equal(t, `p=reject (strict) x\)`, again.Results[2].Comment)
	require.Equal(t, "mx.example.org; none", (&AuthResults{AuthServID: "mx.example.org"}).String())
}

func TestParseAuthResultsErrors(t *testing.T) {
	for _, s := range []string{"", ";", "example.com; =pass", "example.com; spf", "example.com; spf=", "example.com; spf=pass junk", "example.com spf=pass"} {
		_, err := ParseAuthResults(s)
		require.ErrorIs(t, err, ErrAuthResults, s)
	}
}

func FuzzAuthResults(f *testing.F) {
	for _, s := range arSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAuthResults(s)
		if err != nil {
			if !errors.Is(err, ErrAuthResults) {
				t.Fatal(err)
			}
			return
		}
		out := a.String()
		b, err := ParseAuthResults(out)
		if err != nil {
			t.Fatalf("%q → %q: %v", s, out, err)
		}
		if out2 := b.String(); out2 != out {
			t.Fatalf("not stable: %q → %q → %q", s, out, out2)
		}
	})
}
