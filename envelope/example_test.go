package envelope_test

import (
	"errors"
	"fmt"

	"github.com/yubinmail/yubin/envelope"
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
