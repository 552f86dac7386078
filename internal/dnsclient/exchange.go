package dnsclient

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// entry is one answer as kept in the cache.
type entry struct {
	rcode  int
	answer []dns.RR
	ad     bool
	cached bool
}

// query answers one (name, qtype) from the cache or the network.
func (c *Client) query(ctx context.Context, name string, qtype uint16) (*entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, ctxError(err, name)
	}
	key := cacheKey{name: name, qtype: qtype}
	if c.cache != nil {
		if e, ok := c.cache.get(key, c.now()); ok {
			cp := *e
			cp.cached = true
			return &cp, nil
		}
	}
	// Concurrent identical queries share one exchange.
	c.mu.Lock()
	if f, ok := c.flights[key]; ok {
		f.waiters++
		if f.done == nil {
			f.done = make(chan struct{})
		}
		done := f.done
		c.mu.Unlock()
		select {
		case <-done:
			if !f.leaderCancelled {
				return f.e, copyErr(f.err)
			}
			// The first caller gave up; ask for ourselves.
			return c.fetch(ctx, key)
		case <-ctx.Done():
			return nil, ctxError(ctx.Err(), name)
		}
	}
	f := &flight{}
	c.flights[key] = f
	c.mu.Unlock()
	f.e, f.err = c.fetch(ctx, key)
	f.leaderCancelled = ctx.Err() != nil
	c.mu.Lock()
	delete(c.flights, key)
	if f.done != nil {
		close(f.done) // the results above happen before the waiters read them
	}
	c.mu.Unlock()
	return f.e, copyErr(f.err)
}

// flight is one exchange in progress, shared by identical queries.
type flight struct {
	done            chan struct{} // made by the first waiter; guarded by Client.mu
	e               *entry
	err             error
	leaderCancelled bool
	waiters         int // guarded by Client.mu; for tests
}

// copyErr gives each caller its own *net.DNSError, which Lookup edits.
func copyErr(err error) error {
	if err == nil {
		return nil
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		cp := *de
		return &cp
	}
	return err
}

// fetch asks the network and fills the cache.
func (c *Client) fetch(ctx context.Context, key cacheKey) (*entry, error) {
	m, err := c.exchange(ctx, key.name, key.qtype)
	if err != nil {
		return nil, err
	}
	e := &entry{rcode: m.Rcode, answer: m.Answer, ad: m.AuthenticatedData}
	if c.cache != nil {
		if ttl, ok := cacheTTL(m, c.cache); ok {
			c.cache.put(key, e, c.now().Add(ttl))
		}
	}
	return e, nil
}

// exchange sends the query to each server in turn, for c.attempts rounds,
// and returns the first NOERROR or NXDOMAIN answer.
func (c *Client) exchange(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	var last error
	for range c.attempts {
		for _, server := range c.servers {
			m, err := c.exchangeServer(ctx, server, name, qtype)
			if err == nil {
				return m, nil
			}
			if err := ctxDone(ctx); err != nil {
				return nil, ctxError(err, name)
			}
			c.log.Debug("dnsclient: query failed", "server", server, "name", name,
				"type", dns.TypeToString[qtype], "err", err)
			last = err
		}
	}
	var de *net.DNSError
	if errors.As(last, &de) {
		return nil, de
	}
	var ne net.Error
	timeout := errors.As(last, &ne) && ne.Timeout()
	msg := "no answer"
	if last != nil {
		msg = last.Error()
	}
	return nil, &net.DNSError{Err: msg, Name: name, IsTemporary: true, IsTimeout: timeout, UnwrapErr: last}
}

// exchangeServer asks one server: UDP with EDNS0, TCP when truncated, and
// without EDNS0 when the server rejects it. The attempt ends at the deadline
// of ctx or after c.timeout, whichever comes first.
func (c *Client) exchangeServer(ctx context.Context, server, name string, qtype uint16) (*dns.Msg, error) {
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	edns := true
	m, err := c.exchangeUDP(ctx, server, name, qtype, edns, deadline)
	if err == nil && rejectsEDNS(m) {
		// RFC 6891 section 7: a server that does not know EDNS0.
		edns = false
		m, err = c.exchangeUDP(ctx, server, name, qtype, edns, deadline)
	}
	if err != nil {
		return nil, err
	}
	if m.Truncated {
		// RFC 7766 section 5: retry over TCP.
		if m, err = c.exchangeTCP(ctx, server, name, qtype, edns, deadline); err != nil {
			return nil, err
		}
		if m.Truncated {
			return nil, &net.DNSError{Err: "truncated answer over TCP", Name: name, Server: server, IsTemporary: true}
		}
	}
	switch m.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
		return m, nil
	default:
		return nil, &net.DNSError{Err: "server answered " + dns.RcodeToString[m.Rcode],
			Name: name, Server: server, IsTemporary: true}
	}
}

// rejectsEDNS reports an answer to an EDNS0 query from a server that does
// not know EDNS0 (RFC 6891 section 7).
func rejectsEDNS(m *dns.Msg) bool {
	return (m.Rcode == dns.RcodeFormatError || m.Rcode == dns.RcodeNotImplemented) && m.IsEdns0() == nil
}

// exchangeTCP is the TCP retry: a fresh connection through miekg/dns,
// bounded by deadline and closed at once when ctx is cancelled.
func (c *Client) exchangeTCP(ctx context.Context, server, name string, qtype uint16, edns bool, deadline time.Time) (*dns.Msg, error) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	m, err := c.roundTrip(ctx, c.tcp, c.newQuery(name, qtype, edns), server)
	if err == nil && edns && rejectsEDNS(m) {
		m, err = c.roundTrip(ctx, c.tcp, c.newQuery(name, qtype, false), server)
	}
	return m, err
}

func (c *Client) newQuery(name string, qtype uint16, edns bool) *dns.Msg {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = true
	q.AuthenticatedData = true // RFC 6840 section 5.7
	if edns {
		q.SetEdns0(c.udpSize, c.dnssec)
	}
	return q
}

// roundTrip performs one exchange on a fresh connection that is closed at
// once when ctx is cancelled, and checks that the answer matches.
func (c *Client) roundTrip(ctx context.Context, cl *dns.Client, q *dns.Msg, server string) (*dns.Msg, error) {
	conn, err := cl.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	m, _, err := cl.ExchangeWithConnContext(ctx, q, conn)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, ctxError(cerr, q.Question[0].Name)
		}
		return nil, err
	}
	if err := checkAnswer(m, q.Question[0].Name, q.Question[0].Qtype, server); err != nil {
		return nil, err
	}
	return m, nil
}

// checkAnswer checks that m answers the question (name, qtype).
func checkAnswer(m *dns.Msg, name string, qtype uint16, server string) error {
	if !m.Response || len(m.Question) != 1 || m.Question[0].Qtype != qtype ||
		!strings.EqualFold(m.Question[0].Name, name) {
		return &net.DNSError{Err: "answer does not match the question",
			Name: name, Server: server, IsTemporary: true}
	}
	return nil
}

// ctxDone returns ctx.Err(), or context.DeadlineExceeded when the deadline
// has passed but the ctx timer has not fired yet (a socket read deadline set
// to the ctx deadline can expire first).
func ctxDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func ctxError(err error, name string) error {
	return &net.DNSError{Err: err.Error(), Name: name, UnwrapErr: err,
		IsTimeout: errors.Is(err, context.DeadlineExceeded), IsTemporary: true}
}

// cacheTTL returns how long m may be cached: the smallest TTL of the
// answer, or for NXDOMAIN and NODATA the smaller of the SOA's TTL and its
// MINIMUM field (RFC 2308 section 5). Without a SOA a negative answer is not
// cached (RFC 2308 section 5, last paragraph).
func cacheTTL(m *dns.Msg, ca *cache) (time.Duration, bool) {
	var ttl uint32
	negative := m.Rcode == dns.RcodeNameError || len(m.Answer) == 0
	if negative {
		found := false
		for _, rr := range m.Ns {
			if soa, ok := rr.(*dns.SOA); ok {
				ttl = min(soa.Hdr.Ttl, soa.Minttl)
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	} else {
		ttl = m.Answer[0].Header().Ttl
		for _, rr := range m.Answer[1:] {
			ttl = min(ttl, rr.Header().Ttl)
		}
	}
	if ttl == 0 {
		return 0, false
	}
	d := time.Duration(ttl) * time.Second
	if negative {
		return min(d, ca.maxNeg), true
	}
	return min(d, ca.maxTTL), true
}
