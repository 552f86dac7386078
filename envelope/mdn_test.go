package envelope

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/mime"
)

func TestParseDisposition(t *testing.T) {
	tests := []struct {
		in, out string
		ok      bool
	}{
		{"manual-action/MDN-sent-manually; displayed", "manual-action/MDN-sent-manually; displayed", true},
		{"Automatic-Action / mdn-SENT-automatically ; Deleted", "automatic-action/MDN-sent-automatically; deleted", true},
		{"automatic-action/MDN-sent-automatically; processed/error", "automatic-action/MDN-sent-automatically; processed/error", true},
		{"manual-action/MDN-sent-manually; dispatched / error , x-mod", "manual-action/MDN-sent-manually; dispatched/error,x-mod", true},
		{"manual-action (the user) /MDN-sent-manually; displayed (read)", "manual-action/MDN-sent-manually; displayed", true},
		{"manual-action/MDN-sent-manually", "", false},
		{"manual-action; displayed", "", false},
		{"other-action/MDN-sent-manually; displayed", "", false},
		{"manual-action/MDN-sent-manually; read", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		d, err := ParseDisposition(tt.in)
		if !tt.ok {
			require.ErrorIs(t, err, ErrSyntax, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.out, d.String())
		d2, err := ParseDisposition(d.String())
		require.NoError(t, err)
		require.Equal(t, d, d2)
	}
}

func TestBuildParseMDN(t *testing.T) {
	o := &BuildMDNOptions{
		To:                Path{Local: "alice", Domain: "sender.test"},
		From:              Path{Local: "bob", Domain: "rcpt.test"},
		ReportingUA:       "mua.rcpt.test; Yubin",
		OriginalRecipient: "Bob@rcpt.test",
		FinalRecipient:    "bob@rcpt.test",
		OriginalMessageID: "<orig-1@sender.test>",
		Disposition:       Disposition{ActionMode: ActionManual, SendingMode: SentManually, Type: DispDisplayed},
		OriginalHeader:    origMsg,
		Subject:           "hi",
		Date:              testDate,
	}
	msg, err := BuildMDN(o)
	require.NoError(t, err)
	s := string(msg)
	require.Contains(t, s, "To: alice@sender.test\r\n")
	require.Contains(t, s, "Subject: Read: hi\r\n")
	require.Contains(t, s, "In-Reply-To: <orig-1@sender.test>\r\n")
	require.Contains(t, s, "report-type=disposition-notification")
	require.NotContains(t, s, "Auto-Submitted") // sent manually
	require.NotContains(t, s, "Hello Bob")      // header only

	m, err := ParseMDN(bytes.NewReader(msg), nil)
	require.NoError(t, err)
	require.Equal(t, "mua.rcpt.test; Yubin", m.ReportingUA)
	require.Equal(t, "rfc822; Bob@rcpt.test", m.OriginalRecipient.String())
	require.Equal(t, "bob@rcpt.test", m.FinalRecipient.Value)
	require.Equal(t, "<orig-1@sender.test>", m.OriginalMessageID)
	require.Equal(t, o.Disposition, m.Disposition)
	require.True(t, m.HeadersOnly)
	require.Contains(t, string(m.Original), "Message-ID: <orig-1@sender.test>")
	require.Contains(t, m.HumanText, "does not mean that the message was read")

	o.Disposition = Disposition{ActionMode: ActionAutomatic, SendingMode: SentAutomatic, Type: DispDeleted}
	o.FinalRecipient = "用户@例子.测试"
	msg, err = BuildMDN(o)
	require.NoError(t, err)
	require.Contains(t, string(msg), "Auto-Submitted: auto-replied\r\n")
	require.Contains(t, string(msg), "message/global-disposition-notification")
	m, err = ParseMDN(bytes.NewReader(msg), nil)
	require.NoError(t, err)
	require.True(t, m.Global)
	require.Equal(t, "用户@例子.测试", m.FinalRecipient.Value)

	o.To = Path{}
	_, err = BuildMDN(o)
	require.ErrorIs(t, err, ErrNullPath)
	o.To = Path{Local: "a", Domain: "b.test"}
	o.Disposition.Type = "read"
	_, err = BuildMDN(o)
	require.Error(t, err)
	o.Disposition.Type = DispDisplayed
	o.FinalRecipient = ""
	_, err = BuildMDN(o)
	require.Error(t, err)
}

func TestParseMDNShapes(t *testing.T) {
	// A Thunderbird-like MDN with LF line ends, a comment and an Error field.
	in := "From: bob@rcpt.test\nTo: alice@sender.test\nSubject: Return Receipt\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=disposition-notification;\n boundary=\"R\"\n\n" +
		"--R\nContent-Type: text/plain; charset=UTF-8\n\nThe message was displayed.\n" +
		"--R\nContent-Type: message/disposition-notification; name=\"MDNPart2.txt\"\nContent-Disposition: inline\n\n" +
		"Reporting-UA: mua.rcpt.test; Thunderbird\nFinal-Recipient: rfc822;bob@rcpt.test\n" +
		"Original-Message-ID: <m@sender.test>\nDisposition: manual-action/MDN-sent-manually; displayed (by the user)\nError: none really\n" +
		"--R--\n"
	m, err := ParseMDN(strings.NewReader(in), nil)
	require.NoError(t, err)
	require.Equal(t, DispDisplayed, m.Disposition.Type)
	require.Equal(t, []string{"none really"}, m.Errors)
	require.Equal(t, "The message was displayed.", m.HumanText) // the last line break belongs to the delimiter

	// Not an MDN: a DSN, plain text, a report with a bad Disposition.
	for _, s := range []string{
		"Subject: x\r\n\r\nhello\r\n",
		"Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n--b\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822; a@b\r\nDisposition: bogus\r\n--b--\r\n",
	} {
		_, err := ParseMDN(strings.NewReader(s), nil)
		require.ErrorIs(t, err, ErrNotMDN)
	}
	b, err := BuildDSN(testDSNOptions())
	require.NoError(t, err)
	_, err = ParseMDN(bytes.NewReader(b), nil)
	require.ErrorIs(t, err, ErrNotMDN)

	// Outside multipart/report: accepted with a warning.
	s := "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/disposition-notification\r\n\r\nDisposition: automatic-action/MDN-sent-automatically; processed\r\n--b--\r\n"
	m, err = ParseMDN(strings.NewReader(s), nil)
	var ws mime.Warnings
	require.ErrorAs(t, err, &ws)
	require.True(t, ws.Has(WarnNotReport))
	require.True(t, ws.Has(WarnMissingField))
	require.Equal(t, DispProcessed, m.Disposition.Type)
}

func TestRequestedMDN(t *testing.T) {
	rp := Path{Local: "alice", Domain: "Sender.test"}
	tests := []struct {
		hdr     string
		rp      Path
		ok      bool
		confirm bool
	}{
		{"Subject: x\r\n\r\n", rp, false, false},
		{"Disposition-Notification-To: Alice <alice@sender.test>\r\n\r\n", rp, true, false},
		{"Disposition-Notification-To: other@sender.test\r\n\r\n", rp, true, true},
		{"Disposition-Notification-To: Alice@sender.test\r\n\r\n", rp, true, true},
		{"Disposition-Notification-To: alice@sender.test, b@x.test\r\n\r\n", rp, true, true},
		{"Disposition-Notification-To: alice@sender.test\r\n\r\n", Path{}, true, true},
		{"Disposition-Notification-To: garbage\r\n\r\n", rp, false, false},
	}
	for _, tt := range tests {
		req, ok := RequestedMDN(readHeader(t, tt.hdr), tt.rp)
		require.Equal(t, tt.ok, ok, tt.hdr)
		require.Equal(t, tt.confirm, req.Confirm, tt.hdr)
	}
}

func TestShouldAutoReply(t *testing.T) {
	from := Path{Local: "alice", Domain: "sender.test"}
	me := &AutoReplyOptions{Recipients: []Path{{Local: "bob", Domain: "rcpt.test"}}}
	tests := []struct {
		name, hdr string
		from      Path
		opts      *AutoReplyOptions
		reason    string
	}{
		{"plain", "From: alice@sender.test\r\nTo: bob@rcpt.test\r\n\r\n", from, me, ""},
		{"auto-submitted no", "Auto-Submitted: no\r\nTo: bob@rcpt.test\r\n\r\n", from, me, ""},
		{"null sender", "To: bob@rcpt.test\r\n\r\n", Path{}, nil, NoReplyNullSender},
		{"auto-replied", "Auto-Submitted: auto-replied\r\n\r\n", from, nil, NoReplyAutoSubmitted},
		{"auto-generated comment", "Auto-Submitted: auto-generated (failure)\r\n\r\n", from, nil, NoReplyAutoSubmitted},
		{"list-id", "List-Id: <l.sender.test>\r\n\r\n", from, nil, NoReplyList},
		{"list-unsubscribe", "List-Unsubscribe: <mailto:u@l.test>\r\n\r\n", from, nil, NoReplyList},
		{"precedence bulk", "Precedence: Bulk\r\n\r\n", from, nil, NoReplyPrecedence},
		{"precedence junk", "Precedence: junk\r\n\r\n", from, nil, NoReplyPrecedence},
		{"precedence list", "Precedence: list\r\n\r\n", from, nil, NoReplyPrecedence},
		{"mailer-daemon", "\r\n", Path{Local: "MAILER-DAEMON", Domain: "x.test"}, nil, NoReplySystemSender},
		{"owner", "\r\n", Path{Local: "owner-list", Domain: "x.test"}, nil, NoReplySystemSender},
		{"request", "\r\n", Path{Local: "list-request", Domain: "x.test"}, nil, NoReplySystemSender},
		{"noreply", "\r\n", Path{Local: "noreply", Domain: "x.test"}, nil, NoReplySystemSender},
		{"no-reply", "\r\n", Path{Local: "No-Reply", Domain: "x.test"}, nil, NoReplySystemSender},
		{"bounces verp", "\r\n", Path{Local: "bounces+123-abc", Domain: "x.test"}, nil, NoReplySystemSender},
		{"suppress", "X-Auto-Response-Suppress: DR, OOF\r\n\r\n", from, nil, NoReplySuppressed},
		{"report", "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n", from, nil, NoReplyReport},
		{"not addressed", "To: list@lists.test\r\n\r\n", from, me, NoReplyNotAddressed},
		{"resent addressed", "Resent-To: Bob@RCPT.test\r\nTo: list@lists.test\r\n\r\n", from, me, ""},
	}
	for _, tt := range tests {
		ok, reason := ShouldAutoReply(tt.from, readHeader(t, tt.hdr), tt.opts)
		require.Equal(t, tt.reason == "", ok, tt.name)
		require.Equal(t, tt.reason, reason, tt.name)
	}
}

func TestAutoReplyHeader(t *testing.T) {
	orig := readHeader(t, "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <m2@sender.test>\r\nReferences: <m1@sender.test>\r\n\r\n")
	h := AutoReplyHeader(orig, Path{Local: "alice", Domain: "sender.test"})
	require.Equal(t, "alice@sender.test", h.Get("To"))
	require.Equal(t, "Auto: Grüße", h.Text("Subject"))
	require.Equal(t, "<m2@sender.test>", h.Get("In-Reply-To"))
	require.Equal(t, "<m1@sender.test> <m2@sender.test>", h.Get("References"))
	require.Equal(t, "auto-replied", h.Get("Auto-Submitted"))
	h = AutoReplyHeader(readHeader(t, "Subject: Auto: x\r\n\r\n"), Path{Local: "a", Domain: "b.test"})
	require.Equal(t, "Auto: x", h.Get("Subject"))
	require.False(t, h.Has("In-Reply-To"))
}
