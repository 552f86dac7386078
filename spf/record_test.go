package spf

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// RFC 7208 section 4.5: record selection.
func TestIsSPFRecord(t *testing.T) {
	for _, tc := range []struct {
		txt  string
		want bool
	}{
		{"v=spf1", true},
		{"v=spf1 -all", true},
		{"V=SpF1 -all", true},
		{"v=spf1  ", true},
		{"v=spf10", false},
		{"v=spf1-all", false},
		{"v=spf1\t-all", false},
		{" v=spf1 -all", false},
		{"v=spf2 -all", false},
		{"spf2.0/pra -all", false},
		{"", false},
	} {
		require.Equal(t, tc.want, IsSPFRecord(tc.txt), tc.txt)
	}
}

// RFC 7208 sections 4.6.1, 5 and 6: term syntax.
func TestParseRecord(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // String() of the parse; "" for a syntax error
	}{
		{"v=spf1", "v=spf1"},
		{"v=spf1 -all", "v=spf1 -all"},
		{"v=spf1 +all", "v=spf1 +all"},
		{"v=spf1 ALL", "v=spf1 all"},
		{"v=spf1   a   mx  ", "v=spf1 a mx"},
		{"v=spf1 a/24", "v=spf1 a/24"},
		{"v=spf1 a//64", "v=spf1 a//64"},
		{"v=spf1 a/24//64", "v=spf1 a/24//64"},
		{"v=spf1 a:example.com/0//0", "v=spf1 a:example.com/0//0"},
		{"v=spf1 mx:mail.example.com/32//128", "v=spf1 mx:mail.example.com/32//128"},
		{"v=spf1 ?ptr ~ptr:example.com", "v=spf1 ?ptr ~ptr:example.com"},
		{"v=spf1 ip4:192.0.2.1 ip4:192.0.2.0/24 ip4:0.0.0.0/0", "v=spf1 ip4:192.0.2.1 ip4:192.0.2.0/24 ip4:0.0.0.0/0"},
		{"v=spf1 ip4:192.0.2.1/32", "v=spf1 ip4:192.0.2.1"},
		{"v=spf1 ip6:2001:DB8::/32 ip6:::1 ip6:::ffff:1.2.3.4", "v=spf1 ip6:2001:db8::/32 ip6:::1 ip6:::ffff:1.2.3.4"},
		{"v=spf1 include:_spf.example.com exists:%{ir}.%{l1r+-}._spf.%{d}", "v=spf1 include:_spf.example.com exists:%{ir}.%{l1r+-}._spf.%{d}"},
		{"v=spf1 a:foo:bar/baz.example.com", "v=spf1 a:foo:bar/baz.example.com"},
		{"v=spf1 a:%{d}/24", "v=spf1 a:%{d}/24"},
		{"v=spf1 a:%{l/}.example.com/24", "v=spf1 a:%{l/}.example.com/24"},
		{"v=spf1 redirect=_spf.example.com", "v=spf1 redirect=_spf.example.com"},
		{"v=spf1 Redirect=a.example.com EXP=b.example.com", "v=spf1 Redirect=a.example.com EXP=b.example.com"},
		{"v=spf1 moo.cow-far_out=man:dog/cat -all", "v=spf1 -all moo.cow-far_out=man:dog/cat"},
		{"v=spf1 x= -all", "v=spf1 -all x="},
		{"v=spf1 a:example.1-1", "v=spf1 a:example.1-1"},
		{"v=spf1 a:example.com.", "v=spf1 a:example.com."},
		// Syntax errors: the whole record is a permerror.
		{"v=spf1 moo.cow/far_out=man:dog/cat -all", ""},
		{"v=spf1 moo.cow:far_out=man:dog/cat -all", ""},
		{"v=spf1 foo", ""},
		{"v=spf1 -all/24", ""},
		{"v=spf1 all:example.com", ""},
		{"v=spf1 include", ""},
		{"v=spf1 include:", ""},
		{"v=spf1 exists", ""},
		{"v=spf1 a:", ""},
		{"v=spf1 a:example", ""},      // no "." toplabel
		{"v=spf1 a:example.123", ""},  // numeric toplabel
		{"v=spf1 a:example.com-", ""}, // toplabel ends in "-"
		{"v=spf1 a/33", ""},           // ip4 cidr > 32
		{"v=spf1 a//129", ""},         // ip6 cidr > 128
		{"v=spf1 a/024", ""},          // leading zero
		{"v=spf1 a/", ""},
		{"v=spf1 a///64", ""},
		{"v=spf1 ptr/24", ""},
		{"v=spf1 ip4", ""},
		{"v=spf1 ip4:", ""},
		{"v=spf1 ip4:1.2.3", ""},
		{"v=spf1 ip4:1.2.3.4/33", ""},
		{"v=spf1 ip4:1.2.3.4:8080", ""},
		{"v=spf1 ip4:01.2.3.4", ""},
		{"v=spf1 ip4:::1", ""},
		{"v=spf1 ip6:1.2.3.4", ""},
		{"v=spf1 ip6:::1/129", ""},
		{"v=spf1 ip6:fe80::1%eth0", ""},
		{"v=spf1 ip6::CAFE::BABE", ""},
		{"v=spf1 -redirect=a.example.com", ""},
		{"v=spf1 redirect=a.example.com redirect=b.example.com", ""},
		{"v=spf1 exp=a.example.com exp=b.example.com", ""},
		{"v=spf1 redirect=example", ""},
		{"v=spf1 exp=", ""},
		{"v=spf1 foo=%abc", ""},
		{"v=spf1 a:%{x}.example.com", ""},
		{"v=spf1 a:%{c}.example.com", ""}, // c only in explanations
		{"v=spf1 a:ctrl.example.com\rptr -all", ""},
		{"v=spf1 ip4:192.0.2.5\n include:x.example.com", ""},
		{"v=spf1 \x80a:example.net -all", ""},
		{"v=spf1 a:\xef\xbb\xbfgarbage.example.net -all", ""},
		{"v=spf1 =foo", ""},
		{"v=spf1 -", ""},
		{"v=spf10 -all", ""},
		{"not spf", ""},
	} {
		r, err := ParseRecord(tc.in)
		if tc.want == "" {
			require.Error(t, err, "%q", tc.in)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.NotEmpty(t, se.Error())
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.want, r.String(), "%q", tc.in)
		again, err := ParseRecord(r.String())
		require.NoError(t, err)
		require.Equal(t, r, again)
	}
}

func TestParseRecordFields(t *testing.T) {
	r, err := ParseRecord("v=spf1 -ip4:192.0.2.0/24 ~a:mail.example.com/28//64 ?exists:%{i}.x.example.com mx include:b.example.com exp=e.%{d} redirect=r.example.com unknown=1")
	require.NoError(t, err)
	require.Len(t, r.Directives, 5)
	require.Equal(t, Directive{Qualifier: QualifierFail, Mechanism: "ip4", Net: netip.MustParsePrefix("192.0.2.0/24"), CIDR4: -1, CIDR6: -1}, r.Directives[0])
	require.Equal(t, Directive{Qualifier: QualifierSoftFail, Mechanism: "a", DomainSpec: "mail.example.com", CIDR4: 28, CIDR6: 64}, r.Directives[1])
	require.Equal(t, QualifierNeutral, r.Directives[2].Qualifier)
	require.Equal(t, "%{i}.x.example.com", r.Directives[2].DomainSpec)
	require.Equal(t, Directive{Qualifier: QualifierPass, Mechanism: "mx", CIDR4: -1, CIDR6: -1}, r.Directives[3])
	require.Equal(t, "e.%{d}", r.Exp)
	require.Equal(t, "r.example.com", r.Redirect)
	require.Equal(t, []Modifier{{"exp", "e.%{d}"}, {"redirect", "r.example.com"}, {"unknown", "1"}}, r.Modifiers)
	require.Equal(t, Pass, QualifierPass.Result())
	require.Equal(t, Fail, QualifierFail.Result())
	require.Equal(t, SoftFail, QualifierSoftFail.Result())
	require.Equal(t, Neutral, QualifierNeutral.Result())
}
