package spfbench

import (
	"context"
	"net"
	"net/netip"
	"testing"

	blitiri "blitiri.com.ar/go/spf"
	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
	"github.com/yubinmail/yubin/spf"
)

// mockForBlitiri adapts the in-memory dnsmock.Resolver to blitiri's
// DNSResolver, so that both libraries can be measured without the
// network: what is left is the cost of evaluating the policy.
type mockForBlitiri struct{ r *dnsmock.Resolver }

func (m mockForBlitiri) LookupTXT(ctx context.Context, n string) ([]string, error) {
	return m.r.LookupTXT(ctx, n)
}
func (m mockForBlitiri) LookupMX(ctx context.Context, n string) ([]*net.MX, error) {
	return m.r.LookupMX(ctx, n)
}
func (m mockForBlitiri) LookupIPAddr(ctx context.Context, n string) ([]net.IPAddr, error) {
	ips, err := m.r.LookupIP(ctx, "ip", n)
	out := make([]net.IPAddr, 0, len(ips))
	for _, a := range ips {
		out = append(out, net.IPAddr{IP: a.AsSlice()})
	}
	return out, err
}
func (m mockForBlitiri) LookupAddr(ctx context.Context, a string) ([]string, error) {
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return nil, &net.DNSError{Err: "bad address", Name: a}
	}
	return m.r.LookupAddr(ctx, ip)
}

// TestSameResultsInMemory is TestSameResultsFewerQueries without the network.
func TestSameResultsInMemory(t *testing.T) {
	mock := zone()
	ours := spf.NewChecker(&spf.Options{Resolver: mock})
	for _, c := range cases {
		mock.ResetQueries()
		o := ours.CheckMailFrom(context.Background(), netip.MustParseAddr(c.ip), c.helo, c.sender)
		n := mock.QueryCount()
		mock.ResetQueries()
		r, _ := blitiri.CheckHostWithSender(net.ParseIP(c.ip), c.helo, c.sender, blitiri.WithResolver(mockForBlitiri{mock}))
		require.Equal(t, c.want, o.Result, c.name)
		require.Equal(t, c.want, spf.Result(r), c.name)
		require.LessOrEqual(t, n, mock.QueryCount(), c.name)
	}
}

// BenchmarkSPFMem measures the evaluation alone, with an in-memory
// resolver (the mock's map scans are shared by both sides).
func BenchmarkSPFMem(b *testing.B) {
	mock := zone()
	ours := spf.NewChecker(&spf.Options{Resolver: mock})
	peer := mockForBlitiri{mock}
	for _, c := range cases {
		ip, nip := netip.MustParseAddr(c.ip), net.ParseIP(c.ip)
		b.Run(c.name+"/yubin", func(b *testing.B) {
			mock.ResetQueries()
			b.ReportAllocs()
			for b.Loop() {
				if o := ours.CheckMailFrom(context.Background(), ip, c.helo, c.sender); o.Result != c.want {
					b.Fatalf("got %s", o.Result)
				}
			}
			b.ReportMetric(float64(mock.QueryCount())/float64(b.N), "queries/op")
		})
		b.Run(c.name+"/blitiri", func(b *testing.B) {
			mock.ResetQueries()
			b.ReportAllocs()
			for b.Loop() {
				if r, _ := blitiri.CheckHostWithSender(nip, c.helo, c.sender, blitiri.WithResolver(peer)); spf.Result(r) != c.want {
					b.Fatalf("got %s", r)
				}
			}
			b.ReportMetric(float64(mock.QueryCount())/float64(b.N), "queries/op")
		})
	}
}
