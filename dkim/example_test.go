package dkim_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/dnsmock"
)

func Example() {
	// A fixed key so that the output is stable; use dkim.GenerateKey in
	// real code.
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	msg := "From: Joe <joe@example.com>\r\nTo: ann@example.net\r\nSubject: hi\r\n\r\nHello.\r\n"

	field, err := dkim.Sign(strings.NewReader(msg), &dkim.SignOptions{
		Domain: "example.com", Selector: "2026", Key: key,
	})
	if err != nil {
		panic(err)
	}

	record, _ := dkim.FormatKeyRecord(key.Public())
	dns := &dnsmock.Resolver{TXT: map[string][]string{
		dkim.KeyName("2026", "example.com"): {record},
	}}
	results, err := dkim.Verify(context.Background(), strings.NewReader(field+msg),
		&dkim.VerifyOptions{Resolver: dns})
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.Status, "d="+r.Domain, "s="+r.Selector, "a="+string(r.Algorithm))
	}
	// Output:
	// pass d=example.com s=2026 a=ed25519-sha256
}

func ExampleParseSignature() {
	sig, err := dkim.ParseSignature("v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=2026;" +
		" h=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA")
	if err != nil {
		panic(err)
	}
	fmt.Println(sig.Domain, sig.Selector, sig.Algorithm, sig.HeaderCanon, sig.Headers)

	_, err = dkim.ParseSignature("v=1; a=rsa-sha256; d=example.com; s=s; h=to; bh=AAAA; b=AAAA")
	fmt.Println(err)
	// Output:
	// example.com 2026 ed25519-sha256 relaxed [from to subject]
	// dkim: tag h: from is not signed
}
