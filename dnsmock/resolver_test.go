package dnsmock

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func testResolver() *Resolver {
	return &Resolver{
		TXT: map[string][]string{
			"example.com":        {"v=spf1 -all", "hello"},
			"Mixed.Example.org.": {"mixed"},
			"empty.example.com":  nil,
		},
		MX: map[string][]*net.MX{
			"example.com": {{Host: "mx1.example.com.", Pref: 10}, {Host: "mx2.example.com.", Pref: 20}},
		},
		A: map[string][]string{
			"mx1.example.com":  {"192.0.2.1"},
			"both.example.com": {"192.0.2.2"},
			"bad.example.com":  {"not-an-ip"},
		},
		AAAA: map[string][]string{
			"both.example.com": {"2001:db8::2"},
		},
		PTR: map[string][]string{
			"192.0.2.1":              {"mx1.example.com."},
			"2.2.0.192.in-addr.arpa": {"both.example.com."},
			"2001:db8::2":            {"both.example.com."},
		},
		CNAME: map[string]string{
			"alias.example.com":    "example.com.",
			"loop1.example.com":    "loop2.example.com",
			"loop2.example.com":    "loop1.example.com",
			"dangling.example.com": "nowhere.example.com",
		},
		Fail:    []string{"fail.example.com", "TXT txtfail.example.com"},
		Timeout: []string{"slow.example.com", "PTR 192.0.2.9"},
	}
}

func TestLookupTXT(t *testing.T) {
	r := testResolver()
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		want     []string
		notFound bool
		temp     bool
		timeout  bool
	}{
		{name: "example.com", want: []string{"v=spf1 -all", "hello"}},
		{name: "EXAMPLE.com.", want: []string{"v=spf1 -all", "hello"}},
		{name: "mixed.example.org", want: []string{"mixed"}},
		{name: "alias.example.com", want: []string{"v=spf1 -all", "hello"}},
		{name: "empty.example.com", want: []string{}},
		{name: "mx1.example.com", want: []string{}},    // NODATA: exists via A
		{name: "com", want: []string{}},                // empty non-terminal
		{name: "nosuch.example.com", notFound: true},   // NXDOMAIN
		{name: "dangling.example.com", notFound: true}, // CNAME to nowhere
		{name: "loop1.example.com", temp: true},        // CNAME loop
		{name: "fail.example.com", temp: true},
		{name: "txtfail.example.com", temp: true},
		{name: "slow.example.com", temp: true, timeout: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.LookupTXT(ctx, tc.name)
			if tc.notFound || tc.temp {
				var de *net.DNSError
				require.ErrorAs(t, err, &de)
				require.Equal(t, tc.notFound, de.IsNotFound)
				require.Equal(t, tc.temp, de.IsTemporary)
				require.Equal(t, tc.timeout, de.IsTimeout)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestTypedFailure(t *testing.T) {
	r := testResolver()
	r.A["txtfail.example.com"] = []string{"192.0.2.7"}
	ips, err := r.LookupIP(context.Background(), "ip4", "txtfail.example.com")
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("192.0.2.7")}, ips)
	_, err = r.LookupTXT(context.Background(), "txtfail.example.com")
	require.Error(t, err)
}

func TestLookupIP(t *testing.T) {
	r := testResolver()
	ctx := context.Background()
	got, err := r.LookupIP(ctx, "ip", "both.example.com")
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("2001:db8::2")}, got)
	got, err = r.LookupIP(ctx, "ip6", "both.example.com")
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("2001:db8::2")}, got)
	got, err = r.LookupIP(ctx, "ip6", "mx1.example.com")
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = r.LookupIP(ctx, "ip4", "bad.example.com")
	require.Error(t, err)
	_, err = r.LookupIP(ctx, "tcp", "both.example.com")
	require.Error(t, err)
	_, err = r.LookupIP(ctx, "ip", "fail.example.com")
	require.Error(t, err)
}

func TestLookupMX(t *testing.T) {
	r := testResolver()
	got, err := r.LookupMX(context.Background(), "alias.example.com")
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "mx1.example.com.", got[0].Host)
	got[0].Host = "changed"
	got, _ = r.LookupMX(context.Background(), "example.com")
	require.Equal(t, "mx1.example.com.", got[0].Host, "results are copies")
}

func TestLookupAddr(t *testing.T) {
	r := testResolver()
	ctx := context.Background()
	for _, tc := range []struct {
		addr     string
		want     []string
		notFound bool
		timeout  bool
	}{
		{addr: "192.0.2.1", want: []string{"mx1.example.com."}},
		{addr: "::ffff:192.0.2.1", want: []string{"mx1.example.com."}},
		{addr: "192.0.2.2", want: []string{"both.example.com."}},
		{addr: "2001:db8::2", want: []string{"both.example.com."}},
		{addr: "192.0.2.3", notFound: true},
		{addr: "192.0.2.9", timeout: true},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			got, err := r.LookupAddr(ctx, netip.MustParseAddr(tc.addr))
			if tc.notFound || tc.timeout {
				var de *net.DNSError
				require.ErrorAs(t, err, &de)
				require.Equal(t, tc.notFound, de.IsNotFound)
				require.Equal(t, tc.timeout, de.IsTimeout)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestReverseName(t *testing.T) {
	require.Equal(t, "1.2.0.192.in-addr.arpa", ReverseName(netip.MustParseAddr("192.0.2.1")))
	require.Equal(t, "0.0.0.0.in-addr.arpa", ReverseName(netip.MustParseAddr("0.0.0.0")))
	require.Equal(t,
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
		ReverseName(netip.MustParseAddr("2001:db8::1")))
}

func TestContextCancelled(t *testing.T) {
	r := testResolver()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.LookupTXT(ctx, "example.com")
	require.ErrorIs(t, err, context.Canceled)
	var de *net.DNSError
	require.True(t, errors.As(err, &de))
	require.True(t, de.IsTemporary)
}

func TestQueryLogConcurrent(t *testing.T) {
	r := testResolver()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				_, _ = r.LookupTXT(context.Background(), "example.com")
			}
		})
	}
	wg.Wait()
	require.Equal(t, 400, r.QueryCount())
	require.Equal(t, Query{Type: "TXT", Name: "example.com"}, r.Queries()[0])
	require.Equal(t, "TXT example.com", r.Queries()[0].String())
	r.ResetQueries()
	_, _ = r.LookupIP(context.Background(), "ip", "Both.Example.com.")
	require.Equal(t, []Query{{"A", "both.example.com"}, {"AAAA", "both.example.com"}}, r.Queries())
}

func TestZeroValue(t *testing.T) {
	var r Resolver
	_, err := r.LookupMX(context.Background(), "example.com")
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsNotFound)
}

// TestIndexSeesLaterKeys: a key added after the first lookup exists.
func TestIndexSeesLaterKeys(t *testing.T) {
	r := &Resolver{TXT: map[string][]string{"a.example": {"x"}}}
	_, err := r.LookupTXT(context.Background(), "b.example")
	require.Error(t, err)
	r.TXT["b.example"] = []string{"y"}
	got, err := r.LookupTXT(context.Background(), "b.example")
	require.NoError(t, err)
	require.Equal(t, []string{"y"}, got)
	r.A = map[string][]string{"host.c.example": {"192.0.2.1"}}
	got, err = r.LookupTXT(context.Background(), "c.example")
	require.NoError(t, err)
	require.Empty(t, got)
}

// TestIndexSeesSameSizeChanges: changes to the maps that keep their sizes
// (a key deleted and another added, a map replaced) are seen at once.
func TestIndexSeesSameSizeChanges(t *testing.T) {
	ctx := context.Background()
	r := &Resolver{TXT: map[string][]string{"a.example": {"x"}}}
	_, err := r.LookupTXT(ctx, "a.example")
	require.NoError(t, err)

	delete(r.TXT, "a.example")
	r.TXT["b.example"] = []string{"y"}
	_, err = r.LookupTXT(ctx, "a.example")
	require.Error(t, err, "a.example was deleted")
	got, err := r.LookupTXT(ctx, "b.example")
	require.NoError(t, err)
	require.Equal(t, []string{"y"}, got)

	r.TXT = map[string][]string{"host.c.example": {"z"}}
	_, err = r.LookupTXT(ctx, "b.example")
	require.Error(t, err, "b.example is gone with the old map")
	got, err = r.LookupTXT(ctx, "c.example")
	require.NoError(t, err, "c.example exists as an empty non-terminal")
	require.Empty(t, got)
}
