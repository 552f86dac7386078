package message

import (
	"bufio"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

func TestParseAddressList(t *testing.T) {
	mb := func(name, local, domain string) Address { return Address{Name: name, Local: local, Domain: domain} }
	tests := []struct {
		in   string
		want []Address
		warn mime.WarningCode
	}{
		{"a@example.com", []Address{mb("", "a", "example.com")}, ""},
		{"John Doe <jdoe@machine.example>", []Address{mb("John Doe", "jdoe", "machine.example")}, ""},
		{`"Joe Q. Public" <john.q.public@example.com>`, []Address{mb("Joe Q. Public", "john.q.public", "example.com")}, ""},
		{"Joe Q. Public <jqp@x.example>", []Address{mb("Joe Q. Public", "jqp", "x.example")}, ""},
		{`Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>`,
			[]Address{mb("Mary Smith", "mary", "x.test"), mb("", "jdoe", "example.org"), mb("Who?", "one", "y.test")}, ""},
		{`<boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net>`,
			[]Address{mb("", "boss", "nil.test"), mb(`Giant; "Big" Box`, "sysservices", "example.net")}, ""},
		{"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
			[]Address{{Name: "A Group", Group: true, Members: []Address{mb("Ed Jones", "c", "a.test"), mb("", "joe", "where.test"), mb("John", "jdoe", "one.test")}}}, ""},
		{"Undisclosed recipients:;", []Address{{Name: "Undisclosed recipients", Group: true}}, ""},
		{"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", []Address{mb("Pete", "pete", "silly.test")}, ""},
		{"jdoe@machine.example (John Doe)", []Address{mb("John Doe", "jdoe", "machine.example")}, ""},
		{`"quoted local"@example.com`, []Address{mb("", "quoted local", "example.com")}, ""},
		{"user@[192.0.2.1]", []Address{mb("", "user", "[192.0.2.1]")}, ""},
		{"<@route1.test,@route2.test:user@example.com>", []Address{{Local: "user", Domain: "example.com", Route: []string{"route1.test", "route2.test"}}}, WarnObsolete},
		{"a@x, , ,b@y", []Address{mb("", "a", "x"), mb("", "b", "y")}, ""},
		{"john . doe @ example . com", []Address{mb("", "john.doe", "example.com")}, ""},
		{"=?utf-8?B?Sm9zw6k=?= =?utf-8?q?_Mar=C3=ADa?= <j@x.test>", []Address{mb("José María", "j", "x.test")}, ""},
		{`"=?iso-8859-1?q?Andr=E9?=" <a@x.test>`, []Address{mb("André", "a", "x.test")}, ""},
		{"山田太郎 <yamada@例え.jp>", []Address{mb("山田太郎", "yamada", "例え.jp")}, ""},
		{"用户@例子.广告", []Address{mb("", "用户", "例子.广告")}, ""},
		{"taro..yamada.@docomo.ne.jp", []Address{mb("", "taro..yamada.", "docomo.ne.jp")}, WarnObsolete},
		{"Doe, John <j@x.test>", []Address{mb("John", "j", "x.test")}, WarnAddressSkipped},
		{"<a@x>:<b@y>", nil, WarnAddressSkipped},
		{"a@x <b@y>", nil, WarnAddressSkipped},
		{"G: a@x", []Address{{Name: "G", Group: true, Members: []Address{mb("", "a", "x")}}}, WarnGroupUnclosed},
		{"(unclosed a@x", nil, WarnAddressSkipped},
		{"", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAddressList(tt.in, nil)
			require.Equal(t, tt.want, got)
			if tt.warn == "" {
				require.NoError(t, err)
			} else {
				var ws mime.Warnings
				require.ErrorAs(t, err, &ws)
				require.True(t, ws.Has(tt.warn), "%v", ws)
			}
			// parse → format → parse is stable.
			again, err := ParseAddressList(FormatAddressList(got, &FormatOptions{UTF8: true}), nil)
			if len(got) > 0 {
				var ws mime.Warnings
				if errors.As(err, &ws) {
					require.False(t, ws.Has(WarnAddressSkipped), "%v", ws)
				}
				require.Equal(t, stripRoutes(got), stripRoutes(again))
				// The ASCII form (encoded names, A-label domains) keeps the
				// names and the mailboxes.
				ascii, _ := ParseAddressList(FormatAddressList(got, nil), nil)
				require.Len(t, ascii, len(got))
				for i := range got {
					require.Equal(t, got[i].Name, ascii[i].Name)
					require.Equal(t, got[i].UnicodeAddr(), ascii[i].UnicodeAddr())
				}
			}
		})
	}
}

func stripRoutes(l []Address) []Address {
	var out []Address
	for _, a := range l {
		a.Route = nil
		a.Members = stripRoutes(a.Members)
		out = append(out, a)
	}
	return out
}

func TestFormatAddress(t *testing.T) {
	tests := []struct {
		a    Address
		want string
	}{
		{Address{Local: "a", Domain: "x.test"}, "a@x.test"},
		{Address{Name: "John Doe", Local: "a", Domain: "x.test"}, "John Doe <a@x.test>"},
		{Address{Name: "Doe, John", Local: "a", Domain: "x.test"}, `"Doe, John" <a@x.test>`},
		{Address{Name: `Say "hi"`, Local: "a b", Domain: "x.test"}, `"Say \"hi\"" <"a b"@x.test>`},
		{Address{Name: "=?x?=", Local: "a", Domain: "x.test"}, `"=?x?=" <a@x.test>`},
		{Address{Name: "José", Local: "a", Domain: "x.test"}, "=?utf-8?B?Sm9zw6k=?= <a@x.test>"},
		{Address{Name: "G", Group: true, Members: []Address{{Local: "a", Domain: "x"}, {Local: "b", Domain: "y"}}}, "G: a@x, b@y;"},
		{Address{Name: "", Group: true}, `"":;`},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.a.String())
	}
	require.Equal(t, "José <a@x.test>", FormatAddressList([]Address{{Name: "José", Local: "a", Domain: "x.test"}}, &FormatOptions{UTF8: true}))
}

func TestIDN(t *testing.T) {
	a, err := ParseAddress("user@bücher.example", nil)
	require.NoError(t, err)
	ascii, err := a.ASCIIAddr()
	require.NoError(t, err)
	require.Equal(t, "user@xn--bcher-kva.example", ascii)
	b, err := ParseAddress("user@xn--bcher-kva.example", nil)
	require.NoError(t, err)
	require.Equal(t, "user@bücher.example", b.UnicodeAddr())
	_, err = Address{Local: "ü", Domain: "x"}.ASCIIAddr()
	require.Error(t, err)
}

func TestParseAddress(t *testing.T) {
	_, err := ParseAddress("", nil)
	require.ErrorIs(t, err, ErrNoAddress)
	_, err = ParseAddress("a@x, b@y", nil)
	require.Error(t, err)
	a, err := ParseAddress("A <a@x>", nil)
	require.NoError(t, err)
	require.Equal(t, "a@x", a.Addr())
}

func TestAddressLinearTime(t *testing.T) {
	inputs := []string{
		strings.Repeat("(", 200000) + "a@x" + strings.Repeat(")", 200000),
		strings.Repeat("(", 200000) + "a@x",
		`"` + strings.Repeat("a", 1<<20) + `" <a@x>`,
		"a@[" + strings.Repeat("1", 1<<20) + "]",
		strings.Repeat("word ", 200000) + "<a@x>",
		strings.Repeat("a.", 200000) + "@x",
		strings.Repeat("<", 200000),
		strings.Repeat("g:", 100000),
		strings.Repeat("a@x,", 20000),
	}
	// A quadratic parser would not finish these within the test timeout.
	for _, in := range inputs {
		_, _ = ParseAddressList(in, nil)
	}
	_, err := ParseAddressList(strings.Repeat("a@x,", 20000), nil)
	var le *mime.LimitError
	require.ErrorAs(t, err, &le)
}

func TestAuthor(t *testing.T) {
	tests := []struct {
		hdr  string
		want string
		err  error
	}{
		{"From: A <a@x.test>\r\n", "a@x.test", nil},
		{"From : <a@x.test>\r\n", "a@x.test", nil},
		{"To: b@x\r\n", "", ErrNoFrom},
		{"From: a@x\r\nFrom: a@x\r\n", "", ErrMultipleFrom},
		{"From: <a@x>:<b@y>\r\n", "", ErrMalformedFrom},
		{"From: a@x, b@y\r\n", "", ErrMultipleMailboxes},
		{"From: G: a@x;\r\n", "", ErrGroupAuthor},
		{"From:\r\n", "", ErrNoMailbox},
		{"From: a@x (unclosed\r\n", "", ErrMalformedFrom},
	}
	for _, tt := range tests {
		h, _ := ReadHeader(bufio.NewReader(strings.NewReader(tt.hdr+"\r\n")), nil)
		a, err := Author(h)
		if tt.err != nil {
			require.ErrorIs(t, err, tt.err, tt.hdr)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, a.Addr())
	}
}

func FuzzParseAddressList(f *testing.F) {
	for _, s := range []string{"a@x", "A <a@x>, G: b@y, \"c d\"@z;", "=?utf-8?q?x?= <a@[1.2.3.4]>", "<@r:a@b>", "(c) a . b @ c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, _ := ParseAddressList(s, nil)
		out := FormatAddressList(list, &FormatOptions{UTF8: true})
		again, err := ParseAddressList(out, nil)
		var ws mime.Warnings
		if errors.As(err, &ws) && ws.Has(WarnAddressSkipped) {
			t.Fatalf("formatted list %q does not parse: %v", out, err)
		}
		if len(again) != len(list) {
			t.Fatalf("%q → %q: %d != %d addresses", s, out, len(list), len(again))
		}
	})
}
