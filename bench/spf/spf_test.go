// Package spfbench compares Yubin's spf package with blitiri.com.ar/go/spf
// on identical zone data, served by one in-process DNS server on loopback.
// Both sides use an uncached resolver, so every evaluation pays for its DNS
// queries; the server counts them.
package spfbench

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	blitiri "blitiri.com.ar/go/spf"
	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
	"github.com/yubinmail/yubin/internal/dnsclient"
	"github.com/yubinmail/yubin/spf"
)

// zone is shaped like real policies: a provider's include chain, a and mx
// with several hosts, macros, redirect and exp.
func zone() *dnsmock.Resolver {
	return &dnsmock.Resolver{
		TXT: map[string][]string{
			"ip.example":                   {"v=spf1 ip4:198.51.100.0/24 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"},
			"corp.example":                 {"google-site-verification=abcdef", "v=spf1 include:_spf.provider.example ~all", "MS=ms12345"},
			"_spf.provider.example":        {"v=spf1 include:_netblocks.provider.example include:_netblocks2.provider.example include:_netblocks3.provider.example ~all"},
			"_netblocks.provider.example":  {"v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ~all"},
			"_netblocks2.provider.example": {"v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all"},
			"_netblocks3.provider.example": {"v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:209.85.128.0/17 ~all"},
			"mx.example":                   {"v=spf1 a mx -all"},
			"fail.example":                 {"v=spf1 a:relay.fail.example -all exp=why.fail.example"},
			"why.fail.example":             {"%{i} is not one of %{d}'s designated mail servers."},
			"macro.example":                {"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all"},
			"redir.example":                {"v=spf1 redirect=_spf.redir-target.example"},
			"_spf.redir-target.example":    {"v=spf1 ip4:203.0.113.0/28 mx:redir-target.example -all"},
		},
		A: map[string][]string{
			"mx.example":                         {"192.0.2.10"},
			"mx1.mx.example":                     {"192.0.2.20"},
			"mx2.mx.example":                     {"192.0.2.30"},
			"relay.fail.example":                 {"192.0.2.40"},
			"1.2.0.192.alice._spf.macro.example": {"127.0.0.2"},
			"in.redir-target.example":            {"198.51.100.77"},
		},
		MX: map[string][]*net.MX{
			"mx.example":           {{Host: "mx1.mx.example", Pref: 10}, {Host: "mx2.mx.example", Pref: 20}},
			"redir-target.example": {{Host: "in.redir-target.example", Pref: 10}},
		},
	}
}

type benchCase struct {
	name, ip, helo, sender string
	want                   spf.Result
}

var cases = []benchCase{
	{"ip4-pass", "192.0.2.99", "mail.ip.example", "bounce@ip.example", spf.Pass},
	{"ip6-pass", "2001:db8::25", "mail.ip.example", "bounce@ip.example", spf.Pass},
	{"include-chain", "209.85.220.41", "mail-sor-f41.provider.example", "user@corp.example", spf.Pass},
	{"include-softfail", "203.0.113.5", "spammer.example", "user@corp.example", spf.SoftFail},
	{"mx-second-host", "192.0.2.30", "mx2.mx.example", "a@mx.example", spf.Pass},
	{"fail-exp", "203.0.113.9", "bad.example", "a@fail.example", spf.Fail},
	{"macro-exists", "192.0.2.1", "h.example", "alice@macro.example", spf.Pass},
	{"redirect-mx", "198.51.100.77", "in.redir-target.example", "a@redir.example", spf.Pass},
	{"none", "192.0.2.1", "h.example", "a@nospf.example", spf.None},
}

// fqdnResolver makes every name absolute, so that the Go resolver never
// tries the resolv.conf search list (which would cost blitiri extra
// queries that have nothing to do with SPF).
type fqdnResolver struct{ r *net.Resolver }

func fq(n string) string {
	if strings.HasSuffix(n, ".") {
		return n
	}
	return n + "."
}

func (f fqdnResolver) LookupTXT(ctx context.Context, n string) ([]string, error) {
	return f.r.LookupTXT(ctx, fq(n))
}
func (f fqdnResolver) LookupMX(ctx context.Context, n string) ([]*net.MX, error) {
	return f.r.LookupMX(ctx, fq(n))
}
func (f fqdnResolver) LookupIPAddr(ctx context.Context, n string) ([]net.IPAddr, error) {
	return f.r.LookupIPAddr(ctx, fq(n))
}
func (f fqdnResolver) LookupAddr(ctx context.Context, a string) ([]string, error) {
	return f.r.LookupAddr(ctx, a)
}

type env struct {
	mock    *dnsmock.Resolver // nil when the server runs in a child process
	yubin   *spf.Checker
	blitiri blitiri.DNSResolver
}

// setup serves the zone from an in-process DNS server, as the issue asks.
func setup(tb testing.TB) *env {
	tb.Helper()
	mock := zone()
	srv, err := dnsmock.NewServer(mock, 0)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = srv.Close() })
	return newEnv(tb, mock, srv.Addr)
}

// newEnv points both libraries at the DNS server on addr, which serves
// mock's records.
func newEnv(tb testing.TB, mock *dnsmock.Resolver, addr string) *env {
	tb.Helper()
	dc, err := dnsclient.New(&dnsclient.Options{Server: addr, CacheSize: -1, Timeout: 2 * time.Second})
	require.NoError(tb, err)
	var d net.Dialer
	goRes := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	return &env{
		mock:    mock,
		yubin:   spf.NewChecker(&spf.Options{Resolver: dc}),
		blitiri: fqdnResolver{goRes},
	}
}

func (e *env) runYubin(c benchCase) spf.Result {
	o := e.yubin.CheckMailFrom(context.Background(), netip.MustParseAddr(c.ip), c.helo, c.sender)
	return o.Result
}

func (e *env) runBlitiri(c benchCase) spf.Result {
	r, _ := blitiri.CheckHostWithSender(net.ParseIP(c.ip), c.helo, c.sender,
		blitiri.WithResolver(e.blitiri), blitiri.WithContext(context.Background()))
	return spf.Result(r)
}

// TestSameResultsFewerQueries checks both implementations agree on every
// bench case, and that Yubin never sends more DNS queries.
func TestSameResultsFewerQueries(t *testing.T) {
	e := setup(t)
	for _, c := range cases {
		e.mock.ResetQueries()
		got := e.runYubin(c)
		ours := e.mock.QueryCount()
		e.mock.ResetQueries()
		peer := e.runBlitiri(c)
		theirs := e.mock.QueryCount()
		require.Equal(t, c.want, got, c.name)
		require.Equal(t, c.want, peer, c.name)
		require.LessOrEqual(t, ours, theirs, "%s: yubin %d queries, blitiri %d", c.name, ours, theirs)
		t.Logf("%-18s %-9s queries: yubin %d, blitiri %d", c.name, got, ours, theirs)
	}
	// The explanation is expanded too (blitiri does not implement exp=).
	o := e.yubin.CheckMailFrom(context.Background(), netip.MustParseAddr("203.0.113.9"), "bad.example", "a@fail.example")
	require.Equal(t, "203.0.113.9 is not one of fail.example's designated mail servers.", o.Explanation)
}

func BenchmarkSPF(b *testing.B) {
	benchLoopback(b, setup(b))
}

// BenchmarkSPFChild is BenchmarkSPF with the DNS server in a child
// process, as a host's resolver (unbound, systemd-resolved) would be. The
// query counts are those of BenchmarkSPF: the same checks on the same data.
func BenchmarkSPFChild(b *testing.B) {
	benchLoopback(b, newEnv(b, nil, startChildServer(b)))
}

func benchLoopback(b *testing.B, e *env) {
	for _, c := range cases {
		for _, impl := range []struct {
			name string
			run  func(benchCase) spf.Result
		}{{"yubin", e.runYubin}, {"blitiri", e.runBlitiri}} {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				m := newQueryMeter(e.mock)
				b.ReportAllocs()
				for b.Loop() {
					if r := impl.run(c); r != c.want {
						b.Fatalf("got %s, want %s", r, c.want)
					}
					m.tick()
				}
				m.report(b)
			})
		}
	}
}
