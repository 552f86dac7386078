package spf

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/yubinmail/yubin/internal/ascii"
)

// match evaluates one mechanism (RFC 7208 section 5). A non-nil result is
// a final temperror or permerror.
func (e *eval) match(d *Directive, domain string) (bool, *evalResult) {
	switch d.Mechanism {
	case "all":
		return true, nil
	case "ip4", "ip6":
		// Section 5.6: an ip4 network never matches an IPv6 client and
		// the reverse (IPv4-mapped clients were unmapped before).
		return d.Net.Addr().Is4() == e.ip.Is4() && d.Net.Contains(e.ip), nil
	}
	if err := e.countLookup(); err != nil {
		return false, err
	}
	target := domain
	if d.DomainSpec != "" {
		t, ok := e.expandDomain(d.DomainSpec)
		if !ok {
			if d.Mechanism == "include" {
				r := permErr(&SyntaxError{Record: d.DomainSpec, Msg: "include target is not a domain"})
				return false, &r
			}
			// Section 4.3 applied to the target: an unusable name
			// matches nothing.
			return false, e.countVoid()
		}
		target = t
	}
	switch d.Mechanism {
	case "include":
		return e.include(target)
	case "a":
		return e.matchA(target, d.CIDR4, d.CIDR6, true)
	case "mx":
		return e.matchMX(target, d.CIDR4, d.CIDR6)
	case "ptr":
		return e.matchPTR(target)
	case "exists":
		ips, err := e.lookupIP("ip4", target) // section 5.7: always A
		if err != nil && !isNotFound(err) {
			return false, tempErr(err)
		}
		if len(ips) == 0 {
			return false, e.countVoid()
		}
		return true, nil
	}
	r := permErr(fmt.Errorf("spf: unknown mechanism %q", d.Mechanism))
	return false, &r
}

func tempErr(err error) *evalResult {
	return &evalResult{result: TempError, err: dnsErr(err)}
}

// include maps the included result per section 5.2.
func (e *eval) include(target string) (bool, *evalResult) {
	switch r := e.checkHost(target, false); r.result {
	case Pass:
		return true, nil
	case Fail, SoftFail, Neutral:
		return false, nil
	case None:
		p := permErr(fmt.Errorf("%w: include:%s", ErrNoRecord, target))
		return false, &p
	default: // temperror, permerror
		p := r
		return false, &p
	}
}

// matchA looks up the client's address family at target and compares with
// the CIDR lengths (sections 5.3 and 5.6). void selects whether an empty
// answer counts as a void lookup (not for the names an mx found).
func (e *eval) matchA(target string, c4, c6 int, void bool) (bool, *evalResult) {
	network := "ip4"
	bits := c4
	if e.ip.Is6() {
		network, bits = "ip6", c6
	}
	ips, err := e.lookupIP(network, target)
	if err != nil && !isNotFound(err) {
		return false, tempErr(err)
	}
	if len(ips) == 0 && void {
		return false, e.countVoid()
	}
	if bits < 0 {
		bits = e.ip.BitLen()
	}
	for _, a := range ips {
		a = a.Unmap()
		if a.Is4() != e.ip.Is4() {
			continue
		}
		p, err := a.Prefix(bits)
		if err == nil && p.Contains(e.ip) {
			return true, nil
		}
	}
	return false, nil
}

// matchMX implements section 5.4, stopping at the first matching host.
func (e *eval) matchMX(target string, c4, c6 int) (bool, *evalResult) {
	mxs, err := e.lookupMX(target)
	if err != nil && !isNotFound(err) {
		return false, tempErr(err)
	}
	if len(mxs) == 0 {
		return false, e.countVoid()
	}
	if len(mxs) > e.c.maxMX {
		r := permErr(fmt.Errorf("%w: %d names at %s", ErrMXLimit, len(mxs), target))
		return false, &r
	}
	for _, mx := range mxs {
		host := strings.TrimSuffix(mx.Host, ".")
		if host == "" {
			continue // RFC 7505 null MX
		}
		ok, r := e.matchA(host, c4, c6, false)
		if r != nil || ok {
			return ok, r
		}
	}
	return false, nil
}

// matchPTR implements section 5.5. Only PTR names equal to or below target
// are validated, so names that cannot match cost no queries.
func (e *eval) matchPTR(target string) (bool, *evalResult) {
	names, void := e.ptrNames()
	if void {
		if r := e.countVoid(); r != nil {
			return false, r
		}
	}
	for _, n := range names {
		if !isSubdomain(n, target) {
			continue
		}
		if e.validates(n) {
			return true, nil
		}
	}
	return false, nil
}

func isSubdomain(name, parent string) bool {
	name, parent = ascii.Lower(name), ascii.Lower(parent)
	return name == parent || strings.HasSuffix(name, "."+parent)
}

// ptrNames returns the first MaxPTRNames names of the client's PTR
// records (section 4.6.4), lower case without the final dot. A DNS error
// gives no names (section 5.5); void reports NXDOMAIN or an empty answer.
func (e *eval) ptrNames() (names []string, void bool) {
	list, err := e.lookupAddr()
	if err != nil {
		return nil, isNotFound(err)
	}
	if len(list) == 0 {
		return nil, true
	}
	for _, n := range list {
		if len(names) == e.c.max {
			break
		}
		names = append(names, ascii.Lower(strings.TrimSuffix(n, ".")))
	}
	return names, false
}

// validates reports whether name resolves back to the client IP (forward
// confirmation of section 5.5). Errors just fail the validation.
func (e *eval) validates(name string) bool {
	network := "ip4"
	if e.ip.Is6() {
		network = "ip6"
	}
	ips, err := e.lookupIP(network, name)
	if err != nil {
		return false
	}
	for _, a := range ips {
		if a.Unmap() == e.ip {
			return true
		}
	}
	return false
}

// validatedName is the %{p} macro (section 7.3): the current domain if it
// validates, else a validated subdomain of it, else any validated name,
// else "unknown". It is computed once per check.
func (e *eval) validatedName() string {
	if e.pDone {
		return e.pName
	}
	e.pDone, e.pName = true, "unknown"
	names, _ := e.ptrNames()
	d := ascii.Lower(e.env.domain)
	for _, pass := range []func(string) bool{
		func(n string) bool { return n == d },
		func(n string) bool { return isSubdomain(n, d) },
		func(string) bool { return true },
	} {
		for _, n := range names {
			if pass(n) && e.validates(n) {
				e.pName = n
				return n
			}
		}
	}
	return e.pName
}

// memoKind tells memoised lookups apart.
type memoKind uint8

const (
	memoTXT memoKind = iota
	memoMX
	memoIP4
	memoIP6
	memoPTR
)

// memoEntry is one memoised DNS answer.
type memoEntry struct {
	kind memoKind
	name string
	strs []string // TXT records or PTR names
	mx   []*net.MX
	ips  []netip.Addr
	err  error
}

// memoized runs q once per (kind, name) within a check and counts the
// queries. A check makes few lookups (at most about 120, see
// TestQueriesBounded), so a slice scanned linearly beats a map.
func (e *eval) memoized(kind memoKind, name string, q func() memoEntry) *memoEntry {
	for i := range e.nmemo {
		if m := &e.memo[i]; m.kind == kind && m.name == name {
			return m
		}
	}
	for i := range e.memoMore {
		if m := &e.memoMore[i]; m.kind == kind && m.name == name {
			return m
		}
	}
	e.queries++
	m := q()
	m.kind, m.name = kind, name
	if e.nmemo < len(e.memo) {
		e.memo[e.nmemo] = m
		e.nmemo++
		return &e.memo[e.nmemo-1]
	}
	e.memoMore = append(e.memoMore, m)
	return &e.memoMore[len(e.memoMore)-1]
}

func (e *eval) lookupTXT(name string) ([]string, error) {
	m := e.memoized(memoTXT, ascii.Lower(name), func() memoEntry {
		v, err := e.c.res.LookupTXT(e.ctx, name)
		return memoEntry{strs: v, err: err}
	})
	return m.strs, m.err
}

func (e *eval) lookupMX(name string) ([]*net.MX, error) {
	m := e.memoized(memoMX, ascii.Lower(name), func() memoEntry {
		v, err := e.c.res.LookupMX(e.ctx, name)
		return memoEntry{mx: v, err: err}
	})
	return m.mx, m.err
}

func (e *eval) lookupIP(network, name string) ([]netip.Addr, error) {
	kind := memoIP4
	if network == "ip6" {
		kind = memoIP6
	}
	m := e.memoized(kind, ascii.Lower(name), func() memoEntry {
		v, err := e.c.res.LookupIP(e.ctx, network, name)
		return memoEntry{ips: v, err: err}
	})
	return m.ips, m.err
}

func (e *eval) lookupAddr() ([]string, error) {
	m := e.memoized(memoPTR, "", func() memoEntry {
		v, err := e.c.res.LookupAddr(e.ctx, e.ip)
		return memoEntry{strs: v, err: err}
	})
	return m.strs, m.err
}
