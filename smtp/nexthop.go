package smtp

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// MXResolver is the DNS that next-hop resolution needs. Its methods follow
// the convention of dnsmock and the default resolver: records found give
// (records, nil); a name without records of the type gives (nil, nil); a name
// that does not exist gives a *net.DNSError with IsNotFound set; a temporary
// failure gives a *net.DNSError with IsTemporary or IsTimeout set.
type MXResolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIP(ctx context.Context, network, name string) ([]netip.Addr, error)
}

// NextHop is one host to try when delivering to a domain.
type NextHop struct {
	Host     string       // the MX host name (an A-label), or the domain itself
	Pref     uint16       // MX preference; 0 for an implicit MX
	Implicit bool         // true when the domain has no MX and its own address is used
	Addrs    []netip.Addr // the host's addresses, in the order to try
	// Err is set when the host's addresses could not be resolved; delivery
	// moves on to the next host.
	Err error
}

// NextHopOptions controls LookupNextHops. A nil pointer means the defaults.
type NextHopOptions struct {
	// LocalNames are this host's own names. MX records at or above the
	// preference of one of them are dropped (RFC 5321 section 5.1), so that a
	// backup MX does not deliver to itself. Default: none.
	LocalNames []string
	// MaxHosts bounds the number of MX hosts used. Default: 10.
	MaxHosts int
	// Network restricts addresses: "ip" (default), "ip4" or "ip6".
	Network string
	// Shuffle orders hosts of equal preference. Default: a random shuffle,
	// as RFC 5321 section 5.1 asks.
	Shuffle func(hops []NextHop)
}

// Next-hop errors. They are *Error values, so that a delivery attempt can
// report the code to use in a bounce, and they work with errors.Is.
var (
	// ErrNoSuchDomain: the domain does not exist (NXDOMAIN).
	ErrNoSuchDomain = &Error{Code: 550, EnhancedCode: code(5, 1, 2),
		Message: "recipient domain does not exist"}
	// ErrNullMX: the domain publishes a null MX and accepts no mail (RFC 7505).
	ErrNullMX = &Error{Code: 556, EnhancedCode: code(5, 1, 10),
		Message: "recipient domain accepts no mail (null MX)"}
	// ErrDNSTemporary: the MX lookup failed temporarily.
	ErrDNSTemporary = &Error{Code: 451, EnhancedCode: code(4, 4, 3),
		Message: "temporary DNS failure looking up the recipient domain"}
	// ErrNoHosts: no usable host is left (all were local, or had no address).
	ErrNoHosts = &Error{Code: 451, EnhancedCode: code(4, 4, 4),
		Message: "no usable mail exchanger for the recipient domain"}
	// ErrBadDomain: the domain is not a valid host name or address literal.
	ErrBadDomain = &Error{Code: 553, EnhancedCode: code(5, 1, 2),
		Message: "invalid recipient domain"}
)

// LookupNextHops returns the hosts to try for mail to domain, in order: MX
// records sorted by preference with equal preferences shuffled, or the
// domain itself when it has no MX (the implicit MX of RFC 5321 section 5.1).
// An IDN domain is converted to its A-label first; an address literal such
// as "[192.0.2.1]" or "[IPv6:2001:db8::1]" is returned as the only hop.
// Addresses of each host are resolved; CNAMEs are followed by the resolver.
func LookupNextHops(ctx context.Context, r MXResolver, domain string, opts *NextHopOptions) ([]NextHop, error) {
	if opts == nil {
		opts = &NextHopOptions{}
	}
	if strings.HasPrefix(domain, "[") {
		addr, err := parseAddressLiteral(domain)
		if err != nil {
			return nil, err
		}
		return []NextHop{{Host: domain, Implicit: true, Addrs: []netip.Addr{addr}}}, nil
	}
	ascii, err := idna.Lookup.ToASCII(strings.TrimSuffix(domain, "."))
	if err != nil || !validHostname(ascii) {
		return nil, ErrBadDomain
	}
	mxs, err := r.LookupMX(ctx, ascii)
	if err != nil {
		return nil, classifyDNSError(ctx, err)
	}
	hops, err := mxHops(ascii, mxs, opts)
	if err != nil {
		return nil, err
	}
	network := opts.Network
	if network == "" {
		network = "ip"
	}
	usable := 0
	for i := range hops {
		addrs, err := r.LookupIP(ctx, network, hops[i].Host)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			hops[i].Err = classifyDNSError(ctx, err)
		case len(addrs) == 0:
			hops[i].Err = ErrNoHosts
		default:
			hops[i].Addrs = addrs
			usable++
		}
	}
	if usable == 0 {
		// With an implicit MX, a missing domain address is final only when
		// the name itself does not exist.
		if len(hops) == 1 && hops[0].Implicit && errors.Is(hops[0].Err, ErrNoSuchDomain) {
			return nil, ErrNoSuchDomain
		}
		if len(hops) > 0 && hops[0].Err != nil && errors.Is(hops[0].Err, ErrDNSTemporary) {
			return hops, ErrDNSTemporary
		}
		return hops, ErrNoHosts
	}
	return hops, nil
}

// mxHops turns MX records into ordered hops, applying the null MX, local
// name and host count rules.
func mxHops(domain string, mxs []*net.MX, opts *NextHopOptions) ([]NextHop, error) {
	if len(mxs) == 0 {
		return []NextHop{{Host: domain, Implicit: true}}, nil
	}
	var hops []NextHop
	nullMX := false
	for _, mx := range mxs {
		host := strings.ToLower(strings.TrimSuffix(mx.Host, "."))
		if host == "" {
			// RFC 7505 section 3: a single MX of "." at any preference.
			nullMX = true
			continue
		}
		hops = append(hops, NextHop{Host: host, Pref: mx.Pref})
	}
	if len(hops) == 0 && nullMX {
		return nil, ErrNullMX
	}
	slices.SortStableFunc(hops, func(a, b NextHop) int { return int(a.Pref) - int(b.Pref) })
	shuffle := opts.Shuffle
	if shuffle == nil {
		shuffle = shuffleEqualPrefs
	}
	shuffle(hops)
	// RFC 5321 section 5.1: if this host is one of the MXs, drop it and
	// every MX of the same or a worse preference.
	for i, h := range hops {
		if slices.ContainsFunc(opts.LocalNames, func(n string) bool {
			return strings.EqualFold(strings.TrimSuffix(n, "."), h.Host)
		}) {
			hops = hops[:i]
			for len(hops) > 0 && hops[len(hops)-1].Pref >= h.Pref {
				hops = hops[:len(hops)-1]
			}
			if len(hops) == 0 {
				return nil, ErrNoHosts
			}
			break
		}
	}
	max := opts.MaxHosts
	if max <= 0 {
		max = 10
	}
	if len(hops) > max {
		hops = hops[:max]
	}
	return hops, nil
}

// shuffleEqualPrefs shuffles each run of hops that share a preference.
func shuffleEqualPrefs(hops []NextHop) {
	for i := 0; i < len(hops); {
		j := i + 1
		for j < len(hops) && hops[j].Pref == hops[i].Pref {
			j++
		}
		run := hops[i:j]
		rand.Shuffle(len(run), func(a, b int) { run[a], run[b] = run[b], run[a] })
		i = j
	}
}

func classifyDNSError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return ErrNoSuchDomain
	}
	return ErrDNSTemporary
}

// parseAddressLiteral parses "[192.0.2.1]" and "[IPv6:2001:db8::1]"
// (RFC 5321 section 4.1.3).
func parseAddressLiteral(s string) (netip.Addr, error) {
	inner, ok := strings.CutSuffix(strings.TrimPrefix(s, "["), "]")
	if !ok {
		return netip.Addr{}, ErrBadDomain
	}
	if v6, ok := cutPrefixFold(inner, "IPv6:"); ok {
		a, err := netip.ParseAddr(v6)
		if err != nil || !a.Is6() {
			return netip.Addr{}, ErrBadDomain
		}
		return a, nil
	}
	a, err := netip.ParseAddr(inner)
	if err != nil || !a.Is4() {
		return netip.Addr{}, ErrBadDomain
	}
	return a, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// validHostname checks the RFC 1035 section 2.3.4 sizes: labels of 1 to 63
// octets, at most 253 in all.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
	}
	return true
}
