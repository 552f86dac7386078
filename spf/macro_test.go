package spf

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RFC 7208 section 7.4 examples, plus edge cases of section 7.
func TestExpandMacroRFCExamples(t *testing.T) {
	env := &macroEnv{
		sender: "strong-bad@email.example.com", local: "strong-bad",
		senderDomain: "email.example.com", domain: "email.example.com",
		helo: "mx.example.org", ip: netip.MustParseAddr("192.0.2.3"),
		receiver:  "mx.example.net",
		now:       func() time.Time { return time.Unix(1700000000, 0) },
		validated: func() string { return "mx.example.org" },
	}
	for _, tc := range []struct{ in, want string }{
		{"%{s}", "strong-bad@email.example.com"},
		{"%{o}", "email.example.com"},
		{"%{d}", "email.example.com"},
		{"%{d4}", "email.example.com"},
		{"%{d3}", "email.example.com"},
		{"%{d2}", "example.com"},
		{"%{d1}", "com"},
		{"%{dr}", "com.example.email"},
		{"%{d2r}", "example.email"},
		{"%{l}", "strong-bad"},
		{"%{l-}", "strong.bad"},
		{"%{lr}", "strong-bad"},
		{"%{lr-}", "bad.strong"},
		{"%{l1r-}", "strong"},
		{"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
		{"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
		{"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
		{"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
		{"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
		// Upper-case letters are URL-escaped (section 7.3).
		{"%{S}", "strong-bad%40email.example.com"},
		{"%{L}", "strong-bad"},
		{"%{D2R}", "example.email"},
		// Escapes.
		{"%%", "%"},
		{"%_", " "},
		{"%-", "%20"},
		{"a%%b%_c%-d", "a%b c%20d"},
		// Other letters.
		{"%{h}", "mx.example.org"},
		{"%{p}", "mx.example.org"},
		{"%{v}", "in-addr"},
		{"%{i}", "192.0.2.3"},
		// Several delimiters, large digit counts, R as r.
		{"%{l-.}", "strong.bad"},
		{"%{d100}", "email.example.com"},
		{"%{d2R}", "example.email"},
		{"%{s=+,/_}", "strong-bad@email.example.com"},
	} {
		got, err := expandMacro(tc.in, env, false)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	// c, r and t only in explanations.
	for _, tc := range []struct{ in, want string }{
		{"%{c}", "192.0.2.3"},
		{"%{r}", "mx.example.net"},
		{"%{t}", "1700000000"},
		{"see %{d} for %{S}", "see email.example.com for strong-bad%40email.example.com"},
	} {
		got, err := expandMacro(tc.in, env, true)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		if strings.ContainsAny(tc.in, "crt}") && !strings.Contains(tc.in, " ") {
			_, err = expandMacro(tc.in, env, false)
			require.Error(t, err, tc.in)
		}
	}
}

func TestExpandMacroIPv6(t *testing.T) {
	env := &macroEnv{domain: "email.example.com", ip: netip.MustParseAddr("2001:db8::cb01")}
	got, err := expandMacro("%{ir}.%{v}._spf.%{d2}", env, false)
	require.NoError(t, err)
	require.Equal(t, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com", got)
	got, err = expandMacro("%{c}", env, true)
	require.NoError(t, err)
	require.Equal(t, "2001:db8::cb01", got)
	got, err = expandMacro("%{p}", env, false) // no validator: unknown
	require.NoError(t, err)
	require.Equal(t, "unknown", got)
	got, err = expandMacro("%{r}", env, true)
	require.NoError(t, err)
	require.Equal(t, "unknown", got)
}

func TestExpandMacroErrors(t *testing.T) {
	env := &macroEnv{domain: "example.com", ip: netip.MustParseAddr("192.0.2.1")}
	for _, in := range []string{
		"%", "a%", "%x", "%{", "%{d", "%{}", "%{x}", "%{a}", "%{d0}", "%{d00}",
		"%{dr!}", "%{s@}", "%{d1r1}", "%{c}", "%{r}", "%{t}", "a b", "\x80", "a\tb",
	} {
		_, err := expandMacro(in, env, false)
		require.Error(t, err, "%q", in)
		var se *SyntaxError
		require.ErrorAs(t, err, &se)
	}
	// Explanations allow spaces but still no control characters.
	_, err := expandMacro("a\rb", env, true)
	require.Error(t, err)
	got, err := expandMacro("a b", env, true)
	require.NoError(t, err)
	require.Equal(t, "a b", got)
}

func TestTransformEmptyParts(t *testing.T) {
	require.Equal(t, ".a..b", transform(".a..b", 0, false, ""))
	require.Equal(t, "b..a.", transform(".a..b", 0, true, ""))
	require.Equal(t, "b", transform("a-b", 1, false, "-"))
	require.Equal(t, "", transform("", 2, true, ""))
}

func TestURLEscape(t *testing.T) {
	require.Equal(t, "a%2Bb%40c.d~e_f-g", urlEscape("a+b@c.d~e_f-g"))
	require.Equal(t, "%20%25%2F", urlEscape(" %/"))
}

// Section 7.3: names over 253 octets lose labels from the left.
func TestTruncateDomain(t *testing.T) {
	label := strings.Repeat("a", 60)
	long := strings.Repeat(label+".", 5) + "example.com" // 316 octets
	got := truncateDomain(long)
	require.LessOrEqual(t, len(got), 253)
	require.True(t, strings.HasSuffix(got, "example.com"))
	require.Equal(t, strings.Repeat(label+".", 3)+"example.com", got)
	require.Equal(t, "example.com", truncateDomain("example.com."))
	require.Equal(t, "", truncateDomain(strings.Repeat("x", 300)))
}

func TestDottedIP(t *testing.T) {
	require.Equal(t, "192.0.2.1", dottedIP(netip.MustParseAddr("192.0.2.1")))
	require.Equal(t, "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1", dottedIP(netip.MustParseAddr("::1")))
}
