package dnsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

func newTestClient(t *testing.T, s *testServer, o *Options) *Client {
	t.Helper()
	if o == nil {
		o = &Options{}
	}
	o.Server = s.addr
	if o.Timeout == 0 {
		o.Timeout = 300 * time.Millisecond
	}
	if o.Attempts == 0 {
		o.Attempts = 1
	}
	c, err := New(o)
	require.NoError(t, err)
	return c
}

func zone(s *testServer) {
	s.add(
		"example.test. 300 IN TXT \"v=spf1 \" \"-all\"",
		"example.test. 300 IN TXT \"second\"",
		"example.test. 300 IN MX 20 mx2.example.test.",
		"example.test. 300 IN MX 10 mx1.example.test.",
		"mx1.example.test. 300 IN A 192.0.2.1",
		"mx1.example.test. 300 IN AAAA 2001:db8::1",
		"v4only.example.test. 300 IN A 192.0.2.4",
		"alias.example.test. 300 IN CNAME example.test.",
		"alias2.example.test. 300 IN CNAME alias.example.test.",
		"loop1.example.test. 300 IN CNAME loop2.example.test.",
		"loop2.example.test. 300 IN CNAME loop1.example.test.",
		"a.stop. 300 IN CNAME b.stop.",
		"b.stop. 300 IN TXT \"after the stop\"",
		"1.2.0.192.in-addr.arpa. 300 IN PTR mx1.example.test.",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR mx1.example.test.",
		"secure.test. 300 IN A 192.0.2.7",
		"noedns.test. 300 IN A 192.0.2.8",
		"short.test. 1 IN A 192.0.2.9",
		"zero.test. 0 IN A 192.0.2.10",
	)
	for i := range 60 {
		s.add(fmt.Sprintf("big.test. 300 IN TXT \"record number %02d padding padding padding\"", i))
	}
}

func TestResultConvention(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, nil)
	ctx := context.Background()

	txt, err := c.LookupTXT(ctx, "Example.TEST")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"v=spf1 -all", "second"}, txt)

	txt, err = c.LookupTXT(ctx, "mx1.example.test.")
	require.NoError(t, err, "NODATA is not an error")
	require.Empty(t, txt)

	_, err = c.LookupTXT(ctx, "nosuch.example.test")
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsNotFound)
	require.False(t, de.IsTemporary)

	for _, name := range []string{"servfail.test", "refused.test", "mismatch.test"} {
		_, err = c.LookupTXT(ctx, name)
		require.ErrorAs(t, err, &de, name)
		require.True(t, de.IsTemporary, name)
		require.False(t, de.IsNotFound, name)
	}

	_, err = c.LookupTXT(ctx, "bad..name")
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsNotFound)
}

func TestTimeout(t *testing.T) {
	s := startServer(t)
	c := newTestClient(t, s, &Options{Timeout: 100 * time.Millisecond, Attempts: 2})
	_, err := c.LookupTXT(context.Background(), "slow.test")
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsTimeout)
	require.True(t, de.IsTemporary)
	require.EqualValues(t, 2, s.queries(), "one query per attempt")

	// A ctx deadline shorter than the per-attempt timeout wins.
	c = newTestClient(t, s, &Options{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.LookupTXT(ctx, "slow.test")
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCancel(t *testing.T) {
	s := startServer(t)
	c := newTestClient(t, s, &Options{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.LookupTXT(ctx, "slow.test")
		done <- err
	}()
	for s.queries() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)

	_, err = c.LookupTXT(ctx, "example.test")
	require.ErrorIs(t, err, context.Canceled, "a cancelled ctx never queries")
}

func TestTruncationRetriesOverTCP(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, &Options{UDPSize: 512})
	txt, err := c.LookupTXT(context.Background(), "big.test")
	require.NoError(t, err)
	require.Len(t, txt, 60)
	require.EqualValues(t, 1, s.udp.Load())
	require.EqualValues(t, 1, s.tcp.Load())

	// With a large EDNS0 buffer the same answer fits in UDP.
	s2 := startServer(t)
	zone(s2)
	c = newTestClient(t, s2, &Options{UDPSize: 4096})
	txt, err = c.LookupTXT(context.Background(), "big.test")
	require.NoError(t, err)
	require.Len(t, txt, 60)
	require.EqualValues(t, 0, s2.tcp.Load())
}

func TestNoEDNSFallback(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, nil)
	ips, err := c.LookupIP(context.Background(), "ip4", "noedns.test")
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{netip.MustParseAddr("192.0.2.8")}, ips)
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Equal(t, []bool{true, false}, s.edns)
}

func TestADBit(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, &Options{DNSSEC: true})
	res, err := c.Lookup(context.Background(), "secure.test", dns.TypeA)
	require.NoError(t, err)
	require.True(t, res.AD)
	require.Equal(t, "secure.test.", res.Name)
	require.Len(t, res.Records, 1)

	res, err = c.Lookup(context.Background(), "v4only.example.test", dns.TypeA)
	require.NoError(t, err)
	require.False(t, res.AD)
}

func TestCNAME(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, nil)
	ctx := context.Background()
	res, err := c.Lookup(ctx, "alias2.example.test", dns.TypeMX)
	require.NoError(t, err)
	require.Equal(t, "example.test.", res.Name)
	require.Len(t, res.Records, 2)

	// The server stops at the CNAME: the client asks for the target.
	before := s.queries()
	txt, err := c.LookupTXT(ctx, "a.stop")
	require.NoError(t, err)
	require.Equal(t, []string{"after the stop"}, txt)
	require.EqualValues(t, 2, s.queries()-before)

	_, err = c.LookupTXT(ctx, "loop1.example.test")
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsTemporary)

	// A CNAME query returns the CNAME itself.
	res, err = c.Lookup(ctx, "alias.example.test", dns.TypeCNAME)
	require.NoError(t, err)
	require.Len(t, res.Records, 1)
}

func TestLookupMXIPAddr(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, nil)
	ctx := context.Background()
	mx, err := c.LookupMX(ctx, "example.test")
	require.NoError(t, err)
	require.Equal(t, []*net.MX{{Host: "mx1.example.test.", Pref: 10}, {Host: "mx2.example.test.", Pref: 20}}, mx)

	for _, tc := range []struct {
		network, name string
		want          []string
	}{
		{"ip", "mx1.example.test", []string{"192.0.2.1", "2001:db8::1"}},
		{"ip4", "mx1.example.test", []string{"192.0.2.1"}},
		{"ip6", "mx1.example.test", []string{"2001:db8::1"}},
		{"ip", "v4only.example.test", []string{"192.0.2.4"}},
		{"ip6", "v4only.example.test", []string{}},
	} {
		ips, err := c.LookupIP(ctx, tc.network, tc.name)
		require.NoError(t, err)
		got := []string{}
		for _, a := range ips {
			got = append(got, a.String())
		}
		require.Equal(t, tc.want, got, tc.network+" "+tc.name)
	}
	_, err = c.LookupIP(ctx, "ip", "nosuch.test")
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsNotFound)
	_, err = c.LookupIP(ctx, "ip", "servfail.test")
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsTemporary)
	_, err = c.LookupIP(ctx, "udp", "x.test")
	require.Error(t, err)

	for _, a := range []string{"192.0.2.1", "::ffff:192.0.2.1", "2001:db8::1"} {
		names, err := c.LookupAddr(ctx, netip.MustParseAddr(a))
		require.NoError(t, err, a)
		require.Equal(t, []string{"mx1.example.test."}, names, a)
	}
	_, err = c.LookupAddr(ctx, netip.MustParseAddr("192.0.2.200"))
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsNotFound)
}

func TestCache(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, nil)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ctx := context.Background()

	// Positive answers are cached for their TTL.
	for range 3 {
		res, err := c.Lookup(ctx, "Example.test", dns.TypeTXT)
		require.NoError(t, err)
		require.Len(t, res.Records, 2)
	}
	require.EqualValues(t, 1, s.queries())
	res, _ := c.Lookup(ctx, "example.test", dns.TypeTXT)
	require.True(t, res.Cached)
	// Different type, different entry.
	_, _ = c.LookupMX(ctx, "example.test")
	require.EqualValues(t, 2, s.queries())

	// NXDOMAIN and NODATA are cached for min(SOA TTL, SOA MINIMUM) = 60s.
	for range 2 {
		_, err := c.LookupTXT(ctx, "nosuch.test")
		require.Error(t, err)
		_, err = c.LookupTXT(ctx, "mx1.example.test")
		require.NoError(t, err)
	}
	require.EqualValues(t, 4, s.queries())
	now = now.Add(61 * time.Second)
	_, _ = c.LookupTXT(ctx, "nosuch.test")
	require.EqualValues(t, 5, s.queries(), "negative entry expired")
	_, _ = c.LookupTXT(ctx, "example.test")
	require.EqualValues(t, 5, s.queries(), "positive entry (300s) still fresh")
	now = now.Add(300 * time.Second)
	_, _ = c.LookupTXT(ctx, "example.test")
	require.EqualValues(t, 6, s.queries(), "positive entry expired")

	// Without a SOA a negative answer is not cached; nor are failures or
	// zero TTLs.
	for range 2 {
		_, _ = c.LookupTXT(ctx, "nosoa.test")
		_, _ = c.LookupTXT(ctx, "servfail.test")
		_, _ = c.LookupIP(ctx, "ip4", "zero.test")
	}
	require.EqualValues(t, 12, s.queries())
}

func TestCacheBounded(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, &Options{CacheSize: 2})
	ctx := context.Background()
	for _, n := range []string{"example.test", "mx1.example.test", "v4only.example.test", "example.test"} {
		_, _ = c.LookupTXT(ctx, n)
	}
	require.Equal(t, 2, c.cache.len())
	require.EqualValues(t, 4, s.queries(), "the oldest entry was evicted")

	c = newTestClient(t, s, &Options{CacheSize: -1})
	require.Nil(t, c.cache)
	_, _ = c.LookupTXT(ctx, "example.test")
	_, _ = c.LookupTXT(ctx, "example.test")
	require.EqualValues(t, 6, s.queries())
}

func TestCacheConcurrent(t *testing.T) {
	s := startServer(t)
	zone(s)
	c := newTestClient(t, s, &Options{CacheSize: 3})
	var wg sync.WaitGroup
	names := []string{"example.test", "mx1.example.test", "v4only.example.test", "alias.example.test", "nosuch.test"}
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				_, _ = c.LookupTXT(context.Background(), names[(i+j)%len(names)])
			}
		})
	}
	wg.Wait()
	require.LessOrEqual(t, c.cache.len(), 3)
}

func TestServerFailover(t *testing.T) {
	s := startServer(t)
	zone(s)
	dir := t.TempDir()
	host, port, _ := net.SplitHostPort(s.addr)
	// The first server never answers (a closed UDP port on loopback
	// gives "connection refused"); the second does.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := pc.LocalAddr().(*net.UDPAddr)
	pc.Close()
	conf := filepath.Join(dir, "resolv.conf")
	require.NoError(t, os.WriteFile(conf, []byte("nameserver 127.0.0.1\nnameserver "+host+"\noptions ndots:1\n"), 0o644))
	c, err := New(&Options{ResolvConf: conf, Timeout: 200 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.1:53", host + ":53"}, c.Servers())
	c.servers = []string{fmt.Sprintf("127.0.0.1:%d", dead.Port), net.JoinHostPort(host, port)}
	txt, err := c.LookupTXT(context.Background(), "example.test")
	require.NoError(t, err)
	require.Len(t, txt, 2)
}

func TestNewOptions(t *testing.T) {
	c, err := New(&Options{Server: "192.0.2.53"})
	require.NoError(t, err)
	require.Equal(t, []string{"192.0.2.53:53"}, c.Servers())
	c, err = New(&Options{Server: "[2001:db8::53]"})
	require.NoError(t, err)
	require.Equal(t, []string{"[2001:db8::53]:53"}, c.Servers())
	_, err = New(&Options{Server: "bad host"})
	require.Error(t, err)
	c, err = New(&Options{ResolvConf: filepath.Join(t.TempDir(), "missing")})
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.1:53", "[::1]:53"}, c.Servers())
	c, err = New(nil)
	require.NoError(t, err)
	require.NotEmpty(t, c.Servers())
	require.Equal(t, 5*time.Second, c.timeout)
}

func TestErrorsAreDNSErrors(t *testing.T) {
	s := startServer(t)
	c := newTestClient(t, s, nil)
	_, err := c.LookupTXT(context.Background(), "servfail.test")
	var de *net.DNSError
	require.True(t, errors.As(err, &de))
	require.True(t, strings.Contains(de.Error(), "servfail.test"))
}

func TestTXTEscapes(t *testing.T) {
	s := startServer(t)
	s.add(`esc.test. 300 IN TXT "a\"b\\c" "\150\000z"`)
	c := newTestClient(t, s, nil)
	txt, err := c.LookupTXT(context.Background(), "esc.test")
	require.NoError(t, err)
	require.Equal(t, []string{"a\"b\\c\x96\x00z"}, txt)
}

// SPF macros can produce names with any octet; they are escaped on the wire
// the way miekg/dns unescapes them.
func TestOddNames(t *testing.T) {
	s := startServer(t)
	s.add(`sp\ ace\@x\"q.test. 300 IN TXT "odd"`, `\150bin.test. 300 IN TXT "bin"`)
	c := newTestClient(t, s, nil)
	txt, err := c.LookupTXT(context.Background(), `sp ace@x"q.test`)
	require.NoError(t, err)
	require.Equal(t, []string{"odd"}, txt)
	txt, err = c.LookupTXT(context.Background(), "\x96bin.test")
	require.NoError(t, err)
	require.Equal(t, []string{"bin"}, txt)
	require.Equal(t, `a\ b\\c\009.d`, escapeName("a b\\c\t.d"))
}

func (c *Client) waiters(name string, qtype uint16) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.flights[cacheKey{name: name, qtype: qtype}]; ok {
		return f.waiters
	}
	return -1
}

// Concurrent identical queries share one exchange; a waiter whose ctx ends
// leaves without disturbing the others.
func TestSharedFlight(t *testing.T) {
	s := startServer(t)
	s.add(`gate.test. 300 IN TXT "shared"`)
	c := newTestClient(t, s, &Options{Timeout: 10 * time.Second, CacheSize: -1})
	const n = 5
	results := make(chan error, n)
	for range n {
		go func() {
			txt, err := c.LookupTXT(context.Background(), "gate.test")
			if err == nil && (len(txt) != 1 || txt[0] != "shared") {
				err = fmt.Errorf("got %q", txt)
			}
			results <- err
		}()
	}
	for c.waiters("gate.test.", dns.TypeTXT) < n-1 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := c.LookupTXT(ctx, "gate.test")
		cancelled <- err
	}()
	for c.waiters("gate.test.", dns.TypeTXT) < n {
		time.Sleep(time.Millisecond)
	}
	cancel()
	require.ErrorIs(t, <-cancelled, context.Canceled)
	close(s.gate)
	for range n {
		require.NoError(t, <-results)
	}
	require.EqualValues(t, 1, s.queries())
	require.Equal(t, -1, c.waiters("gate.test.", dns.TypeTXT))
}

// When the first caller gives up, the waiters ask on their own.
func TestSharedFlightLeaderCancelled(t *testing.T) {
	s := startServer(t)
	s.add(`gate.test. 300 IN TXT "shared"`)
	c := newTestClient(t, s, &Options{Timeout: 10 * time.Second, CacheSize: -1})
	ctx, cancel := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() {
		_, err := c.LookupTXT(ctx, "gate.test")
		leader <- err
	}()
	for c.waiters("gate.test.", dns.TypeTXT) < 0 {
		time.Sleep(time.Millisecond)
	}
	follower := make(chan error, 1)
	go func() {
		_, err := c.LookupTXT(context.Background(), "gate.test")
		follower <- err
	}()
	for c.waiters("gate.test.", dns.TypeTXT) < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	require.ErrorIs(t, <-leader, context.Canceled)
	close(s.gate)
	require.NoError(t, <-follower)
	require.EqualValues(t, 2, s.queries())
}
