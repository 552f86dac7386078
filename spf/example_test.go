package spf_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/yubinmail/yubin/dnsmock"
	"github.com/yubinmail/yubin/spf"
)

func Example() {
	dns := &dnsmock.Resolver{
		TXT: map[string][]string{
			"example.com":      {"v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all exp=why.example.com"},
			"_spf.example.net": {"v=spf1 a:mail.example.net -all"},
			"why.example.com":  {"%{i} may not send mail for %{d}"},
		},
		A: map[string][]string{"mail.example.net": {"198.51.100.7"}},
	}
	c := spf.NewChecker(&spf.Options{Resolver: dns})
	ctx := context.Background()

	o := c.CheckMailFrom(ctx, netip.MustParseAddr("198.51.100.7"), "mail.example.net", "alice@example.com")
	fmt.Println(o.Result, o.Mechanism, o.Queries)

	o = c.CheckMailFrom(ctx, netip.MustParseAddr("203.0.113.9"), "bad.example", "alice@example.com")
	fmt.Println(o.Result, o.Mechanism)
	fmt.Println(o.Explanation)
	fmt.Println("Received-SPF:", o.ReceivedSPF("mx.example.org"))
	fmt.Println(o.AuthResultsClause())
	// Output:
	// pass include:_spf.example.net 3
	// fail -all
	// 203.0.113.9 may not send mail for example.com
	// Received-SPF: fail (mx.example.org: domain of alice@example.com does not designate 203.0.113.9 as permitted sender) client-ip=203.0.113.9; envelope-from="alice@example.com"; helo=bad.example; mechanism=-all; receiver=mx.example.org; identity=mailfrom
	// spf=fail smtp.mailfrom=alice@example.com
}

func ExampleParseRecord() {
	r, err := spf.ParseRecord("v=spf1 +a/24//64 mx:%{d}.example.com ip6:2001:DB8::/32 ~all redirect=_spf.example.com")
	if err != nil {
		panic(err)
	}
	for _, d := range r.Directives {
		fmt.Printf("%c %s %q %d %d\n", d.Qualifier, d.Mechanism, d.DomainSpec, d.CIDR4, d.CIDR6)
	}
	fmt.Println(r.Redirect)
	fmt.Println(r)
	// Output:
	// + a "" 24 64
	// + mx "%{d}.example.com" -1 -1
	// + ip6 "" -1 -1
	// ~ all "" -1 -1
	// _spf.example.com
	// v=spf1 +a/24//64 mx:%{d}.example.com ip6:2001:db8::/32 ~all redirect=_spf.example.com
}
