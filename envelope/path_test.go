package envelope

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseReversePath(t *testing.T) {
	utf8 := &PathOptions{SMTPUTF8: true}
	tests := []struct {
		name   string
		in     string
		opts   *PathOptions
		local  string
		domain string
		route  []string
		out    string // String() result
		err    error
	}{
		{"null", "<>", nil, "", "", nil, "<>", nil},
		{"simple", "<user@example.test>", nil, "user", "example.test", nil, "<user@example.test>", nil},
		{"dots", "<first.last@sub.example.test>", nil, "first.last", "sub.example.test", nil, "<first.last@sub.example.test>", nil},
		{"atext", "<a!#$%&'*+-/=?^_`{|}~b@x.test>", nil, "a!#$%&'*+-/=?^_`{|}~b", "x.test", nil, "<a!#$%&'*+-/=?^_`{|}~b@x.test>", nil},
		{"quoted", `<"a b"@x.test>`, nil, "a b", "x.test", nil, `<"a b"@x.test>`, nil},
		{"quoted-pair", `<"a\"b\\c"@x.test>`, nil, `a"b\c`, "x.test", nil, `<"a\"b\\c"@x.test>`, nil},
		{"quoted needless", `<"abc"@x.test>`, nil, "abc", "x.test", nil, "<abc@x.test>", nil},
		{"quoted empty", `<""@x.test>`, nil, "", "x.test", nil, `<""@x.test>`, nil},
		{"quoted at", `<"a@b"@x.test>`, nil, "a@b", "x.test", nil, `<"a@b"@x.test>`, nil},
		{"ipv4", "<a@[192.0.2.1]>", nil, "a", "[192.0.2.1]", nil, "<a@[192.0.2.1]>", nil},
		{"ipv6", "<a@[IPv6:2001:db8::1]>", nil, "a", "[IPv6:2001:db8::1]", nil, "<a@[IPv6:2001:db8::1]>", nil},
		{"ipv6 case", "<a@[ipv6:::1]>", nil, "a", "[ipv6:::1]", nil, "<a@[ipv6:::1]>", nil},
		{"ipv6 v4", "<a@[IPv6:::ffff:192.0.2.1]>", nil, "a", "[IPv6:::ffff:192.0.2.1]", nil, "<a@[IPv6:::ffff:192.0.2.1]>", nil},
		{"general literal", "<a@[x-tag:abc]>", nil, "a", "[x-tag:abc]", nil, "<a@[x-tag:abc]>", nil},
		{"source route", "<@r1.test,@r2.test:a@x.test>", nil, "a", "x.test", []string{"r1.test", "r2.test"}, "<a@x.test>", nil},
		{"utf8 local", "<用户@例子.测试>", utf8, "用户", "例子.测试", nil, "<用户@例子.测试>", nil},
		{"utf8 quoted", `<"ü ü"@x.test>`, utf8, "ü ü", "x.test", nil, `<"ü ü"@x.test>`, nil},
		{"a-label", "<a@xn--bcher-kva.test>", nil, "a", "xn--bcher-kva.test", nil, "<a@xn--bcher-kva.test>", nil},
		{"bare quirk", "a@x.test", &PathOptions{AllowBareAddress: true}, "a", "x.test", nil, "<a@x.test>", nil},
		{"digits domain", "<a@123.test>", nil, "a", "123.test", nil, "<a@123.test>", nil},

		{"bare", "a@x.test", nil, "", "", nil, "", ErrSyntax},
		{"no close", "<a@x.test", nil, "", "", nil, "", ErrSyntax},
		{"no domain", "<a>", nil, "", "", nil, "", ErrSyntax},
		{"empty domain", "<a@>", nil, "", "", nil, "", ErrSyntax},
		{"postmaster is not a reverse path", "<Postmaster>", nil, "", "", nil, "", ErrSyntax},
		{"empty local", "<@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"leading dot", "<.a@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"trailing dot", "<a.@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"double dot", "<a..b@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"space", "<a b@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"unterminated quote", `<"ab@x.test>`, nil, "", "", nil, "", ErrSyntax},
		{"control in quote", "<\"a\x01\"@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"two at", "<a@b@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"hyphen label", "<a@-x.test>", nil, "", "", nil, "", ErrSyntax},
		{"label end hyphen", "<a@x-.test>", nil, "", "", nil, "", ErrSyntax},
		{"underscore", "<a@x_y.test>", nil, "", "", nil, "", ErrSyntax},
		{"trailing dot domain", "<a@x.test.>", nil, "", "", nil, "", ErrSyntax},
		{"bad ipv4", "<a@[192.0.2.256]>", nil, "", "", nil, "", ErrSyntax},
		{"ipv4 leading zero", "<a@[192.0.2.01]>", nil, "", "", nil, "", ErrSyntax},
		{"ipv6 without tag", "<a@[2001:db8::1]>", nil, "", "", nil, "", ErrSyntax},
		{"bad ipv6", "<a@[IPv6:2001:db8:::1]>", nil, "", "", nil, "", ErrSyntax},
		{"ipv6 tag with v4", "<a@[IPv6:192.0.2.1]>", nil, "", "", nil, "", ErrSyntax},
		{"general empty", "<a@[x-tag:]>", nil, "", "", nil, "", ErrSyntax},
		{"unterminated literal", "<a@[1.2.3.4>", nil, "", "", nil, "", ErrSyntax},
		{"bad route", "<@:a@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"route no colon", "<@r.test,a@x.test>", nil, "", "", nil, "", ErrSyntax},
		{"utf8 without smtputf8", "<用户@x.test>", nil, "", "", nil, "", ErrNonASCII},
		{"utf8 domain without smtputf8", "<a@例子.测试>", nil, "", "", nil, "", ErrNonASCII},
		{"invalid utf8", "<a\xff@x.test>", utf8, "", "", nil, "", ErrSyntax},
		{"invalid idn", "<a@a\u200db.test>", utf8, "", "", nil, "", ErrSyntax},
		{"local 65", "<" + strings.Repeat("a", 65) + "@x.test>", nil, "", "", nil, "", ErrTooLong},
		{"domain 256", "<a@" + strings.Repeat("a.", 127) + "ab>", &PathOptions{MaxPath: 1000}, "", "", nil, "", ErrTooLong},
		{"path 257", "<" + strings.Repeat("a", 60) + "@" + strings.Repeat("abcdefghi.", 19) + "test>", nil, "", "", nil, "", ErrTooLong},
		{"label 64", "<a@" + strings.Repeat("a", 64) + ".test>", nil, "", "", nil, "", ErrSyntax},
		{"custom local limit", "<abcd@x.test>", &PathOptions{MaxLocalPart: 3}, "", "", nil, "", ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseReversePath(tt.in, tt.opts)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				var e *Error
				require.ErrorAs(t, err, &e)
				if errors.Is(err, ErrNonASCII) {
					require.Equal(t, "5.6.7", e.Code.String())
					require.Equal(t, 553, e.Reply)
				} else {
					require.Equal(t, "5.1.7", e.Code.String())
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.local, p.Local)
			require.Equal(t, tt.domain, p.Domain)
			require.Equal(t, tt.route, p.SourceRoute)
			require.Equal(t, tt.out, p.String())
			// Round trip: the formatted form parses to the same path.
			q, err := ParseReversePath(p.String(), tt.opts)
			require.NoError(t, err)
			require.Equal(t, p.Local, q.Local)
			require.Equal(t, p.Domain, q.Domain)
		})
	}
}

func TestParseForwardPath(t *testing.T) {
	for _, in := range []string{"<Postmaster>", "<postmaster>", "<POSTMASTER>", "<PostMaster>"} {
		p, err := ParseForwardPath(in, nil)
		require.NoError(t, err, in)
		require.True(t, p.IsPostmaster(), in)
		require.True(t, p.IsPostmasterOf("x.test"))
		require.Equal(t, in, p.String())
		require.False(t, p.IsNull())
	}
	p, err := ParseForwardPath("<postmaster@X.test>", nil)
	require.NoError(t, err)
	require.False(t, p.IsPostmaster())
	require.True(t, p.IsPostmasterOf("x.TEST"))
	require.False(t, p.IsPostmasterOf("y.test"))

	_, err = ParseForwardPath("<>", nil)
	require.ErrorIs(t, err, ErrSyntax)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, CodeBadDestSyntax, e.Code)
	require.Equal(t, 501, e.Reply)

	_, err = ParseForwardPath("<Postmaster2>", nil)
	require.ErrorIs(t, err, ErrSyntax)
	_, err = ParseForwardPath("<ü@x.test>", nil)
	require.ErrorIs(t, err, ErrNonASCII)
}

func TestPathIP(t *testing.T) {
	p := Path{Local: "a", Domain: "[192.0.2.1]"}
	a, ok := p.IP()
	require.True(t, ok)
	require.Equal(t, "192.0.2.1", a.String())
	p.Domain = "[IPv6:2001:db8::1]"
	a, ok = p.IP()
	require.True(t, ok)
	require.Equal(t, "2001:db8::1", a.String())
	p.Domain = "[x:y]"
	_, ok = p.IP()
	require.False(t, ok)
	p.Domain = "x.test"
	_, ok = p.IP()
	require.False(t, ok)
}

func TestSplitPathAndParams(t *testing.T) {
	tests := []struct{ in, path, params string }{
		{"<a@x.test>", "<a@x.test>", ""},
		{"<a@x.test> SIZE=10 BODY=8BITMIME", "<a@x.test>", "SIZE=10 BODY=8BITMIME"},
		{" <a@x.test>  SIZE=10 ", "<a@x.test>", "SIZE=10"},
		{"<>", "<>", ""},
		{"<> SIZE=1", "<>", "SIZE=1"},
		{`<"a> b"@x.test> NOTIFY=NEVER`, `<"a> b"@x.test>`, "NOTIFY=NEVER"},
		{`<"a\"> b"@x.test>`, `<"a\"> b"@x.test>`, ""},
		{"<a@[x-t:a>b]> X", "<a@[x-t:a>b]>", "X"},
		{"a@x.test SIZE=1", "a@x.test", "SIZE=1"},
		{"a@x.test", "a@x.test", ""},
	}
	for _, tt := range tests {
		path, params, err := SplitPathAndParams(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.path, path, tt.in)
		require.Equal(t, tt.params, params, tt.in)
	}
	for _, in := range []string{"", "   ", "<a@x.test", "<a@x.test>SIZE=1", `<"a@x.test>`} {
		_, _, err := SplitPathAndParams(in)
		require.ErrorIs(t, err, ErrSyntax, in)
	}
}

func TestIDN(t *testing.T) {
	p, err := ParseForwardPath("<user@bücher.test>", &PathOptions{SMTPUTF8: true})
	require.NoError(t, err)
	require.False(t, p.IsASCII())
	require.False(t, p.NeedsSMTPUTF8())
	a, err := p.ToASCII()
	require.NoError(t, err)
	require.Equal(t, "<user@xn--bcher-kva.test>", a.String())
	require.Equal(t, "xn--bcher-kva.test", p.DomainASCII())
	require.Equal(t, "bücher.test", a.ToUnicode().Domain)

	u := Path{Local: "üser", Domain: "x.test"}
	require.True(t, u.NeedsSMTPUTF8())
	_, err = u.ToASCII()
	require.ErrorIs(t, err, ErrNonASCII)

	// Invalid A-labels are kept as they are.
	bad := Path{Local: "a", Domain: "xn--zz--.test"}
	require.Equal(t, bad, bad.ToUnicode())
	require.Equal(t, "[192.0.2.1]", Path{Local: "a", Domain: "[192.0.2.1]"}.DomainASCII())
}

func TestRelayTricks(t *testing.T) {
	tests := []struct {
		in   string
		want RelayTrick
		str  string
	}{
		{"<a@relay.test>", 0, "none"},
		{"<a%b@relay.test>", TrickPercent, "percent"},
		{"<b!a@relay.test>", TrickBang, "bang"},
		{`<"a@b"@relay.test>`, TrickQuotedAt, "quoted-at"},
		{"<@x.test,@y.test:a@b.test>", TrickSourceRoute, "source-route"},
		{`<"a%b!c@d"@relay.test>`, TrickPercent | TrickBang | TrickQuotedAt, "percent+bang+quoted-at"},
	}
	for _, tt := range tests {
		p, err := ParseForwardPath(tt.in, nil)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, p.RelayTricks(), tt.in)
		require.Equal(t, tt.str, p.RelayTricks().String())
	}
}

func TestPathStringNeverInjects(t *testing.T) {
	p := Path{Local: "a\r\nRCPT TO:<x@y>", Domain: "x.test\r\nDATA"}
	s := p.String()
	require.NotContains(t, s, "\r")
	require.NotContains(t, s, "\n")
	require.Error(t, p.Validate(true, nil))
	require.NoError(t, Path{Local: "a b", Domain: "x.test"}.Validate(false, nil))
	require.NoError(t, Path{}.Validate(false, nil))
	require.Error(t, Path{}.Validate(true, nil))
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"<>", "<Postmaster>", "<a@x.test>", `<"a b"@x.test>`, "<a@[192.0.2.1]>",
		"<a@[IPv6:::1]>", "<@r.test:a@x.test>", "<ü@bücher.test>", `<"\\"@x>`, "<a@[t:x]>"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, smtputf8 bool) {
		opts := &PathOptions{SMTPUTF8: smtputf8}
		for _, forward := range []bool{false, true} {
			p, err := parsePath(s, opts, forward)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Code.IsZero() {
					t.Fatalf("untyped error %v", err)
				}
				continue
			}
			out := p.String()
			q, err := parsePath(out, &PathOptions{SMTPUTF8: smtputf8, MaxPath: 1000}, forward)
			if err != nil {
				t.Fatalf("%q -> %q: %v", s, out, err)
			}
			if q.Local != p.Local || q.Domain != p.Domain {
				t.Fatalf("round trip %q -> %q -> %+v", s, out, q)
			}
		}
	})
}
