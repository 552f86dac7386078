package dnsmock_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
	"github.com/yubinmail/yubin/internal/dnsclient"
)

// The Server answers over DNS exactly what the Resolver answers directly.
func TestServerMatchesResolver(t *testing.T) {
	long := strings.Repeat("x", 300)
	r := &dnsmock.Resolver{
		TXT: map[string][]string{
			"example.com":       {"v=spf1 -all", long, "quote\" back\\slash \x96 nonascii"},
			"empty.example.com": nil,
		},
		MX:      map[string][]*net.MX{"example.com": {{Host: "mx.example.com", Pref: 10}}},
		A:       map[string][]string{"mx.example.com": {"192.0.2.1"}},
		AAAA:    map[string][]string{"mx.example.com": {"2001:db8::1"}},
		PTR:     map[string][]string{"192.0.2.1": {"mx.example.com"}, "2001:db8::1": {"mx.example.com."}},
		CNAME:   map[string]string{"www.example.com": "example.com", "l1.example.com": "l2.example.com", "l2.example.com": "l1.example.com"},
		Fail:    []string{"fail.example.com"},
		Timeout: []string{"slow.example.com"},
	}
	srv, err := dnsmock.NewServer(r, 0)
	require.NoError(t, err)
	defer srv.Close()
	c, err := dnsclient.New(&dnsclient.Options{Server: srv.Addr, Timeout: 200 * time.Millisecond, Attempts: 1, CacheSize: -1})
	require.NoError(t, err)
	ctx := context.Background()

	for _, name := range []string{"example.com", "www.example.com", "empty.example.com", "mx.example.com", "nosuch.example.com", "fail.example.com", "slow.example.com", "l1.example.com", "com"} {
		want, werr := r.LookupTXT(ctx, name)
		got, gerr := c.LookupTXT(ctx, name)
		requireSame(t, name, werr, gerr)
		require.ElementsMatch(t, want, got, name)
	}
	got, err := c.LookupTXT(ctx, "example.com")
	require.NoError(t, err)
	require.Contains(t, got, long)
	require.Contains(t, got, "quote\" back\\slash \x96 nonascii")

	mx, err := c.LookupMX(ctx, "www.example.com")
	require.NoError(t, err)
	require.Equal(t, []*net.MX{{Host: "mx.example.com.", Pref: 10}}, mx)

	ips, err := c.LookupIP(ctx, "ip", "mx.example.com")
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}, ips)

	for _, a := range []string{"192.0.2.1", "2001:db8::1"} {
		names, err := c.LookupAddr(ctx, netip.MustParseAddr(a))
		require.NoError(t, err)
		require.Equal(t, []string{"mx.example.com."}, names)
	}
	_, err = c.LookupAddr(ctx, netip.MustParseAddr("192.0.2.2"))
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsNotFound)

	res, err := c.Lookup(ctx, "www.example.com", dns.TypeCNAME)
	require.NoError(t, err)
	require.Len(t, res.Records, 1)
	_, err = c.Lookup(ctx, "example.com", dns.TypeSRV)
	require.NoError(t, err, "NODATA for an unsupported type")

	require.Contains(t, r.Queries(), dnsmock.Query{Type: "TXT", Name: "slow.example.com"})
	require.NoError(t, srv.Close())
}

func requireSame(t *testing.T, name string, want, got error) {
	t.Helper()
	if want == nil {
		require.NoError(t, got, name)
		return
	}
	var w, g *net.DNSError
	require.ErrorAs(t, want, &w, name)
	require.ErrorAs(t, got, &g, name)
	require.Equal(t, w.IsNotFound, g.IsNotFound, name)
	require.Equal(t, w.IsTemporary, g.IsTemporary, name)
	require.Equal(t, w.IsTimeout, g.IsTimeout, name)
}

// The UDP loop survives junk, answers concurrent clients, and truncates
// answers that do not fit, which the client then gets over TCP.
func TestServerUDPLoop(t *testing.T) {
	var big []string
	for i := range 40 {
		big = append(big, strings.Repeat(string(rune('a'+i%26)), 100))
	}
	r := &dnsmock.Resolver{
		TXT:     map[string][]string{"big.example": big},
		A:       map[string][]string{"host.example": {"192.0.2.7"}},
		Timeout: []string{"slow.example"},
	}
	srv, err := dnsmock.NewServer(r, 0)
	require.NoError(t, err)
	defer srv.Close()

	conn, err := net.Dial("udp", srv.Addr)
	require.NoError(t, err)
	for _, junk := range [][]byte{{}, {0}, []byte("not a dns message at all"), make([]byte, 4000)} {
		_, err = conn.Write(junk)
		require.NoError(t, err)
	}
	require.NoError(t, conn.Close())

	c, err := dnsclient.New(&dnsclient.Options{Server: srv.Addr, Timeout: 2 * time.Second, Attempts: 1, CacheSize: -1})
	require.NoError(t, err)
	ctx := context.Background()
	errs := make(chan error, 16)
	for range cap(errs) {
		go func() {
			ips, err := c.LookupIP(ctx, "ip4", "host.example")
			if err == nil && (len(ips) != 1 || ips[0] != netip.MustParseAddr("192.0.2.7")) {
				err = fmt.Errorf("got %v", ips)
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		require.NoError(t, <-errs)
	}

	got, err := c.LookupTXT(ctx, "big.example")
	require.NoError(t, err)
	require.ElementsMatch(t, big, got, "the whole answer, over TCP after a truncated UDP one")

	// A name that never gets an answer does not hold up the others.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = c.LookupTXT(short, "slow.example")
	require.Error(t, err)
	ips, err := c.LookupIP(ctx, "ip4", "host.example")
	require.NoError(t, err)
	require.Len(t, ips, 1)
	require.NoError(t, srv.Close())
}
