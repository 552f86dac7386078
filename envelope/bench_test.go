package envelope

import (
	"bytes"
	"os"
	"testing"
)

func BenchmarkParseForwardPath(b *testing.B) {
	const s = "<first.last+tag@mail.example.test>"
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseForwardPath(s, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMailParams(b *testing.B) {
	const s = "SIZE=123456 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159 AUTH=<>"
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMailParams(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseReceived(b *testing.B) {
	const s = "from mail.example.com (mail.example.com [192.0.2.1])\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\tby mx.example.org (Postfix) with ESMTPS id 4ABCD1234\r\n\tfor <u@example.org>; Tue,  1 Jan 2019 10:00:00 +0000 (UTC)"
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReceived(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDSN(b *testing.B) {
	msg, err := os.ReadFile("testdata/dsn/postfix.eml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDSN(bytes.NewReader(msg), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildDSN(b *testing.B) {
	o := testDSNOptions()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildDSN(o); err != nil {
			b.Fatal(err)
		}
	}
}
