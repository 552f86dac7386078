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
			m := newQueryMeter(mock)
			b.ReportAllocs()
			for b.Loop() {
				if o := ours.CheckMailFrom(context.Background(), ip, c.helo, c.sender); o.Result != c.want {
					b.Fatalf("got %s", o.Result)
				}
				m.tick()
			}
			m.report(b)
		})
		b.Run(c.name+"/blitiri", func(b *testing.B) {
			m := newQueryMeter(mock)
			b.ReportAllocs()
			for b.Loop() {
				if r, _ := blitiri.CheckHostWithSender(nip, c.helo, c.sender, blitiri.WithResolver(peer)); spf.Result(r) != c.want {
					b.Fatalf("got %s", r)
				}
				m.tick()
			}
			m.report(b)
		})
	}
}

// queryMeter counts a mock's queries over a benchmark. It empties the
// mock's query log every 1024 checks, so that the log does not grow with
// b.N and make garbage collection part of what is measured.
type queryMeter struct {
	mock     *dnsmock.Resolver
	n, total int
}

func newQueryMeter(mock *dnsmock.Resolver) *queryMeter {
	if mock != nil {
		mock.ResetQueries()
	}
	return &queryMeter{mock: mock}
}

func (m *queryMeter) tick() {
	if m.n++; m.mock != nil && m.n%1024 == 0 {
		m.total += m.mock.QueryCount()
		m.mock.ResetQueries()
	}
}

// report adds the queries/op metric; a nil mock counts nothing.
func (m *queryMeter) report(b *testing.B) {
	if m.mock != nil {
		b.ReportMetric(float64(m.total+m.mock.QueryCount())/float64(b.N), "queries/op")
	}
}
