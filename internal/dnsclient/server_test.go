package dnsclient

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// testServer is an in-process DNS server on loopback, UDP and TCP on the
// same port, answering from a small zone with a few special names.
type testServer struct {
	addr    string
	udp     atomic.Int64 // queries over UDP
	tcp     atomic.Int64 // queries over TCP
	mu      sync.Mutex
	records map[string][]dns.RR // "name type" -> records
	edns    []bool              // whether each query carried EDNS0
	gate    chan struct{}       // "gate.test." waits for it to close
}

func (s *testServer) add(rrs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, txt := range rrs {
		rr, err := dns.NewRR(txt)
		if err != nil {
			panic(err)
		}
		k := strings.ToLower(rr.Header().Name) + " " + dns.TypeToString[rr.Header().Rrtype]
		s.records[k] = append(s.records[k], rr)
	}
}

func (s *testServer) queries() int64 { return s.udp.Load() + s.tcp.Load() }

func soa() dns.RR {
	rr, _ := dns.NewRR("test. 300 IN SOA ns.test. host.test. 1 3600 600 86400 60")
	return rr
}

func (s *testServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	isUDP := w.LocalAddr().Network() == "udp"
	if isUDP {
		s.udp.Add(1)
	} else {
		s.tcp.Add(1)
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	s.edns = append(s.edns, req.IsEdns0() != nil)
	s.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(req)
	switch {
	case name == "slow.test.":
		return // never answer: the client times out
	case name == "gate.test.":
		<-s.gate
	case name == "servfail.test.":
		m.Rcode = dns.RcodeServerFailure
	case name == "refused.test.":
		m.Rcode = dns.RcodeRefused
	case name == "noedns.test." && req.IsEdns0() != nil:
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	case name == "mismatch.test.":
		m.Question[0].Name = "other.test."
	case name == "secure.test." && req.AuthenticatedData:
		m.AuthenticatedData = true
	}
	if m.Rcode == dns.RcodeSuccess {
		s.answer(m, name, q.Qtype)
	}
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), false)
	}
	if isUDP {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// answer fills m from the zone, following CNAMEs like a recursive
// resolver (except for names under "stop.", where it stops at the CNAME).
func (s *testServer) answer(m *dns.Msg, name string, qtype uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range 10 {
		if rrs := s.records[name+" "+dns.TypeToString[qtype]]; len(rrs) > 0 {
			m.Answer = append(m.Answer, rrs...)
			return
		}
		cn := s.records[name+" CNAME"]
		if len(cn) == 0 {
			break
		}
		m.Answer = append(m.Answer, cn...)
		if strings.HasSuffix(name, ".stop.") {
			return
		}
		name = strings.ToLower(cn[0].(*dns.CNAME).Target)
	}
	exists := false
	for k := range s.records {
		owner, _, _ := strings.Cut(k, " ")
		if owner == name || strings.HasSuffix(owner, "."+name) {
			exists = true
		}
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	if !strings.HasPrefix(name, "nosoa") {
		m.Ns = append(m.Ns, soa())
	}
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	s := &testServer{records: map[string][]dns.RR{}, gate: make(chan struct{})}
	var pc net.PacketConn
	var ln net.Listener
	for range 20 {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		pc = nil
	}
	require.NotNil(t, pc, "no free port for UDP and TCP")
	s.addr = pc.LocalAddr().String()
	us := &dns.Server{PacketConn: pc, Handler: s}
	ts := &dns.Server{Listener: ln, Handler: s}
	go func() { _ = us.ActivateAndServe() }()
	go func() { _ = ts.ActivateAndServe() }()
	t.Cleanup(func() {
		_ = us.Shutdown()
		_ = ts.Shutdown()
	})
	return s
}
