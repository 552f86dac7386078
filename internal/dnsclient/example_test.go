package dnsclient_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/miekg/dns"
	"github.com/yubinmail/yubin/internal/dnsclient"
)

// A tiny authoritative server on loopback stands in for the resolver.
func startExampleServer() (addr string, stop func()) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		if req.Question[0].Name == "example.test." && req.Question[0].Qtype == dns.TypeTXT {
			rr, _ := dns.NewRR(`example.test. 300 IN TXT "v=spf1 " "-all"`)
			m.Answer = append(m.Answer, rr)
		} else {
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: h}
	go func() { _ = srv.ActivateAndServe() }()
	return pc.LocalAddr().String(), func() { _ = srv.Shutdown() }
}

func Example() {
	addr, stop := startExampleServer()
	defer stop()

	c, err := dnsclient.New(&dnsclient.Options{Server: addr})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	txt, err := c.LookupTXT(ctx, "example.test")
	fmt.Println(txt, err)

	res, _ := c.Lookup(ctx, "example.test", dns.TypeTXT)
	fmt.Println(len(res.Records), res.AD, res.Cached)

	_, err = c.LookupTXT(ctx, "nosuch.test")
	var de *net.DNSError
	fmt.Println(errors.As(err, &de) && de.IsNotFound)
	// Output:
	// [v=spf1 -all] <nil>
	// 1 false true
	// true
}
