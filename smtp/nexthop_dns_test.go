package smtp

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/internal/dnsclient"
)

// zoneServer serves the records of zone (presentation format, one RR a
// line) on a loopback UDP port; a name with no records gives NXDOMAIN
// unless another type exists for it (NODATA).
func zoneServer(t *testing.T, zone []string) string {
	t.Helper()
	var rrs []dns.RR
	for _, line := range zone {
		rr, err := dns.NewRR(line)
		require.NoError(t, err, line)
		rrs = append(rrs, rr)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		q := req.Question[0]
		exists := false
		for _, rr := range rrs {
			h := rr.Header()
			if !strings.EqualFold(h.Name, q.Name) {
				continue
			}
			exists = true
			if h.Rrtype == q.Qtype || h.Rrtype == dns.TypeCNAME {
				m.Answer = append(m.Answer, rr)
			}
		}
		if !exists {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestLookupNextHopsRealResolver(t *testing.T) {
	addr := zoneServer(t, []string{
		"example.test. 300 IN MX 20 mx2.example.test.",
		"example.test. 300 IN MX 10 mx1.example.test.",
		"mx1.example.test. 300 IN A 192.0.2.1",
		"mx1.example.test. 300 IN AAAA 2001:db8::1",
		"mx2.example.test. 300 IN CNAME real.example.test.",
		"real.example.test. 300 IN A 192.0.2.2",
		"nomx.test. 300 IN A 192.0.2.9",
		"null.test. 300 IN MX 0 .",
	})
	r, err := dnsclient.New(&dnsclient.Options{Server: addr, Timeout: 2 * time.Second})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	hops, err := LookupNextHops(ctx, r, "example.test", &NextHopOptions{Shuffle: noShuffle})
	require.NoError(t, err)
	require.Equal(t, []string{"mx1.example.test", "mx2.example.test"}, hopHosts(hops))
	require.Len(t, hops[0].Addrs, 2)
	require.Equal(t, "192.0.2.2", hops[1].Addrs[0].String(), "CNAME followed")

	hops, err = LookupNextHops(ctx, r, "nomx.test", nil)
	require.NoError(t, err)
	require.True(t, hops[0].Implicit)
	require.Equal(t, "192.0.2.9", hops[0].Addrs[0].String())

	_, err = LookupNextHops(ctx, r, "null.test", nil)
	require.ErrorIs(t, err, ErrNullMX)
	_, err = LookupNextHops(ctx, r, "missing.test", nil)
	require.ErrorIs(t, err, ErrNoSuchDomain)
}
