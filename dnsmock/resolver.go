package dnsmock

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/yubinmail/yubin/internal/ascii"
)

// MaxCNAMEChain is the number of CNAME records followed before a lookup gives
// up with a temporary failure.
const MaxCNAMEChain = 8

// Resolver is an in-memory resolver. The zero value answers NXDOMAIN for every
// name. Fill the maps before the first lookup; use a pointer, since the query
// log lives inside.
type Resolver struct {
	// TXT maps a name to its TXT records. Each string is one record, its
	// character-strings already joined without spaces.
	TXT map[string][]string
	// MX maps a name to its MX records.
	MX map[string][]*net.MX
	// A maps a name to IPv4 addresses in text form ("192.0.2.1").
	A map[string][]string
	// AAAA maps a name to IPv6 addresses in text form ("2001:db8::1").
	AAAA map[string][]string
	// PTR maps an address, either in text form ("192.0.2.1") or as its
	// reverse name ("1.2.0.192.in-addr.arpa"), to host names.
	PTR map[string][]string
	// CNAME maps an alias to its canonical name. It is followed for every
	// lookup type.
	CNAME map[string]string

	// Fail lists names whose lookups fail with a temporary error, as for
	// SERVFAIL. An entry "name" fails every type; "TYPE name" (for example
	// "TXT example.com" or "PTR 192.0.2.1") fails only that type.
	Fail []string
	// Timeout lists names whose lookups time out, in the same forms as Fail.
	Timeout []string

	mu      sync.Mutex
	queries []Query
	index   *nameIndex // guarded by mu
}

// Query is one logged lookup.
type Query struct {
	Type string // "TXT", "MX", "A", "AAAA" or "PTR"
	Name string // the name asked for, normalised (lower case, no final dot)
}

// String returns "TYPE name".
func (q Query) String() string { return q.Type + " " + q.Name }

// Queries returns a copy of the query log, in order. A LookupIP with network
// "ip" logs two queries, A then AAAA; CNAME hops are not logged separately.
func (r *Resolver) Queries() []Query {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Query(nil), r.queries...)
}

// QueryCount returns the number of queries logged so far.
func (r *Resolver) QueryCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queries)
}

// ResetQueries clears the query log.
func (r *Resolver) ResetQueries() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = nil
}

// LookupTXT returns the TXT records of name.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	target, err := r.resolve(ctx, "TXT", name)
	if err != nil {
		return nil, err
	}
	return append([]string{}, lookup(r.TXT, target)...), nil
}

// LookupMX returns the MX records of name, in the order they were stored.
func (r *Resolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	target, err := r.resolve(ctx, "MX", name)
	if err != nil {
		return nil, err
	}
	out := []*net.MX{}
	for _, mx := range lookup(r.MX, target) {
		c := *mx
		out = append(out, &c)
	}
	return out, nil
}

// LookupIP returns the addresses of name. network is "ip4" (A records),
// "ip6" (AAAA records) or "ip" (both, A first). With "ip", one failing
// query fails the lookup.
func (r *Resolver) LookupIP(ctx context.Context, network, name string) ([]netip.Addr, error) {
	var types []string
	switch network {
	case "ip4":
		types = []string{"A"}
	case "ip6":
		types = []string{"AAAA"}
	case "ip":
		types = []string{"A", "AAAA"}
	default:
		return nil, &net.DNSError{Err: "unsupported network " + network, Name: name}
	}
	out := []netip.Addr{}
	for _, typ := range types {
		target, err := r.resolve(ctx, typ, name)
		if err != nil {
			return nil, err
		}
		m := r.A
		if typ == "AAAA" {
			m = r.AAAA
		}
		for _, s := range lookup(m, target) {
			a, perr := netip.ParseAddr(s)
			if perr != nil {
				return nil, &net.DNSError{Err: "malformed " + typ + " record " + s, Name: name, IsTemporary: true}
			}
			if (typ == "A") != a.Unmap().Is4() {
				return nil, &net.DNSError{Err: "wrong family in " + typ + " record " + s, Name: name, IsTemporary: true}
			}
			out = append(out, a.Unmap())
		}
	}
	return out, nil
}

// LookupAddr returns the PTR names of addr (RFC 1035 section 3.5, RFC 3596
// section 2.5).
func (r *Resolver) LookupAddr(ctx context.Context, addr netip.Addr) ([]string, error) {
	addr = addr.Unmap()
	rev := ReverseName(addr)
	target, err := r.resolve(ctx, "PTR", rev)
	if err != nil {
		return nil, err
	}
	return r.ptrNames(target), nil
}

// ReverseName returns the reverse-mapping name of addr, without a final
// dot: "4.3.2.1.in-addr.arpa" for 1.2.3.4, nibbles under "ip6.arpa" for IPv6.
func ReverseName(addr netip.Addr) string {
	addr = addr.Unmap()
	const hex = "0123456789abcdef"
	var b strings.Builder
	s := addr.AsSlice()
	if addr.Is4() {
		for i := len(s) - 1; i >= 0; i-- {
			b.WriteString(itoa(int(s[i])))
			b.WriteByte('.')
		}
		b.WriteString("in-addr.arpa")
		return b.String()
	}
	for i := len(s) - 1; i >= 0; i-- {
		b.WriteByte(hex[s[i]&0xf])
		b.WriteByte('.')
		b.WriteByte(hex[s[i]>>4])
		b.WriteByte('.')
	}
	b.WriteString("ip6.arpa")
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [3]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// resolve logs the query, applies ctx, Fail and Timeout, follows CNAMEs and
// decides NXDOMAIN. It returns the final name to read records from.
func (r *Resolver) resolve(ctx context.Context, typ, name string) (string, error) {
	return r.follow(ctx, typ, name, nil)
}

// resolveChain is resolve returning every name of the CNAME chain, the
// queried name first and the final target last.
func (r *Resolver) resolveChain(ctx context.Context, typ, name string) ([]string, error) {
	var chain []string
	if _, err := r.follow(ctx, typ, name, &chain); err != nil {
		return nil, err
	}
	return chain, nil
}

// follow is resolve, appending every name of the CNAME chain to *chain
// when chain is not nil.
func (r *Resolver) follow(ctx context.Context, typ, name string, chain *[]string) (string, error) {
	n := normalize(name)
	idx := r.logAndIndex(typ, n)
	if err := ctx.Err(); err != nil {
		return "", &net.DNSError{
			Err: err.Error(), Name: name, UnwrapErr: err,
			IsTimeout: errors.Is(err, context.DeadlineExceeded), IsTemporary: true,
		}
	}
	if chain != nil {
		*chain = append(*chain, n)
	}
	for hop := 0; ; hop++ {
		if err := r.failure(typ, n, name); err != nil {
			return "", err
		}
		next, ok := lookupOne(r.CNAME, n)
		if !ok || next == "" || typ == "CNAME" {
			break
		}
		if hop >= MaxCNAMEChain {
			return "", &net.DNSError{Err: "CNAME chain too long or looping", Name: name, IsTemporary: true}
		}
		n = normalize(next)
		if chain != nil {
			*chain = append(*chain, n)
		}
	}
	if !r.nameExists(idx, n) {
		return "", &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return n, nil
}

// ptrNames returns the PTR names stored for a reverse name, under the
// reverse name itself and under the address in text form.
func (r *Resolver) ptrNames(rev string) []string {
	names := append([]string{}, lookup(r.PTR, rev)...)
	if a, ok := parseReverse(rev); ok {
		names = append(names, lookup(r.PTR, a.String())...)
	}
	return names
}

// parseReverse turns an in-addr.arpa or ip6.arpa name back into an address.
func parseReverse(rev string) (netip.Addr, bool) {
	if s, ok := strings.CutSuffix(rev, ".in-addr.arpa"); ok {
		p := strings.Split(s, ".")
		if len(p) != 4 {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(p[3] + "." + p[2] + "." + p[1] + "." + p[0])
		return a, err == nil && a.Is4()
	}
	if s, ok := strings.CutSuffix(rev, ".ip6.arpa"); ok {
		p := strings.Split(s, ".")
		if len(p) != 32 {
			return netip.Addr{}, false
		}
		var b strings.Builder
		for i := 31; i >= 0; i-- {
			if len(p[i]) != 1 || !isHex(p[i][0]) {
				return netip.Addr{}, false
			}
			b.WriteString(p[i])
			if i%4 == 0 && i > 0 {
				b.WriteByte(':')
			}
		}
		a, err := netip.ParseAddr(b.String())
		return a, err == nil && a.Is6()
	}
	return netip.Addr{}, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (r *Resolver) failure(typ, n, orig string) error {
	match := func(list []string) bool {
		for _, e := range list {
			t, name, ok := strings.Cut(e, " ")
			if !ok {
				name, t = e, ""
			}
			if t != "" && !strings.EqualFold(t, typ) {
				continue
			}
			name = normalize(name)
			if name == n {
				return true
			}
			if typ == "PTR" {
				if a, err := netip.ParseAddr(name); err == nil && ReverseName(a) == n {
					return true
				}
			}
		}
		return false
	}
	if match(r.Timeout) {
		return &net.DNSError{Err: "i/o timeout", Name: orig, IsTimeout: true, IsTemporary: true}
	}
	if match(r.Fail) {
		return &net.DNSError{Err: "server misbehaving", Name: orig, IsTemporary: true}
	}
	return nil
}

// exists reports whether n, or a name below it, has an entry in any map,
// by scanning every key. nameIndex.exists answers the same from an index.
func (r *Resolver) exists(n string) bool {
	found := false
	r.eachName(func(k string, _ int, _ string) {
		if !found && atOrBelow(k, n) {
			found = true
		}
	})
	return found
}

// Map kinds, in the order eachName visits them.
const (
	kindTXT = iota
	kindMX
	kindA
	kindAAAA
	kindCNAME
	kindPTR
)

// eachName calls f with every name that has an entry in a map, normalised
// (PTR keys that are addresses as their reverse names), with the map's kind
// and the key as it is stored.
func (r *Resolver) eachName(f func(name string, kind int, key string)) {
	for k := range r.TXT {
		f(normalize(k), kindTXT, k)
	}
	for k := range r.MX {
		f(normalize(k), kindMX, k)
	}
	for k := range r.A {
		f(normalize(k), kindA, k)
	}
	for k := range r.AAAA {
		f(normalize(k), kindAAAA, k)
	}
	for k := range r.CNAME {
		f(normalize(k), kindCNAME, k)
	}
	for k := range r.PTR {
		n := k
		if a, err := netip.ParseAddr(k); err == nil {
			n = ReverseName(a)
		}
		f(normalize(n), kindPTR, k)
	}
}

// hasKey reports whether the map of the given kind still holds key.
func (r *Resolver) hasKey(kind int, key string) bool {
	var ok bool
	switch kind {
	case kindTXT:
		_, ok = r.TXT[key]
	case kindMX:
		_, ok = r.MX[key]
	case kindA:
		_, ok = r.A[key]
	case kindAAAA:
		_, ok = r.AAAA[key]
	case kindCNAME:
		_, ok = r.CNAME[key]
	case kindPTR:
		_, ok = r.PTR[key]
	}
	return ok
}

// atOrBelow reports whether k is n or a name below it (k == n or k ends
// in "."+n), without building "."+n.
func atOrBelow(k, n string) bool {
	if len(k) == len(n) {
		return k == n
	}
	return len(k) > len(n) && k[len(k)-len(n)-1] == '.' && strings.HasSuffix(k, n)
}

func normalize(name string) string {
	return ascii.Lower(strings.TrimSuffix(name, "."))
}

// lookup returns the values stored under n, comparing keys the way DNS
// does (case-insensitive, optional final dot). When several keys match, the
// lower-case key without a final dot wins.
func lookup[V any](m map[string][]V, n string) []V {
	if v, ok := m[n]; ok {
		return v
	}
	for k, v := range m {
		if normalize(k) == n {
			return v
		}
	}
	return nil
}

func lookupOne(m map[string]string, n string) (string, bool) {
	if v, ok := m[n]; ok {
		return v, true
	}
	for k, v := range m {
		if normalize(k) == n {
			return v, true
		}
	}
	return "", false
}
