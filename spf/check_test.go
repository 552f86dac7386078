package spf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

// zone is a compact mock zone: TXT records by name, and A/AAAA/MX/PTR.
type zone struct {
	txt   map[string][]string
	a     map[string][]string
	aaaa  map[string][]string
	mx    map[string][]*net.MX
	ptr   map[string][]string
	cname map[string]string
	fail  []string
	slow  []string
}

func (z zone) resolver() *dnsmock.Resolver {
	return &dnsmock.Resolver{TXT: z.txt, A: z.a, AAAA: z.aaaa, MX: z.mx, PTR: z.ptr,
		CNAME: z.cname, Fail: z.fail, Timeout: z.slow}
}

type checkCase struct {
	name    string
	zone    zone
	opts    *Options
	ip      string
	from    string // MAIL FROM; "" checks HELO
	helo    string
	want    Result
	mech    string
	err     error // errors.Is target, or nil
	queries int   // -1: do not check
	exp     string
}

func runCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.zone.resolver()
			o := Options{}
			if tc.opts != nil {
				o = *tc.opts
			}
			o.Resolver = r
			c := NewChecker(&o)
			helo := tc.helo
			if helo == "" {
				helo = "mail.example.org"
			}
			ip := tc.ip
			if ip == "" {
				ip = "192.0.2.1"
			}
			out := c.CheckMailFrom(context.Background(), netip.MustParseAddr(ip), helo, tc.from)
			require.Equal(t, tc.want, out.Result, "mech %q err %v queries %v", out.Mechanism, out.Err, r.Queries())
			require.Equal(t, tc.mech, out.Mechanism)
			if tc.err != nil {
				require.ErrorIs(t, out.Err, tc.err)
			}
			if tc.want == PermError || tc.want == TempError {
				require.Error(t, out.Err)
			} else {
				require.NoError(t, out.Err)
			}
			require.Equal(t, r.QueryCount(), out.Queries, "Outcome.Queries counts what was asked")
			if tc.queries >= 0 {
				require.Equal(t, tc.queries, out.Queries, "%v", r.Queries())
			}
			require.Equal(t, tc.exp, out.Explanation)
		})
	}
}

func txt(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

// RFC 7208 sections 2.3, 2.4 and 4.3.
func TestInitialProcessing(t *testing.T) {
	z := zone{txt: txt("example.com", "v=spf1 ip4:192.0.2.1 -all",
		"mail.example.org", "v=spf1 a -all",
		"xn--bcher-kva.example", "v=spf1 ip4:192.0.2.1 -all",
		"local.example.com", "v=spf1 exists:%{l}.users.example.com -all"),
		a: map[string][]string{"mail.example.org": {"192.0.2.1"}, "postmaster.users.example.com": {"127.0.0.2"}}}
	runCases(t, []checkCase{
		{name: "mailfrom", zone: z, from: "a@example.com", want: Pass, mech: "ip4:192.0.2.1", queries: 1},
		{name: "domain case and final dot", zone: z, from: "a@EXAMPLE.com.", want: Pass, mech: "ip4:192.0.2.1", queries: 1},
		{name: "null sender uses helo", zone: z, from: "", want: Pass, mech: "a", queries: 2},
		{name: "ipv4-mapped client", zone: z, ip: "::ffff:192.0.2.1", from: "a@example.com", want: Pass, mech: "ip4:192.0.2.1", queries: 1},
		{name: "u-label domain", zone: z, from: "a@bücher.example", want: Pass, mech: "ip4:192.0.2.1", queries: 1},
		{name: "empty local-part is postmaster", zone: z, from: "@local.example.com", want: Pass, mech: "exists:%{l}.users.example.com", queries: 2},
		{name: "label over 63", zone: z, from: "a@" + strings.Repeat("x", 64) + ".example.com", want: None, queries: 0},
		{name: "label of 63", zone: z, from: "a@" + strings.Repeat("x", 63) + ".example.com", want: None, queries: 1},
		{name: "empty label", zone: z, from: "a@a..example.com", want: None, queries: 0},
		{name: "single label", zone: z, from: "a@localhost", want: None, queries: 0},
		{name: "domain literal", zone: z, from: "a@[192.0.2.1]", want: None, queries: 0},
		{name: "too long", zone: z, from: "a@" + strings.Repeat("abcdefghi.", 26) + "com", want: None, queries: 0},
		{name: "helo literal", zone: z, helo: "[192.0.2.1]", want: None, queries: 0},
		{name: "helo single label", zone: z, helo: "OEMCOMPUTER", want: None, queries: 0},
		{name: "bad idna", zone: z, from: "a@xn--.example", want: None, queries: 1},
	})
}

func TestCheckHELOAndHost(t *testing.T) {
	r := zone{txt: txt("mail.example.org", "v=spf1 a -all", "example.com", "v=spf1 -all exp=why.example.com",
		"why.example.com", "%{s} %{l} %{o} %{d} %{h}")}.resolver()
	r.A = map[string][]string{"mail.example.org": {"192.0.2.1"}}
	c := NewChecker(&Options{Resolver: r})
	ctx := context.Background()
	o := c.CheckHELO(ctx, netip.MustParseAddr("192.0.2.1"), "mail.example.org")
	require.Equal(t, Pass, o.Result)
	require.Equal(t, IdentityHELO, o.Identity)
	require.Equal(t, "postmaster@mail.example.org", o.Sender)
	require.Equal(t, "spf=pass smtp.helo=mail.example.org", o.AuthResultsClause())

	o = c.CheckHost(ctx, netip.MustParseAddr("192.0.2.1"), "example.com", "bob@other.example", "mail.example.org")
	require.Equal(t, Fail, o.Result)
	require.Equal(t, "bob@other.example bob other.example example.com mail.example.org", o.Explanation)

	o = CheckHost(ctx, netip.MustParseAddr("192.0.2.1"), "example.com", "other.example", "h.example", &Options{Resolver: r})
	require.Equal(t, "postmaster@other.example postmaster other.example example.com h.example", o.Explanation)

	o = c.CheckHost(ctx, netip.Addr{}, "example.com", "a@example.com", "h")
	require.Equal(t, PermError, o.Result)
}

// RFC 7208 sections 4.4 and 4.5.
func TestRecordLookupAndSelection(t *testing.T) {
	runCases(t, []checkCase{
		{name: "nxdomain", zone: zone{txt: txt("other.com", "x")}, from: "a@example.com", want: None, queries: 1},
		{name: "no txt", zone: zone{a: map[string][]string{"example.com": {"192.0.2.1"}}}, from: "a@example.com", want: None, queries: 1},
		{name: "no spf txt", zone: zone{txt: txt("example.com", "google-site-verification=x", "example.com", "v=spf10")}, from: "a@example.com", want: None, queries: 1},
		{name: "two records", zone: zone{txt: txt("example.com", "v=spf1 -all", "example.com", "V=SPF1 +all")}, from: "a@example.com", want: PermError, err: ErrMultipleRecords, queries: 1},
		{name: "one record among others", zone: zone{txt: txt("example.com", "v=spf1 +all", "example.com", "\x96 hello", "example.com", "v=spf1-all")}, from: "a@example.com", want: Pass, mech: "+all", queries: 1},
		{name: "empty record", zone: zone{txt: txt("example.com", "v=spf1")}, from: "a@example.com", want: Neutral, queries: 1},
		{name: "syntax error anywhere", zone: zone{txt: txt("example.com", "v=spf1 +all foo:bar")}, from: "a@example.com", want: PermError, queries: 1},
		{name: "servfail", zone: zone{fail: []string{"example.com"}}, from: "a@example.com", want: TempError, err: ErrDNS, queries: 1},
		{name: "timeout", zone: zone{slow: []string{"example.com"}}, from: "a@example.com", want: TempError, err: ErrDNS, queries: 1},
		{name: "cname", zone: zone{txt: txt("real.example.com", "v=spf1 +all"), cname: map[string]string{"example.com": "real.example.com"}}, from: "a@example.com", want: Pass, mech: "+all", queries: 1},
	})
}

// RFC 7208 section 5: each mechanism.
func TestMechanisms(t *testing.T) {
	mx := map[string][]*net.MX{
		"example.com":      {{Host: "mx1.example.com.", Pref: 10}, {Host: "mx2.example.com", Pref: 20}},
		"null.example.com": {{Host: ".", Pref: 0}},
	}
	a := map[string][]string{
		"example.com":      {"192.0.2.10"},
		"mx1.example.com":  {"192.0.2.20"},
		"mx2.example.com":  {"192.0.2.30"},
		"host.example.com": {"198.51.100.1"},
		"ok.list.example":  {"127.0.0.2"},
	}
	aaaa := map[string][]string{"example.com": {"2001:db8::10"}, "mx2.example.com": {"2001:db8:1::30"}}
	rec := func(r string) zone {
		return zone{txt: txt("example.com", r), a: a, aaaa: aaaa, mx: mx,
			ptr: map[string][]string{
				"192.0.2.10":   {"host.example.com.", "example.com."},
				"198.51.100.1": {"host.example.com."},
				"2001:db8::10": {"v6.example.com."},
			}}
	}
	rec6 := func(r string) zone {
		z := rec(r)
		z.aaaa = map[string][]string{"example.com": {"2001:db8::10"}, "mx2.example.com": {"2001:db8:1::30"}, "v6.example.com": {"2001:db8::10"}}
		return z
	}
	runCases(t, []checkCase{
		// 5.1 all
		{name: "all", zone: rec("v=spf1 -all"), from: "a@example.com", want: Fail, mech: "-all", queries: 1},
		{name: "all stops evaluation", zone: rec("v=spf1 ~all a mx"), from: "a@example.com", want: SoftFail, mech: "~all", queries: 1},
		{name: "default neutral", zone: rec("v=spf1 ip4:198.51.100.0/24"), from: "a@example.com", want: Neutral, queries: 1},
		// 5.3 a
		{name: "a", zone: rec("v=spf1 a -all"), ip: "192.0.2.10", from: "a@example.com", want: Pass, mech: "a", queries: 2},
		{name: "a no match", zone: rec("v=spf1 a -all"), ip: "192.0.2.11", from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "a cidr", zone: rec("v=spf1 a/24 -all"), ip: "192.0.2.99", from: "a@example.com", want: Pass, mech: "a/24", queries: 2},
		{name: "a target", zone: rec("v=spf1 a:mx1.example.com -all"), ip: "192.0.2.20", from: "a@example.com", want: Pass, mech: "a:mx1.example.com", queries: 2},
		{name: "a ipv6", zone: rec("v=spf1 a -all"), ip: "2001:db8::10", from: "a@example.com", want: Pass, mech: "a", queries: 2},
		{name: "a ipv6 cidr", zone: rec("v=spf1 a//64 -all"), ip: "2001:db8::ffff", from: "a@example.com", want: Pass, mech: "a//64", queries: 2},
		{name: "a ipv6 ignores cidr4", zone: rec("v=spf1 a/0 -all"), ip: "2001:db8::ffff", from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "a ipv4 ignores cidr6", zone: rec("v=spf1 a//0 -all"), ip: "192.0.2.99", from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "a temperror", zone: zone{txt: txt("example.com", "v=spf1 a:down.example.com -all"), slow: []string{"down.example.com"}}, from: "a@example.com", want: TempError, err: ErrDNS, queries: 2},
		{name: "a nxdomain no match", zone: rec("v=spf1 a:nx.example.com -all"), from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		// 5.4 mx
		{name: "mx first", zone: rec("v=spf1 mx -all"), ip: "192.0.2.20", from: "a@example.com", want: Pass, mech: "mx", queries: 3},
		{name: "mx second", zone: rec("v=spf1 mx -all"), ip: "192.0.2.30", from: "a@example.com", want: Pass, mech: "mx", queries: 4},
		{name: "mx ipv6", zone: rec("v=spf1 mx -all"), ip: "2001:db8:1::30", from: "a@example.com", want: Pass, mech: "mx", queries: 4},
		{name: "mx cidr", zone: rec("v=spf1 mx/24 -all"), ip: "192.0.2.200", from: "a@example.com", want: Pass, mech: "mx/24", queries: 3},
		{name: "mx none", zone: rec("v=spf1 mx -all"), ip: "192.0.2.200", from: "a@example.com", want: Fail, mech: "-all", queries: 4},
		{name: "null mx", zone: rec("v=spf1 mx:null.example.com -all"), from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "mx temperror on host", zone: zone{txt: txt("example.com", "v=spf1 mx -all"), mx: mx, fail: []string{"mx1.example.com"}}, from: "a@example.com", want: TempError, queries: 3},
		// 5.5 ptr
		{name: "ptr", zone: rec("v=spf1 ptr -all"), ip: "192.0.2.10", from: "a@example.com", want: Pass, mech: "ptr", queries: 4},
		{name: "ptr subdomain", zone: rec("v=spf1 ptr -all"), ip: "198.51.100.1", from: "a@example.com", want: Pass, mech: "ptr", queries: 3},
		{name: "ptr other domain skips validation", zone: rec("v=spf1 ptr:other.example -all"), ip: "198.51.100.1", from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "ptr not validated", zone: rec("v=spf1 ptr -all"), ip: "192.0.2.77", from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "ptr ipv6", zone: rec6("v=spf1 ptr -all"), ip: "2001:db8::10", from: "a@example.com", want: Pass, mech: "ptr", queries: 3},
		{name: "ptr dns error no match", zone: zone{txt: txt("example.com", "v=spf1 ptr -all"), slow: []string{"PTR 192.0.2.1"}}, from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		// 5.6 ip4, ip6
		{name: "ip4", zone: rec("v=spf1 ip4:192.0.2.0/24 -all"), ip: "192.0.2.99", from: "a@example.com", want: Pass, mech: "ip4:192.0.2.0/24", queries: 1},
		{name: "ip4 /0", zone: rec("v=spf1 ip4:0.0.0.0/0 -all"), ip: "203.0.113.1", from: "a@example.com", want: Pass, mech: "ip4:0.0.0.0/0", queries: 1},
		{name: "ip4 vs ipv6 client", zone: rec("v=spf1 ip4:0.0.0.0/0 -all"), ip: "2001:db8::1", from: "a@example.com", want: Fail, mech: "-all", queries: 1},
		{name: "ip6", zone: rec("v=spf1 ip6:2001:db8::/32 -all"), ip: "2001:db8:ffff::1", from: "a@example.com", want: Pass, mech: "ip6:2001:db8::/32", queries: 1},
		{name: "ip6 /0 vs ipv4 client", zone: rec("v=spf1 ip6:::/0 -all"), ip: "192.0.2.1", from: "a@example.com", want: Fail, mech: "-all", queries: 1},
		{name: "ip6 vs mapped client", zone: rec("v=spf1 ip6:::ffff:192.0.2.0/120 ip4:192.0.2.1 -all"), ip: "::ffff:192.0.2.1", from: "a@example.com", want: Pass, mech: "ip4:192.0.2.1", queries: 1},
		// 5.7 exists
		{name: "exists", zone: rec("v=spf1 exists:ok.list.example -all"), from: "a@example.com", want: Pass, mech: "exists:ok.list.example", queries: 2},
		{name: "exists ipv6 client asks A", zone: rec("v=spf1 exists:ok.list.example -all"), ip: "2001:db8::1", from: "a@example.com", want: Pass, mech: "exists:ok.list.example", queries: 2},
		{name: "exists miss", zone: rec("v=spf1 exists:%{i}.list.example -all"), from: "a@example.com", want: Fail, mech: "-all", queries: 2},
	})
}

// RFC 7208 section 5.2 and 6.1: include and redirect.
func TestIncludeRedirect(t *testing.T) {
	runCases(t, []checkCase{
		{name: "include pass", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net -all", "a.example.net", "v=spf1 +all")}, from: "a@example.com", want: Pass, mech: "include:a.example.net", queries: 2},
		{name: "include fail is no match", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net ~all", "a.example.net", "v=spf1 -all")}, from: "a@example.com", want: SoftFail, mech: "~all", queries: 2},
		{name: "include neutral is no match", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net ~all", "a.example.net", "v=spf1 ?all")}, from: "a@example.com", want: SoftFail, mech: "~all", queries: 2},
		{name: "include none", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net ~all")}, from: "a@example.com", want: PermError, err: ErrNoRecord, queries: 2},
		{name: "include temperror", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net ~all"), slow: []string{"a.example.net"}}, from: "a@example.com", want: TempError, queries: 2},
		{name: "include permerror", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net ~all", "a.example.net", "v=spf1 bogus")}, from: "a@example.com", want: PermError, queries: 2},
		{name: "include macro", zone: zone{txt: txt("example.com", "v=spf1 include:_spf.%{d} -all", "_spf.example.com", "v=spf1 +all")}, from: "a@example.com", want: Pass, mech: "include:_spf.%{d}", queries: 2},
		{name: "include d is the included domain", zone: zone{txt: txt("example.com", "v=spf1 include:b.example.net -all", "b.example.net", "v=spf1 exists:%{d}.list.example -all"), a: map[string][]string{"b.example.net.list.example": {"127.0.0.2"}}}, from: "a@example.com", want: Pass, mech: "include:b.example.net", queries: 3},
		{name: "include loop", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net -all", "a.example.net", "v=spf1 include:example.com -all")}, from: "a@example.com", want: PermError, err: ErrLoop, queries: 2},
		{name: "self include", zone: zone{txt: txt("example.com", "v=spf1 include:example.com -all")}, from: "a@example.com", want: PermError, err: ErrLoop, queries: 1},
		{name: "same include twice is no loop", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net include:a.example.net ~all", "a.example.net", "v=spf1 -all")}, from: "a@example.com", want: SoftFail, mech: "~all", queries: 2},
		{name: "redirect", zone: zone{txt: txt("example.com", "v=spf1 redirect=a.example.net", "a.example.net", "v=spf1 ip4:192.0.2.1 -all")}, from: "a@example.com", want: Pass, mech: "ip4:192.0.2.1", queries: 2},
		{name: "redirect ignored when all", zone: zone{txt: txt("example.com", "v=spf1 redirect=a.example.net ?all", "a.example.net", "v=spf1 +all")}, from: "a@example.com", want: Neutral, mech: "?all", queries: 1},
		{name: "redirect after no match", zone: zone{txt: txt("example.com", "v=spf1 ip4:198.51.100.1 redirect=a.example.net", "a.example.net", "v=spf1 -all")}, from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "redirect none", zone: zone{txt: txt("example.com", "v=spf1 redirect=a.example.net")}, from: "a@example.com", want: PermError, err: ErrNoRecord, queries: 2},
		{name: "redirect loop", zone: zone{txt: txt("example.com", "v=spf1 redirect=a.example.net", "a.example.net", "v=spf1 redirect=example.com")}, from: "a@example.com", want: PermError, err: ErrLoop, queries: 2},
		{name: "redirect changes d", zone: zone{txt: txt("example.com", "v=spf1 redirect=a.example.net", "a.example.net", "v=spf1 a -all"), a: map[string][]string{"a.example.net": {"192.0.2.1"}}}, from: "a@example.com", want: Pass, mech: "a", queries: 3},
		{name: "redirect to malformed", zone: zone{txt: txt("example.com", "v=spf1 redirect=%{l}.example.net")}, from: "a..b@example.com", want: PermError, queries: 1},
	})
}

// RFC 7208 section 4.6.4: processing limits.
func TestLimits(t *testing.T) {
	chain := func(n int) zone {
		z := zone{txt: map[string][]string{}}
		var terms []string
		for i := range n {
			name := fmt.Sprintf("i%d.example.net", i)
			terms = append(terms, "include:"+name)
			z.txt[name] = []string{"v=spf1 -all"}
		}
		z.txt["example.com"] = []string{"v=spf1 " + strings.Join(terms, " ") + " +all"}
		return z
	}
	mxs := func(n int) zone {
		z := zone{txt: txt("example.com", "v=spf1 mx -all"), mx: map[string][]*net.MX{}, a: map[string][]string{}}
		for i := range n {
			h := fmt.Sprintf("mx%d.example.com", i)
			z.mx["example.com"] = append(z.mx["example.com"], &net.MX{Host: h, Pref: uint16(i)})
			z.a[h] = []string{fmt.Sprintf("198.51.100.%d", i)}
		}
		return z
	}
	ptrs := func(n int) zone {
		z := zone{txt: txt("example.com", "v=spf1 ptr -all"), ptr: map[string][]string{}, a: map[string][]string{}}
		for i := range n {
			h := fmt.Sprintf("h%d.example.com", i)
			z.ptr["192.0.2.1"] = append(z.ptr["192.0.2.1"], h)
			if i == n-1 {
				z.a[h] = []string{"192.0.2.1"} // only the last name validates
			}
		}
		return z
	}
	voids := func(n int) zone {
		var terms []string
		for i := range n {
			terms = append(terms, fmt.Sprintf("a:nx%d.example.com", i))
		}
		return zone{txt: txt("example.com", "v=spf1 "+strings.Join(terms, " ")+" +all", "exists.example.com", "x")}
	}
	runCases(t, []checkCase{
		{name: "10 lookups", zone: chain(10), from: "a@example.com", want: Pass, mech: "+all", queries: 11},
		{name: "11 lookups", zone: chain(11), from: "a@example.com", want: PermError, err: ErrLookupLimit, queries: 11},
		{name: "limit configurable", zone: chain(5), opts: &Options{MaxLookups: 4}, from: "a@example.com", want: PermError, err: ErrLookupLimit, queries: 5},
		{name: "ip and all do not count", zone: zone{txt: txt("example.com", "v=spf1 ip4:1.1.1.1 ip4:1.1.1.2 ip4:1.1.1.3 ip4:1.1.1.4 ip4:1.1.1.5 ip4:1.1.1.6 ip4:1.1.1.7 ip4:1.1.1.8 ip4:1.1.1.9 ip4:1.1.1.10 ip4:1.1.1.11 ip6:::1 +all")}, from: "a@example.com", want: Pass, mech: "+all", queries: 1},
		{name: "10 mx names", zone: mxs(10), from: "a@example.com", want: Fail, mech: "-all", queries: 12},
		{name: "11 mx names", zone: mxs(11), from: "a@example.com", want: PermError, err: ErrMXLimit, queries: 2},
		{name: "mx limit configurable", zone: mxs(3), opts: &Options{MaxMXNames: 2}, from: "a@example.com", want: PermError, err: ErrMXLimit, queries: 2},
		{name: "10 ptr names", zone: ptrs(10), from: "a@example.com", want: Pass, mech: "ptr", queries: 12},
		{name: "11 ptr names: the rest ignored", zone: ptrs(11), from: "a@example.com", want: Fail, mech: "-all", queries: 12},
		{name: "ptr limit configurable", zone: ptrs(3), opts: &Options{MaxPTRNames: 2}, from: "a@example.com", want: Fail, mech: "-all", queries: 4},
		{name: "2 void lookups", zone: voids(2), from: "a@example.com", want: Pass, mech: "+all", queries: 3},
		{name: "3 void lookups", zone: voids(3), from: "a@example.com", want: PermError, err: ErrVoidLimit, queries: 4},
		{name: "void limit configurable", zone: voids(3), opts: &Options{MaxVoidLookups: 3}, from: "a@example.com", want: Pass, mech: "+all", queries: 4},
		{name: "nodata is void", zone: zone{txt: txt("example.com", "v=spf1 a:e1.example.com a:e2.example.com mx:e3.example.com +all", "e1.example.com", "x", "e2.example.com", "x", "e3.example.com", "x")}, from: "a@example.com", want: PermError, err: ErrVoidLimit, queries: 4},
	})
}

// RFC 7208 section 6.2: explanations.
func TestExplanation(t *testing.T) {
	runCases(t, []checkCase{
		{name: "exp", zone: zone{txt: txt("example.com", "v=spf1 -all exp=e.example.com", "e.example.com", "%{i} is not one of %{d}'s designated mail servers.")}, from: "a@example.com", want: Fail, mech: "-all", queries: 2, exp: "192.0.2.1 is not one of example.com's designated mail servers."},
		{name: "exp only for fail", zone: zone{txt: txt("example.com", "v=spf1 ~all exp=e.example.com", "e.example.com", "x")}, from: "a@example.com", want: SoftFail, mech: "~all", queries: 1},
		{name: "exp macro target", zone: zone{txt: txt("example.com", "v=spf1 -all exp=%{l}.e.example.com", "bob.e.example.com", "Hi %{l}")}, from: "bob@example.com", want: Fail, mech: "-all", queries: 2, exp: "Hi bob"},
		{name: "exp two records", zone: zone{txt: txt("example.com", "v=spf1 -all exp=e.example.com", "e.example.com", "one", "e.example.com", "two")}, from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "exp nxdomain", zone: zone{txt: txt("example.com", "v=spf1 -all exp=e.example.com")}, from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "exp timeout", zone: zone{txt: txt("example.com", "v=spf1 -all exp=e.example.com"), slow: []string{"e.example.com"}}, from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "exp bad macro", zone: zone{txt: txt("example.com", "v=spf1 -all exp=e.example.com", "e.example.com", "100%")}, from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "exp c r t", zone: zone{txt: txt("example.com", "v=spf1 -all exp=e.example.com", "e.example.com", "%{c} %{r} %{t}")}, opts: &Options{Receiver: "mx.example.org", Now: func() time.Time { return time.Unix(42, 0) }}, from: "a@example.com", want: Fail, mech: "-all", queries: 2, exp: "192.0.2.1 mx.example.org 42"},
		{name: "include exp not used", zone: zone{txt: txt("example.com", "v=spf1 include:a.example.net -all", "a.example.net", "v=spf1 -all exp=e.example.net", "e.example.net", "included")}, from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "redirect exp used", zone: zone{txt: txt("example.com", "v=spf1 redirect=a.example.net exp=o.example.com", "a.example.net", "v=spf1 -all exp=e.example.net", "e.example.net", "redirected", "o.example.com", "original")}, from: "a@example.com", want: Fail, mech: "-all", queries: 3, exp: "redirected"},
		{name: "redirect original exp not used", zone: zone{txt: txt("example.com", "v=spf1 redirect=a.example.net exp=o.example.com", "a.example.net", "v=spf1 -all", "o.example.com", "original")}, from: "a@example.com", want: Fail, mech: "-all", queries: 2},
		{name: "default explanation", zone: zone{txt: txt("example.com", "v=spf1 -all")}, opts: &Options{DefaultExplanation: "See https://%{d}/why?s=%{S}&ip=%{C}"}, from: "a+b@example.com", want: Fail, mech: "-all", queries: 1, exp: "See https://example.com/why?s=a%2Bb%40example.com&ip=192.0.2.1"},
		{name: "exp lookup is not a void", zone: zone{txt: txt("example.com", "v=spf1 a:n1.example.com a:n2.example.com -all exp=nx.example.com")}, from: "a@example.com", want: Fail, mech: "-all", queries: 4},
	})
}

// Macros in evaluation: %{p}, IPv6 %{i}, truncation.
func TestMacrosInEvaluation(t *testing.T) {
	long := strings.Repeat("l", 60) + "." + strings.Repeat("m", 60) + "." + strings.Repeat("n", 60) + "." + strings.Repeat("o", 60)
	r := zone{txt: txt("example.com", "v=spf1 exists:%{l}.%{d}.list.example -all")}.resolver()
	c := NewChecker(&Options{Resolver: r})
	o := c.CheckMailFrom(context.Background(), netip.MustParseAddr("192.0.2.1"), "h.example.org", long+"@example.com")
	require.Equal(t, Fail, o.Result)
	q := r.Queries()
	require.Len(t, q, 2)
	require.LessOrEqual(t, len(q[1].Name), 253)
	require.True(t, strings.HasSuffix(q[1].Name, ".example.com.list.example"))
	require.False(t, strings.HasPrefix(q[1].Name, "llll"), "truncated from the left")

	runCases(t, []checkCase{
		{name: "ipv6 i", zone: zone{txt: txt("example.com", "v=spf1 exists:%{ir}.%{v}.list.example -all"), a: map[string][]string{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.list.example": {"127.0.0.2"}}}, ip: "2001:db8::1", from: "a@example.com", want: Pass, mech: "exists:%{ir}.%{v}.list.example", queries: 2},
		{name: "p validated", zone: zone{txt: txt("example.com", "v=spf1 exists:%{p}.list.example -all"), ptr: map[string][]string{"192.0.2.1": {"fake.example.com", "mail.example.com"}}, a: map[string][]string{"mail.example.com": {"192.0.2.1"}, "mail.example.com.list.example": {"127.0.0.2"}}}, from: "a@example.com", want: Pass, mech: "exists:%{p}.list.example", queries: 5},
		{name: "p unknown", zone: zone{txt: txt("example.com", "v=spf1 exists:%{p}.list.example -all"), ptr: map[string][]string{"192.0.2.1": {"fake.example.com"}}, a: map[string][]string{"unknown.list.example": {"127.0.0.2"}}}, from: "a@example.com", want: Pass, mech: "exists:%{p}.list.example", queries: 4},
		{name: "p computed once", zone: zone{txt: txt("example.com", "v=spf1 exists:%{p}.a.example exists:%{p}.b.example -all"), ptr: map[string][]string{"192.0.2.1": {"mail.example.com"}}, a: map[string][]string{"mail.example.com": {"192.0.2.1"}}}, from: "a@example.com", want: Fail, mech: "-all", queries: 5},
		{name: "macro yields empty label", zone: zone{txt: txt("example.com", "v=spf1 a:%{l}.example.com -all")}, from: "a..b@example.com", want: Fail, mech: "-all", queries: 1},
	})
}

// Each name is queried once per check and evaluation stops at the match.
func TestMemoisedQueries(t *testing.T) {
	z := zone{txt: txt("example.com", "v=spf1 a a/24 mx mx/24 include:i.example.net include:i.example.net ip4:192.0.2.1 a:never.example.com",
		"i.example.net", "v=spf1 a:example.com -all"),
		a:  map[string][]string{"example.com": {"198.51.100.1"}, "mx.example.com": {"198.51.100.2"}},
		mx: map[string][]*net.MX{"example.com": {{Host: "mx.example.com", Pref: 1}}}}
	runCases(t, []checkCase{
		{name: "memoised", zone: z, from: "a@example.com", want: Pass, mech: "ip4:192.0.2.1", queries: 5},
	})
}

func TestContext(t *testing.T) {
	r := zone{txt: txt("example.com", "v=spf1 -all")}.resolver()
	c := NewChecker(&Options{Resolver: r})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := c.CheckMailFrom(ctx, netip.MustParseAddr("192.0.2.1"), "h.example", "a@example.com")
	require.Equal(t, TempError, o.Result)
	require.ErrorIs(t, o.Err, context.Canceled)
	var de *net.DNSError
	require.True(t, errors.As(o.Err, &de))
}

// A resolver that blocks until ctx ends: the check's own Timeout applies.
type blockingResolver struct{ dnsmock.Resolver }

func (b *blockingResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	<-ctx.Done()
	return nil, &net.DNSError{Err: ctx.Err().Error(), IsTimeout: true, IsTemporary: true, UnwrapErr: ctx.Err()}
}

func TestTimeoutOption(t *testing.T) {
	c := NewChecker(&Options{Resolver: &blockingResolver{}, Timeout: 20 * time.Millisecond})
	o := c.CheckMailFrom(context.Background(), netip.MustParseAddr("192.0.2.1"), "h.example", "a@example.com")
	require.Equal(t, TempError, o.Result)
	require.ErrorIs(t, o.Err, context.DeadlineExceeded)
}

func TestDefaultResolver(t *testing.T) {
	c := NewChecker(nil)
	require.NotNil(t, c.res)
	require.Equal(t, 10, c.maxLookups)
	require.Equal(t, 2, c.maxVoid)
	require.Equal(t, 20*time.Second, c.timeout)
	// No query is made for a malformed domain, so this never touches
	// the network.
	o := c.CheckMailFrom(context.Background(), netip.MustParseAddr("192.0.2.1"), "h", "a@nodots")
	require.Equal(t, None, o.Result)
}
