package dnsmock

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Server serves a Resolver's records over real DNS on loopback, UDP and
// TCP on the same port, for tests of programs that take a DNS server
// address (such as the -dns flag of Yubin's example tools). Each question
// is answered like a recursive resolver would: CNAME chains in the answer,
// NXDOMAIN and NODATA with a SOA for negative caching, SERVFAIL for names
// in Fail, and no answer at all for names in Timeout. Queries are logged in
// the Resolver's query log. TXT records longer than 255 octets are split
// into several character-strings. UDP queries are answered one at a time,
// in the loop that reads them (the answers come from memory); an answer too
// long for UDP is truncated, and the client gets it over TCP.
type Server struct {
	// Addr is the host:port the server listens on.
	Addr string

	res  *Resolver
	ttl  uint32
	udp  net.PacketConn
	tcp  *dns.Server
	done sync.WaitGroup
}

// NewServer starts a Server for r on 127.0.0.1 with a random port. ttl is
// the TTL of every record (0 means 60 seconds). Close it when done.
func NewServer(r *Resolver, ttl uint32) (*Server, error) {
	if ttl == 0 {
		ttl = 60
	}
	s := &Server{res: r, ttl: ttl}
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for range 20 {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		return nil, err
	}
	s.Addr = pc.LocalAddr().String()
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	s.udp = pc
	s.tcp = &dns.Server{Listener: ln, Handler: s, NotifyStartedFunc: notify}
	s.done.Add(2)
	go s.serveUDP(pc)
	go func() {
		defer s.done.Done()
		_ = s.tcp.ActivateAndServe()
	}()
	<-started
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	err := errors.Join(s.udp.Close(), s.tcp.Shutdown())
	s.done.Wait()
	return err
}

// ServeDNS answers one query; it implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if m := s.reply(req, w.LocalAddr().Network() == "udp"); m != nil {
		_ = w.WriteMsg(m)
	}
}

// reply returns the answer to req, or nil for no answer at all.
func (s *Server) reply(req *dns.Msg, udp bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		return m
	}
	q := req.Question[0]
	typ := dns.TypeToString[q.Qtype]
	if typ == "" {
		typ = "TYPE" + itoa(int(q.Qtype))
	}
	chain, err := s.res.resolveChain(context.Background(), typ, unescapeName(q.Name))
	var de *net.DNSError
	switch {
	case err == nil:
		s.answer(m, chain, q.Qtype)
	case errors.As(err, &de) && de.IsTimeout:
		return nil // no answer: the client times out
	case errors.As(err, &de) && de.IsNotFound:
		m.Rcode = dns.RcodeNameError
	default:
		m.Rcode = dns.RcodeServerFailure
	}
	if len(m.Answer) == 0 && m.Rcode != dns.RcodeServerFailure {
		m.Ns = append(m.Ns, &dns.SOA{
			Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: s.ttl},
			Ns:  "ns.invalid.", Mbox: "hostmaster.invalid.", Serial: 1,
			Refresh: 3600, Retry: 600, Expire: 86400, Minttl: s.ttl,
		})
	}
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), false)
	}
	if udp {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	return m
}

// serveUDP answers the queries on pc one at a time, in the read loop:
// answers come from memory, so a goroutine per query would only add a
// hand-off between threads to every exchange.
func (s *Server) serveUDP(pc net.PacketConn) {
	defer s.done.Done()
	buf := make([]byte, 65535)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		req := new(dns.Msg)
		if req.Unpack(buf[:n]) != nil {
			continue
		}
		m := s.reply(req, true)
		if m == nil {
			continue
		}
		if out, err := m.Pack(); err == nil {
			_, _ = pc.WriteTo(out, addr)
		}
	}
}

func (s *Server) answer(m *dns.Msg, chain []string, qtype uint16) {
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: dns.Fqdn(escapeName(name)), Rrtype: t, Class: dns.ClassINET, Ttl: s.ttl}
	}
	for i := 0; i+1 < len(chain); i++ {
		m.Answer = append(m.Answer, &dns.CNAME{Hdr: hdr(chain[i], dns.TypeCNAME), Target: dns.Fqdn(escapeName(chain[i+1]))})
	}
	n := chain[len(chain)-1]
	r := s.res
	switch qtype {
	case dns.TypeTXT:
		for _, t := range lookup(r.TXT, n) {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr(n, dns.TypeTXT), Txt: splitTXT(t)})
		}
	case dns.TypeMX:
		for _, mx := range lookup(r.MX, n) {
			m.Answer = append(m.Answer, &dns.MX{Hdr: hdr(n, dns.TypeMX), Preference: mx.Pref, Mx: dns.Fqdn(mx.Host)})
		}
	case dns.TypeA, dns.TypeAAAA:
		src := r.A
		if qtype == dns.TypeAAAA {
			src = r.AAAA
		}
		for _, a := range lookup(src, n) {
			ip := net.ParseIP(a)
			if ip == nil {
				continue
			}
			if qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: hdr(n, dns.TypeA), A: ip.To4()})
			} else {
				m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr(n, dns.TypeAAAA), AAAA: ip})
			}
		}
	case dns.TypePTR:
		for _, p := range r.ptrNames(n) {
			m.Answer = append(m.Answer, &dns.PTR{Hdr: hdr(n, dns.TypePTR), Ptr: dns.Fqdn(p)})
		}
	case dns.TypeCNAME:
		if t, ok := lookupOne(r.CNAME, n); ok {
			m.Answer = append(m.Answer, &dns.CNAME{Hdr: hdr(n, dns.TypeCNAME), Target: dns.Fqdn(t)})
		}
	}
}

// unescapeName turns a name in miekg/dns presentation form (\X and \DDD
// escapes) back into its raw octets.
func unescapeName(name string) string {
	if strings.IndexByte(name, '\\') < 0 {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '\\' || i+1 == len(name) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(name) && isDigit(name[i+1]) && isDigit(name[i+2]) && isDigit(name[i+3]) {
			b.WriteByte((name[i+1]-'0')*100 + (name[i+2]-'0')*10 + (name[i+3] - '0'))
			i += 3
			continue
		}
		i++
		b.WriteByte(name[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// escapeName is the reverse of unescapeName, with the escapes miekg/dns
// itself writes: a backslash before space and '@;()"\, \DDD for other
// octets outside printable ASCII.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == ' ' || strings.IndexByte(`'@;()"\`, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteString(escapeByte(c))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func escapeByte(c byte) string {
	return string([]byte{'\\', '0' + c/100, '0' + c/10%10, '0' + c%10})
}

// splitTXT splits a TXT record into character-strings of at most 255
// octets (RFC 1035 section 3.3.14), escaped for miekg/dns.
func splitTXT(t string) []string {
	var out []string
	for {
		n := min(len(t), 255)
		out = append(out, escapeTXT(t[:n]))
		t = t[n:]
		if t == "" {
			return out
		}
	}
}

// escapeTXT escapes a character-string the way miekg/dns expects in its
// presentation form: backslash and double quote, and bytes outside
// printable ASCII as \DDD.
func escapeTXT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			b.WriteString(escapeByte(c))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
