package envelope

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/mime"
)

// Hostile inputs of /work/shared/SECURITY.md that concern this package.

// Relay tricks from an unauthenticated client: a%b@relay, b!a@relay,
// "a@b"@relay and @x,@y:a@b are all recognised.
func TestSecurityRelayTricks(t *testing.T) {
	for in, want := range map[string]RelayTrick{
		"<a%b@relay.test>":           TrickPercent,
		"<b!a@relay.test>":           TrickBang,
		`<"a@b"@relay.test>`:         TrickQuotedAt,
		"<@x.test,@y.test:a@b.test>": TrickSourceRoute,
	} {
		p, err := ParseForwardPath(in, nil)
		require.NoError(t, err, in)
		require.Equal(t, want, p.RelayTricks(), in)
		// The source route is ignored: the mailbox is what would be delivered to.
		if want == TrickSourceRoute {
			require.Equal(t, "<a@b.test>", p.String())
		}
	}
}

// No notification is ever addressed to the null path.
func TestSecurityNullSender(t *testing.T) {
	o := testDSNOptions()
	o.To = Path{}
	_, err := BuildDSN(o)
	require.ErrorIs(t, err, ErrNullPath)
	_, err = BuildMDN(&BuildMDNOptions{FinalRecipient: "a@b.test", Disposition: Disposition{ActionMode: ActionAutomatic, SendingMode: SentAutomatic, Type: DispProcessed}})
	require.ErrorIs(t, err, ErrNullPath)
	ok, _ := ShouldAutoReply(Path{}, readHeader(t, "Subject: x\r\n\r\n"), nil)
	require.False(t, ok)
}

// A message with 100 or more Received fields is a loop (5.4.6).
func TestSecurityMailLoop(t *testing.T) {
	raw := strings.Repeat("Received: from a by b; Tue, 24 Nov 2026 19:30:00 +0000\r\n", 100) + "\r\n"
	h := readHeader(t, raw)
	require.True(t, IsLoop(h, 0))
	require.Equal(t, "5.4.6", CodeLoop.String())
	require.False(t, IsLoop(readHeader(t, strings.Repeat("Received: x\r\n", 99)+"\r\n"), 0))
}

// Huge inputs are refused by length before any parsing, and stay linear.
func TestSecurityHugeInputs(t *testing.T) {
	huge := "<" + strings.Repeat("a", 10<<20) + "@x.test>"
	_, err := ParseForwardPath(huge, nil)
	require.ErrorIs(t, err, ErrTooLong)
	_, err = ParseForwardPath("<a@["+strings.Repeat("1", 10<<20)+"]>", nil)
	require.ErrorIs(t, err, ErrTooLong)
	_, _, err = SplitPathAndParams("<" + strings.Repeat(`"`, 1<<20))
	require.Error(t, err)
	_, err = ParseMailParams(strings.Repeat("X ", 1<<18))
	require.ErrorIs(t, err, ErrDuplicate)
	var many strings.Builder
	for i := 0; i < 100000; i++ {
		many.WriteString("X" + strconv.Itoa(i) + "=1 ")
	}
	m, err := ParseMailParams(many.String()) // linear duplicate check
	require.NoError(t, err)
	require.Len(t, m.Other, 100000)
	_, err = ParseReceived(strings.Repeat("(", 1<<20))
	require.Error(t, err)
	_, err = ParseDisposition(strings.Repeat("(", 1<<20))
	require.Error(t, err)
}

// A hostile HELO or ID can never break the Received field into extra lines.
func TestSecurityReceivedInjection(t *testing.T) {
	o := &ReceivedOptions{Helo: "x\r\nX-Evil: 1", By: "mx\r\n.test", With: "ESMTP\nDATA", ID: "1\r\n2", Date: testDate}
	v := Received(o)
	for _, ln := range strings.Split(v, "\r\n\t") {
		require.NotContains(t, ln, "\r")
		require.NotContains(t, ln, "\n")
	}
}

// A status field folded over a million lines, and a million junk lines,
// are read in linear time with bounded warnings per line.
func TestSecurityDSNFolding(t *testing.T) {
	body := "Final-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: 5.0.0\r\nDiagnostic-Code: smtp; x\r\n" +
		strings.Repeat(" y\r\n", 1<<20)
	msg := "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n" + body + "--b--\r\n"
	d, err := ParseDSN(strings.NewReader(msg), nil)
	require.NoError(t, err)
	require.Len(t, d.Recipients[0].DiagnosticCode.Value, 1+2*(1<<20))
}

func TestSecurityDSNJunkWarningsBounded(t *testing.T) {
	msg := "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n" +
		strings.Repeat("junk\r\n", 1<<20) + "\r\nFinal-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: 5.0.0\r\n--b--\r\n"
	d, err := ParseDSN(strings.NewReader(msg), nil)
	var ws mime.Warnings
	require.ErrorAs(t, err, &ws)
	require.LessOrEqual(t, len(ws), maxJunkWarnings)
	require.Len(t, d.Recipients, 1)
}
