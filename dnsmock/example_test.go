package dnsmock_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/yubinmail/yubin/dnsmock"
)

func Example() {
	r := &dnsmock.Resolver{
		TXT: map[string][]string{
			"example.com": {"v=spf1 ip4:192.0.2.0/24 -all"},
		},
		A:       map[string][]string{"mail.example.com": {"192.0.2.10"}},
		PTR:     map[string][]string{"192.0.2.10": {"mail.example.com."}},
		CNAME:   map[string]string{"www.example.com": "mail.example.com"},
		Timeout: []string{"slow.example.com"},
	}
	ctx := context.Background()

	txt, _ := r.LookupTXT(ctx, "example.com")
	fmt.Println(txt)

	ips, _ := r.LookupIP(ctx, "ip4", "www.example.com")
	fmt.Println(ips)

	names, _ := r.LookupAddr(ctx, netip.MustParseAddr("192.0.2.10"))
	fmt.Println(names)

	mx, err := r.LookupMX(ctx, "mail.example.com")
	fmt.Println(len(mx), err) // NODATA: the name exists

	var de *net.DNSError
	_, err = r.LookupTXT(ctx, "nosuch.example.com")
	fmt.Println(errors.As(err, &de) && de.IsNotFound)

	_, err = r.LookupTXT(ctx, "slow.example.com")
	fmt.Println(errors.As(err, &de) && de.IsTimeout)

	fmt.Println(r.QueryCount())
	// Output:
	// [v=spf1 ip4:192.0.2.0/24 -all]
	// [192.0.2.10]
	// [mail.example.com.]
	// 0 <nil>
	// true
	// true
	// 6
}

// A Server answers real DNS queries from the mock's records, here through
// the standard library's resolver.
func ExampleNewServer() {
	mock := &dnsmock.Resolver{
		TXT: map[string][]string{"example.com": {"v=spf1 -all"}},
		MX:  map[string][]*net.MX{"example.com": {{Host: "mx.example.com", Pref: 10}}},
	}
	srv, err := dnsmock.NewServer(mock, 0)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	var d net.Dialer
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, srv.Addr)
	}}
	txt, err := res.LookupTXT(context.Background(), "example.com.")
	fmt.Println(txt, err)
	mx, err := res.LookupMX(context.Background(), "example.com.")
	fmt.Println(mx[0].Host, mx[0].Pref, err)
	fmt.Println(mock.Queries())
	// Output:
	// [v=spf1 -all] <nil>
	// mx.example.com. 10 <nil>
	// [TXT example.com MX example.com]
}
