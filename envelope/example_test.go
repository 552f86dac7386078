package envelope_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/message"
)

// A server reading "MAIL FROM:" and "RCPT TO:" arguments.
func Example_paths() {
	path, params, _ := envelope.SplitPathAndParams("<bob@example.test> SIZE=2048 BODY=8BITMIME")
	from, _ := envelope.ParseReversePath(path, nil)
	mp, _ := envelope.ParseMailParams(params)
	fmt.Println(from, from.Domain, mp.Size, mp.Body)

	path, params, _ = envelope.SplitPathAndParams("<\"carol@other\"@relay.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;carol+40other")
	rcpt, _ := envelope.ParseForwardPath(path, nil)
	rp, _ := envelope.ParseRcptParams(params)
	fmt.Println(rcpt, rcpt.RelayTricks(), rp.Notify, rp.ORcpt.Addr)

	_, err := envelope.ParseForwardPath("<jörg@example.test>", nil)
	var e *envelope.Error
	if errors.As(err, &e) {
		fmt.Println(e.Reply, e.Code, errors.Is(err, envelope.ErrNonASCII))
	}
	// Output:
	// <bob@example.test> example.test 2048 8BITMIME
	// <"carol@other"@relay.test> quoted-at FAILURE,DELAY carol@other
	// 553 5.6.7 true
}

// The envelope/header split: the envelope comes from the header once, at
// submission; Bcc recipients stay in the envelope but leave the copy that
// is transmitted.
func Example_split() {
	msg := "From: Alice <alice@example.test>\r\n" +
		"To: Bob <bob@example.test>\r\n" +
		"Bcc: carol@example.test\r\n" +
		"Subject: lunch\r\n" +
		"\r\n" +
		"Noon?\r\n"
	h, _ := message.ReadHeader(bufio.NewReader(strings.NewReader(msg)), nil)
	env, _ := envelope.FromMessage(&h)
	fmt.Println("MAIL FROM:" + env.From.String())
	for _, r := range env.Rcpts {
		fmt.Println("RCPT TO:" + r.Path.String())
	}
	var wire strings.Builder
	_ = envelope.TransmitCopy(&wire, strings.NewReader(msg))
	fmt.Print(strings.ReplaceAll(wire.String(), "\r\n", "\n"))
	// Output:
	// MAIL FROM:<alice@example.test>
	// RCPT TO:<bob@example.test>
	// RCPT TO:<carol@example.test>
	// From: Alice <alice@example.test>
	// To: Bob <bob@example.test>
	// Subject: lunch
	//
	// Noon?
}

// Reading a bounce to build a suppression list.
func ExampleParseDSN() {
	bounce := "From: MAILER-DAEMON@mx.example.test\r\n" +
		"To: sender@example.test\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n" +
		"\r\n" +
		"--B\r\n" +
		"Content-Type: text/plain\r\n" +
		"\r\n" +
		"Your message could not be delivered.\r\n" +
		"--B\r\n" +
		"Content-Type: message/delivery-status\r\n" +
		"\r\n" +
		"Reporting-MTA: dns; mx.example.test\r\n" +
		"\r\n" +
		"Final-Recipient: rfc822; gone@example.org\r\n" +
		"Action: failed\r\n" +
		"Status: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 No such user\r\n" +
		"--B--\r\n"
	d, err := envelope.ParseDSN(strings.NewReader(bounce), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range d.Recipients {
		fmt.Println(r.Recipient(), r.Action, r.Status, r.Status.IsPermanent(), r.Status.Text())
		fmt.Println(r.DiagnosticCode.Value)
	}
	// Output:
	// gone@example.org failed 5.1.1 true Bad destination mailbox address
	// 550 5.1.1 No such user
}

// The trace field a receiving server prepends.
func ExampleReceived() {
	env := &envelope.Envelope{
		From:  envelope.Path{Local: "alice", Domain: "example.test"},
		Rcpts: []envelope.Recipient{{Path: envelope.Path{Local: "bob", Domain: "example.org"}}},
		Session: envelope.SessionInfo{
			RemoteAddr: netip.MustParseAddrPort("192.0.2.1:50000"),
			RemoteHost: "client.example.test",
			Helo:       "client.example.test",
			ESMTP:      true,
			TLSVersion: tls.VersionTLS13,
			TLSCipher:  tls.TLS_AES_128_GCM_SHA256,
			AuthID:     "alice",
			LocalHost:  "mx.example.org",
		},
	}
	o := env.ReceivedOptions("4XyZ")
	o.Date = time.Date(2026, 11, 24, 19, 30, 0, 0, time.UTC)
	crlf := strings.NewReplacer("\r\n", "\n")
	fmt.Print(crlf.Replace(envelope.ReceivedField(o)))
	fmt.Print(crlf.Replace(envelope.ReturnPath(env.From)))
	// Output:
	// Received: from client.example.test (client.example.test [192.0.2.1])
	// 	(using TLS1.3 with cipher TLS_AES_128_GCM_SHA256)
	// 	by mx.example.org with ESMTPSA id 4XyZ
	// 	for <bob@example.org>; Tue, 24 Nov 2026 19:30:00 +0000
	// Return-Path: <alice@example.test>
}
