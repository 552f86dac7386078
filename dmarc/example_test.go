package dmarc_test

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/dmarc"
	"github.com/yubinmail/yubin/dnsmock"
	"github.com/yubinmail/yubin/message"
)

func Example() {
	dns := &dnsmock.Resolver{TXT: map[string][]string{
		"_dmarc.example.com": {"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"},
	}}
	h, _ := message.ReadHeader(bufio.NewReader(strings.NewReader("From: Joe <joe@example.com>\r\n\r\n")), nil)
	// DKIM results as dkim.Verify returns them.
	sigs := []dkim.Result{{Status: dkim.StatusFail, Domain: "example.com", Selector: "s", Reason: "body hash did not verify"}}

	r := dmarc.Evaluate(context.Background(), &dmarc.Input{Header: h, DKIM: sigs}, &dmarc.Options{Resolver: dns})
	fmt.Println(r.Status, r.Policy, r.Disposition)
	fmt.Println(dmarc.AuthResults("mx.example.net", nil, sigs, r))
	// Output:
	// fail reject reject
	// mx.example.net; dkim=fail reason="body hash did not verify" header.d=example.com header.s=s; dmarc=fail (p=REJECT dis=REJECT) reason="neither SPF nor DKIM is aligned and passing" header.from=example.com
}

func ExampleParseRecord() {
	r, err := dmarc.ParseRecord("v=DMARC1; p=quarantine; sp=reject; np=reject; adkim=s; rua=mailto:agg@example.com!10m")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Policy, r.SubdomainPolicy, r.NonexistentPolicy, r.ADKIM, r.AggregateURIs[0].Address, r.AggregateURIs[0].MaxSize)
	_, err = dmarc.ParseRecord("v=DMARC1; p=none; p=reject")
	fmt.Println(err)
	// Output:
	// quarantine reject reject s mailto:agg@example.com 10485760
	// dmarc: tag p: duplicate tag
}
