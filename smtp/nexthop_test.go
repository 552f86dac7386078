package smtp

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/dnsmock"
)

func noShuffle([]NextHop) {}

func hopHosts(hops []NextHop) []string {
	var out []string
	for _, h := range hops {
		out = append(out, h.Host)
	}
	return out
}

func TestLookupNextHops(t *testing.T) {
	r := &dnsmock.Resolver{
		MX: map[string][]*net.MX{
			"example.test":       {{Host: "mx2.example.test.", Pref: 20}, {Host: "mx1.example.test.", Pref: 10}, {Host: "mx1b.example.test", Pref: 10}},
			"null.test":          {{Host: ".", Pref: 0}},
			"broken.test":        {{Host: "nowhere.test", Pref: 10}},
			"xn--bcher-kva.test": {{Host: "mx.buecher.test", Pref: 5}},
			"alias.test":         {{Host: "mx1.example.test", Pref: 1}},
		},
		A: map[string][]string{
			"mx1.example.test":  {"192.0.2.1"},
			"mx1b.example.test": {"192.0.2.2"},
			"mx2.example.test":  {"192.0.2.3"},
			"implicit.test":     {"192.0.2.9"},
			"mx.buecher.test":   {"192.0.2.10"},
		},
		AAAA:  map[string][]string{"mx1.example.test": {"2001:db8::1"}},
		CNAME: map[string]string{"cname.test": "implicit.test"},
		Fail:  []string{"MX tempfail.test"},
	}
	ctx := context.Background()
	opts := &NextHopOptions{Shuffle: noShuffle}

	hops, err := LookupNextHops(ctx, r, "Example.TEST.", opts)
	require.NoError(t, err)
	require.Equal(t, []string{"mx1.example.test", "mx1b.example.test", "mx2.example.test"}, hopHosts(hops))
	require.Len(t, hops[0].Addrs, 2)

	hops, err = LookupNextHops(ctx, r, "implicit.test", opts)
	require.NoError(t, err)
	require.True(t, hops[0].Implicit)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("192.0.2.9")}, hops[0].Addrs)

	hops, err = LookupNextHops(ctx, r, "cname.test", opts)
	require.NoError(t, err)
	require.Equal(t, "192.0.2.9", hops[0].Addrs[0].String())

	hops, err = LookupNextHops(ctx, r, "bücher.test", opts)
	require.NoError(t, err)
	require.Equal(t, "mx.buecher.test", hops[0].Host)

	_, err = LookupNextHops(ctx, r, "null.test", opts)
	require.ErrorIs(t, err, ErrNullMX)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 556, e.Code)
	require.False(t, e.Temporary())

	_, err = LookupNextHops(ctx, r, "nxdomain.test", opts)
	require.ErrorIs(t, err, ErrNoSuchDomain)

	_, err = LookupNextHops(ctx, r, "tempfail.test", opts)
	require.ErrorIs(t, err, ErrDNSTemporary)
	require.ErrorAs(t, err, &e)
	require.True(t, e.Temporary())

	hops, err = LookupNextHops(ctx, r, "broken.test", opts)
	require.ErrorIs(t, err, ErrNoHosts)
	require.Error(t, hops[0].Err)

	hops, err = LookupNextHops(ctx, r, "[192.0.2.7]", opts)
	require.NoError(t, err)
	require.Equal(t, "192.0.2.7", hops[0].Addrs[0].String())
	hops, err = LookupNextHops(ctx, r, "[IPv6:2001:db8::7]", opts)
	require.NoError(t, err)
	require.Equal(t, "2001:db8::7", hops[0].Addrs[0].String())
	for _, bad := range []string{"[300.1.1.1]", "[IPv6:192.0.2.1]", "[x", "a..b", ""} {
		_, err = LookupNextHops(ctx, r, bad, opts)
		require.ErrorIs(t, err, ErrBadDomain, bad)
	}

	// This host is mx1: only better-preference hosts remain (none here).
	_, err = LookupNextHops(ctx, r, "alias.test", &NextHopOptions{LocalNames: []string{"MX1.example.test."}})
	require.ErrorIs(t, err, ErrNoHosts)
	hops, err = LookupNextHops(ctx, r, "example.test", &NextHopOptions{LocalNames: []string{"mx2.example.test"}, Shuffle: noShuffle})
	require.NoError(t, err)
	require.Equal(t, []string{"mx1.example.test", "mx1b.example.test"}, hopHosts(hops))

	hops, err = LookupNextHops(ctx, r, "example.test", &NextHopOptions{Network: "ip6", Shuffle: noShuffle})
	require.ErrorIs(t, err, nil)
	require.Len(t, hops[0].Addrs, 1)
	require.Error(t, hops[1].Err)
}

func TestShuffleEqualPrefsKeepsOrderOfPreferences(t *testing.T) {
	hops := []NextHop{{Host: "a", Pref: 1}, {Host: "b", Pref: 1}, {Host: "c", Pref: 2}, {Host: "d", Pref: 3}, {Host: "e", Pref: 3}}
	for range 20 {
		shuffleEqualPrefs(hops)
		require.Equal(t, "c", hops[2].Host)
		require.ElementsMatch(t, []string{"a", "b"}, hopHosts(hops[:2]))
		require.ElementsMatch(t, []string{"d", "e"}, hopHosts(hops[3:]))
	}
}
