package dnsclient

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// LookupTXT returns the TXT records of name, each record's strings joined
// without spaces (RFC 7208 section 3.3).
func (c *Client) LookupTXT(ctx context.Context, name string) ([]string, error) {
	var res Result
	if err := c.lookup(ctx, name, dns.TypeTXT, &res); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(res.Records))
	for _, rr := range res.Records {
		if t, ok := rr.(*dns.TXT); ok {
			if len(t.Txt) == 1 && strings.IndexByte(t.Txt[0], '\\') < 0 {
				out = append(out, t.Txt[0]) // nothing to join or unescape
				continue
			}
			var b strings.Builder
			for _, part := range t.Txt {
				unescapeTXT(&b, part)
			}
			out = append(out, b.String())
		}
	}
	return out, nil
}

// unescapeTXT writes the octets of a character-string that miekg/dns holds
// in presentation form (\DDD and \X escapes, RFC 1035 section 5.1).
func unescapeTXT(b *strings.Builder, s string) {
	if strings.IndexByte(s, '\\') < 0 {
		b.WriteString(s)
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n <= 255 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		i++
		b.WriteByte(s[i])
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// LookupMX returns the MX records of name sorted by preference (stable for
// equal preferences). Host names are fully qualified, with the final dot.
func (c *Client) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	var res Result
	if err := c.lookup(ctx, name, dns.TypeMX, &res); err != nil {
		return nil, err
	}
	out := make([]*net.MX, 0, len(res.Records))
	for _, rr := range res.Records {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, &net.MX{Host: mx.Mx, Pref: mx.Preference})
		}
	}
	slices.SortStableFunc(out, func(a, b *net.MX) int { return int(a.Pref) - int(b.Pref) })
	return out, nil
}

// LookupIP returns the addresses of name: A records for network "ip4", AAAA
// for "ip6", both (queried in parallel, IPv4 first) for "ip". With "ip" the
// lookup succeeds when either query does; NXDOMAIN or a failure is returned
// only when both fail, the temporary failure taking precedence.
func (c *Client) LookupIP(ctx context.Context, network, name string) ([]netip.Addr, error) {
	switch network {
	case "ip4":
		return c.lookupAddrs(ctx, name, dns.TypeA)
	case "ip6":
		return c.lookupAddrs(ctx, name, dns.TypeAAAA)
	case "ip":
	default:
		return nil, &net.DNSError{Err: "unsupported network " + network, Name: name}
	}
	var (
		wg         sync.WaitGroup
		v4, v6     []netip.Addr
		err4, err6 error
	)
	wg.Go(func() { v4, err4 = c.lookupAddrs(ctx, name, dns.TypeA) })
	v6, err6 = c.lookupAddrs(ctx, name, dns.TypeAAAA)
	wg.Wait()
	switch {
	case err4 == nil && err6 == nil:
		return append(v4, v6...), nil
	case err4 == nil && len(v4) > 0:
		return v4, nil
	case err6 == nil && len(v6) > 0:
		return v6, nil
	}
	for _, err := range []error{err4, err6} {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsTemporary {
			return nil, err
		}
	}
	if err4 != nil {
		return nil, err4
	}
	return nil, err6
}

func (c *Client) lookupAddrs(ctx context.Context, name string, qtype uint16) ([]netip.Addr, error) {
	var res Result
	if err := c.lookup(ctx, name, qtype, &res); err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(res.Records))
	for _, rr := range res.Records {
		var ip net.IP
		switch r := rr.(type) {
		case *dns.A:
			ip = r.A
		case *dns.AAAA:
			ip = r.AAAA
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			if qtype == dns.TypeA {
				a = a.Unmap()
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// LookupAddr returns the PTR names of addr (RFC 1035 section 3.5, RFC 3596
// section 2.5), fully qualified with the final dot. An IPv4-mapped IPv6
// address is looked up as IPv4.
func (c *Client) LookupAddr(ctx context.Context, addr netip.Addr) ([]string, error) {
	rev, err := dns.ReverseAddr(addr.Unmap().String())
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: addr.String()}
	}
	var res Result
	if err := c.lookup(ctx, rev, dns.TypePTR, &res); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(res.Records))
	for _, rr := range res.Records {
		if p, ok := rr.(*dns.PTR); ok {
			out = append(out, p.Ptr)
		}
	}
	return out, nil
}
