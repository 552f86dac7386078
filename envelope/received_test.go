package envelope

import (
	"bufio"
	"crypto/tls"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

var testDate = time.Date(2026, 11, 24, 19, 30, 0, 0, time.FixedZone("", 9*3600))

func TestProtocol(t *testing.T) {
	tests := []struct {
		s    SessionInfo
		utf8 bool
		want string
	}{
		{SessionInfo{}, false, "SMTP"},
		{SessionInfo{ESMTP: true}, false, "ESMTP"},
		{SessionInfo{ESMTP: true, TLSVersion: tls.VersionTLS13}, false, "ESMTPS"},
		{SessionInfo{ESMTP: true, AuthID: "u"}, false, "ESMTPA"},
		{SessionInfo{ESMTP: true, AuthID: "u", TLSVersion: tls.VersionTLS12}, false, "ESMTPSA"},
		{SessionInfo{LMTP: true}, false, "LMTP"},
		{SessionInfo{LMTP: true, TLSVersion: tls.VersionTLS13}, false, "LMTPS"},
		{SessionInfo{LMTP: true, AuthID: "u"}, false, "LMTPA"},
		{SessionInfo{LMTP: true, AuthID: "u", TLSVersion: tls.VersionTLS13}, false, "LMTPSA"},
		{SessionInfo{ESMTP: true}, true, "UTF8SMTP"},
		{SessionInfo{ESMTP: true, TLSVersion: tls.VersionTLS13}, true, "UTF8SMTPS"},
		{SessionInfo{ESMTP: true, AuthID: "u"}, true, "UTF8SMTPA"},
		{SessionInfo{ESMTP: true, AuthID: "u", TLSVersion: tls.VersionTLS13}, true, "UTF8SMTPSA"},
		{SessionInfo{LMTP: true}, true, "UTF8LMTP"},
		{SessionInfo{LMTP: true, AuthID: "u", TLSVersion: tls.VersionTLS13}, true, "UTF8LMTPSA"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.s.Protocol(tt.utf8), "%+v", tt.s)
	}
}

func TestReceivedBuild(t *testing.T) {
	env := &Envelope{
		From:       Path{Local: "a", Domain: "x.test"},
		MailParams: MailParams{Body: Body8BitMIME},
		Rcpts:      []Recipient{{Path: Path{Local: "b", Domain: "y.test"}}},
		Session: SessionInfo{
			RemoteAddr: netip.MustParseAddrPort("192.0.2.1:40000"),
			RemoteHost: "client.x.test",
			Helo:       "client.x.test",
			ESMTP:      true,
			TLSVersion: tls.VersionTLS13,
			TLSCipher:  tls.TLS_AES_128_GCM_SHA256,
			LocalHost:  "mx.y.test",
		},
	}
	o := env.ReceivedOptions("Q123")
	o.Date = testDate
	got := Received(o)
	require.Equal(t, "from client.x.test (client.x.test [192.0.2.1])\r\n"+
		"\t(using TLS1.3 with cipher TLS_AES_128_GCM_SHA256)\r\n"+
		"\tby mx.y.test with ESMTPS id Q123\r\n"+
		"\tfor <b@y.test>; Tue, 24 Nov 2026 19:30:00 +0900", got)

	// Two recipients: no "for" clause (RFC 5321 section 7.2).
	env.Rcpts = append(env.Rcpts, Recipient{Path: Path{Local: "c", Domain: "y.test"}})
	o = env.ReceivedOptions("Q124")
	o.Date = testDate
	require.NotContains(t, Received(o), "for ")

	// The field parses back.
	info, err := ParseReceived(got)
	require.NoError(t, err)
	require.Equal(t, "client.x.test", info.From)
	require.Equal(t, "client.x.test", info.RemoteHost)
	require.Equal(t, "192.0.2.1", info.RemoteIP.String())
	require.Equal(t, "mx.y.test", info.By)
	require.Equal(t, "ESMTPS", info.With)
	require.Equal(t, "Q123", info.ID)
	require.Equal(t, "b@y.test", info.For)
	require.True(t, info.TLS)
	require.True(t, info.Date.Equal(testDate))
}

func TestReceivedHostileHelo(t *testing.T) {
	for _, helo := range []string{"evil) by forged.test (x", "a b", "\r\nX-Injected: 1", "", "under_score.test"} {
		o := &ReceivedOptions{Helo: helo, RemoteIP: netip.MustParseAddr("2001:db8::1"), By: "mx.test", With: "ESMTP", Date: testDate}
		v := Received(o)
		require.NotContains(t, v, "\n\r")
		for _, ln := range strings.Split(v, "\r\n") {
			require.NotContains(t, ln, "\n")
			require.NotContains(t, ln, "\r")
		}
		info, err := ParseReceived(v)
		require.NoError(t, err)
		require.Equal(t, "mx.test", info.By, v)
		require.Equal(t, "2001:db8::1", info.RemoteIP.String())
		require.Equal(t, "[IPv6:2001:db8::1]", info.From)
	}
	// A valid literal HELO is kept, an IPv4-mapped address is unmapped.
	o := &ReceivedOptions{Helo: "[192.0.2.9]", RemoteIP: netip.MustParseAddr("::ffff:192.0.2.9"), By: "mx.test", Date: testDate}
	require.Equal(t, "from [192.0.2.9] ([192.0.2.9])\r\n\tby mx.test; Tue, 24 Nov 2026 19:30:00 +0900", Received(o))
	require.Equal(t, "Received: by localhost; Tue, 24 Nov 2026 19:30:00 +0900\r\n", ReceivedField(&ReceivedOptions{Date: testDate}))
}

func TestReturnPath(t *testing.T) {
	require.Equal(t, "Return-Path: <>\r\n", ReturnPath(Path{}))
	require.Equal(t, "Return-Path: <a@x.test>\r\n", ReturnPath(Path{Local: "a", Domain: "x.test"}))
}

func TestParseReceivedForms(t *testing.T) {
	tests := []struct {
		name, in                       string
		from, helo, host, ip, by, with string
		id, rcpt                       string
		tls                            bool
		date                           string
	}{
		{"postfix", "from mail.example.com (mail.example.com [192.0.2.1])\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\tby mx.example.org (Postfix) with ESMTPS id 4ABCD1234\r\n\tfor <u@example.org>; Tue,  1 Jan 2019 10:00:00 +0000 (UTC)",
			"mail.example.com", "mail.example.com", "mail.example.com", "192.0.2.1", "mx.example.org", "ESMTPS", "4ABCD1234", "u@example.org", true, "2019-01-01T10:00:00Z"},
		{"postfix unknown", "from helo.test (unknown [198.51.100.7]) by mx.test (Postfix) with SMTP id 1A; Mon, 2 Feb 2015 01:02:03 -0800",
			"helo.test", "helo.test", "", "198.51.100.7", "mx.test", "SMTP", "1A", "", false, "2015-02-02T01:02:03-08:00"},
		{"exim", "from [192.0.2.4] (helo=client.example)\r\n\tby mx.example with esmtpsa  (TLS1.3) tls TLS_AES_256_GCM_SHA384\r\n\t(Exim 4.96)\r\n\t(envelope-from <a@b.example>)\r\n\tid 1qXyZ-000123-AB\r\n\tfor u@mx.example; Wed, 03 Jan 2024 12:00:00 +0100",
			"[192.0.2.4]", "client.example", "", "192.0.2.4", "mx.example", "esmtpsa tls TLS_AES_256_GCM_SHA384", "1qXyZ-000123-AB", "u@mx.example", true, "2024-01-03T12:00:00+01:00"},
		{"exim host", "from host.example ([192.0.2.5] helo=client) by mx with esmtp (Exim 4.94) id 1a-2b; Thu, 4 Jan 2024 00:00:00 +0000",
			"host.example", "client", "", "192.0.2.5", "mx", "esmtp", "1a-2b", "", false, "2024-01-04T00:00:00Z"},
		{"sendmail", "from client.example (client.example [192.0.2.6] (may be forged))\r\n\tby mx.example (8.15.2/8.15.2) with ESMTP id x0B1a2b3004567\r\n\tfor <u@mx.example>; Fri, 5 Jan 2024 09:10:11 -0500",
			"client.example", "client.example", "client.example", "192.0.2.6", "mx.example", "ESMTP", "x0B1a2b3004567", "u@mx.example", false, "2024-01-05T09:10:11-05:00"},
		{"sendmail user", "from pc (user@pc.example [192.0.2.7]) (authenticated bits=0) by mx.example (8.14.4/8.14.4) with ESMTP id r9G5F; Wed, 16 Oct 2013 14:15:34 +0900",
			"pc", "pc", "pc.example", "192.0.2.7", "mx.example", "ESMTP", "r9G5F", "", false, "2013-10-16T14:15:34+09:00"},
		{"qmail", "from unknown (HELO client.example) (192.0.2.8)\r\n  by mx.example with SMTP; 6 Jan 2024 10:00:00 -0000",
			"unknown", "client.example", "", "192.0.2.8", "mx.example", "SMTP", "", "", false, "2024-01-06T10:00:00Z"},
		{"qmail invoked", "(qmail 12345 invoked by uid 89); 6 Jan 2024 10:00:00 -0000",
			"", "", "", "", "", "", "", "", false, "2024-01-06T10:00:00Z"},
		{"exchange", "from EXCH01.corp.example (10.0.0.1) by EXCH02.corp.example (10.0.0.2) with Microsoft SMTP Server\r\n (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2044.4;\r\n Sat, 7 Jan 2024 11:12:13 +0000",
			"EXCH01.corp.example", "EXCH01.corp.example", "", "10.0.0.1", "EXCH02.corp.example", "Microsoft SMTP Server", "15.1.2044.4", "", true, "2024-01-07T11:12:13Z"},
		{"gmail in", "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])\r\n        by mx.google.com with SMTPS id a1sor123.2024.01.08.01.02.03\r\n        for <u@gmail.com>\r\n        (Google Transport Security);\r\n        Mon, 08 Jan 2024 01:02:03 -0800 (PST)",
			"mail-sor-f41.google.com", "mail-sor-f41.google.com", "mail-sor-f41.google.com", "209.85.220.41", "mx.google.com", "SMTPS", "a1sor123.2024.01.08.01.02.03", "u@gmail.com", true, "2024-01-08T01:02:03-08:00"},
		{"gmail internal", "by 2002:a05:6a10:9e8c:b0:4a1:2b3c:4d5e with SMTP id x;\r\n        Mon, 8 Jan 2024 01:02:04 -0800 (PST)",
			"", "", "", "", "2002:a05:6a10:9e8c:b0:4a1:2b3c:4d5e", "SMTP", "x", "", false, "2024-01-08T01:02:04-08:00"},
		{"ipv6", "from h.example (h.example [IPv6:2001:db8::5]) by mx.example with ESMTP id 9; Tue, 9 Jan 2024 00:00:00 +0000",
			"h.example", "h.example", "h.example", "2001:db8::5", "mx.example", "ESMTP", "9", "", false, "2024-01-09T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseReceived(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.from, r.From)
			require.Equal(t, tt.helo, r.Helo)
			require.Equal(t, tt.host, r.RemoteHost)
			if tt.ip == "" {
				require.False(t, r.RemoteIP.IsValid())
			} else {
				require.Equal(t, tt.ip, r.RemoteIP.String())
			}
			require.Equal(t, tt.by, r.By)
			require.Equal(t, tt.with, r.With)
			require.Equal(t, tt.id, r.ID)
			require.Equal(t, tt.rcpt, r.For)
			require.Equal(t, tt.tls, r.TLS)
			require.Equal(t, tt.date, r.Date.Format(time.RFC3339))
		})
	}
	_, err := ParseReceived("")
	require.ErrorIs(t, err, ErrSyntax)
	r, err := ParseReceived("from a by b; not a date")
	require.ErrorIs(t, err, ErrSyntax)
	require.Equal(t, "b", r.By)
	// Unbalanced and deep comments stay linear and do not panic.
	_, _ = ParseReceived(strings.Repeat("(", 100000) + "; x")
	_, _ = ParseReceived("from a (b [1.2.3.4]" + strings.Repeat(")", 1000))
}

func TestCountHops(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 101; i++ {
		b.WriteString("Received: from a by b; Tue, 24 Nov 2026 19:30:00 +0000\r\n")
	}
	b.WriteString("X-Note: \r\n Received: not a field\r\nreceived : obsolete form\r\nSubject: x\r\n\r\nReceived: body\r\n")
	raw := b.String()
	require.Equal(t, 102, CountHopsRaw([]byte(raw), 0))
	require.Equal(t, 100, CountHopsRaw([]byte(raw), 100))
	h, err := message.ReadHeader(bufio.NewReader(strings.NewReader(raw)), nil)
	var ws mime.Warnings
	require.ErrorAs(t, err, &ws) // "received :" is obsolete syntax, read with a warning
	require.Equal(t, 102, CountHops(&h))
	require.True(t, IsLoop(&h, 0))
	require.False(t, IsLoop(&h, 200))
}

func FuzzParseReceived(f *testing.F) {
	for _, s := range []string{
		"from a.test (a.test [192.0.2.1]) by b.test with ESMTPS id X for <u@b.test>; Tue, 24 Nov 2026 19:30:00 +0000",
		"from [192.0.2.4] (helo=c) by mx with esmtpsa (TLS1.3) tls X (Exim 4.96) id 1; 1 Jan 2024 00:00:00 +0000",
		"(qmail 1 invoked by uid 89); 6 Jan 2024 10:00:00 -0000",
		"from x (y (z) \\) ) by ;;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, _ := ParseReceived(s)
		// Rebuilding from what was read never injects line breaks.
		o := &ReceivedOptions{Helo: r.Helo, RemoteHost: r.RemoteHost, RemoteIP: r.RemoteIP, By: r.By, With: r.With, ID: r.ID, Date: testDate}
		v := Received(o)
		for _, ln := range strings.Split(v, "\r\n\t") {
			if strings.ContainsAny(ln, "\r\n") {
				t.Fatalf("line break in %q", v)
			}
		}
	})
}

func TestParseReceivedDateQuirks(t *testing.T) {
	tests := []struct{ in, by, id, date string }{
		{"from mda by mx.test id 0LvVA5-1Y3 Sat, 29 Nov 2014 00:32:10 +0100", "mx.test", "0LvVA5-1Y3", "2014-11-29T00:32:10+01:00"},
		{"from a ([192.0.2.25]) by relay.test (relayhost) id Jr3F 30 Mar 2025 23:34:54 +0900", "relay.test", "Jr3F", "2025-03-30T23:34:54+09:00"},
		{"from localhost by mx.test; Sat, 11 Dec 2010 12:19:59 +0900  id 0EFECD52.4D02EDDF", "mx.test", "0EFECD52.4D02EDDF", "2010-12-11T12:19:59+09:00"},
		{"by mx.test with SMTP id x; Tue, 029 Apr 2019 23:34:45 -0800 (PST)", "mx.test", "x", "2019-04-29T23:34:45-08:00"},
	}
	for _, tt := range tests {
		r, err := ParseReceived(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.by, r.By, tt.in)
		require.Equal(t, tt.id, r.ID, tt.in)
		require.Equal(t, tt.date, r.Date.Format(time.RFC3339), tt.in)
	}
	r, err := ParseReceived("from only.test")
	require.NoError(t, err)
	require.True(t, r.Date.IsZero())
}
