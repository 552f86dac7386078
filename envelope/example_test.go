package envelope_test

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

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
