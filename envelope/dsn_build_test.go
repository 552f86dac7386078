package envelope

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var origMsg = []byte("From: Alice <alice@sender.test>\r\nTo: bob@rcpt.test\r\nSubject: hi\r\nMessage-ID: <orig-1@sender.test>\r\n\r\nHello Bob.\r\n")

func testDSNOptions() *BuildDSNOptions {
	return &BuildDSNOptions{
		ReportingMTA:    "mx.sender.test",
		To:              Path{Local: "alice", Domain: "sender.test"},
		EnvID:           "QQ+314159",
		ReceivedFromMTA: "client.sender.test",
		ArrivalDate:     testDate,
		Date:            testDate,
		MessageID:       "dsn-1@mx.sender.test",
		Original:        origMsg,
		Recipients: []DSNRecipient{
			{
				OriginalRecipient: TypedValue{"rfc822", "Bob@rcpt.test"},
				FinalRecipient:    TypedValue{Value: "bob@rcpt.test"},
				Action:            ActionFailed,
				Status:            StatusCode{5, 1, 1},
				RemoteMTA:         TypedValue{Value: "mx.rcpt.test"},
				DiagnosticCode:    TypedValue{Value: "550 5.1.1 <bob@rcpt.test>: Recipient address rejected: User unknown in virtual mailbox table"},
				LastAttemptDate:   testDate,
			},
			{
				FinalRecipient: TypedValue{"rfc822", "carol@rcpt.test"},
				Action:         ActionDelayed,
				Status:         StatusCode{4, 4, 1},
				WillRetryUntil: testDate.Add(96 * time.Hour),
				FinalLogID:     "Q123",
			},
		},
	}
}

func TestBuildDSN(t *testing.T) {
	o := testDSNOptions()
	msg, err := BuildDSN(o)
	require.NoError(t, err)
	s := string(msg)
	require.Contains(t, s, "From: Mail Delivery System <MAILER-DAEMON@mx.sender.test>\r\n")
	require.Contains(t, s, "To: alice@sender.test\r\n")
	require.Contains(t, s, "Subject: Undelivered Mail Returned to Sender\r\n")
	require.Contains(t, s, "Auto-Submitted: auto-replied\r\n")
	require.Contains(t, s, "References: <orig-1@sender.test>\r\n")
	require.Contains(t, s, "Content-Type: multipart/report; report-type=delivery-status;")
	require.Contains(t, s, "Original-Envelope-Id: QQ+2B314159\r\n")
	require.Contains(t, s, "Reporting-MTA: dns; mx.sender.test\r\n")
	require.Contains(t, s, "Final-Recipient: rfc822; bob@rcpt.test\r\n")
	require.Contains(t, s, "Content-Type: text/rfc822-headers\r\n")
	require.NotContains(t, s, "Hello Bob.") // headers only by default
	for _, ln := range strings.Split(s, "\r\n") {
		require.LessOrEqual(t, len(ln), 78, ln)
		require.NotContains(t, ln, "\n")
	}

	d, err := ParseDSN(bytes.NewReader(msg), nil)
	require.NoError(t, err)
	require.True(t, d.Report)
	require.False(t, d.Global)
	require.Equal(t, "QQ+2B314159", d.OriginalEnvelopeID)
	require.Equal(t, "dns; mx.sender.test", d.ReportingMTA.String())
	require.Equal(t, "dns; client.sender.test", d.ReceivedFromMTA.String())
	require.True(t, d.ArrivalDate.Equal(testDate))
	require.Len(t, d.Recipients, 2)
	r := d.Recipients[0]
	require.Equal(t, "rfc822; Bob@rcpt.test", r.OriginalRecipient.String())
	require.Equal(t, "bob@rcpt.test", r.Recipient())
	require.Equal(t, ActionFailed, r.Action)
	require.Equal(t, "5.1.1", r.Status.String())
	require.Equal(t, "dns; mx.rcpt.test", r.RemoteMTA.String())
	require.Equal(t, "smtp; "+o.Recipients[0].DiagnosticCode.Value, r.DiagnosticCode.String())
	require.True(t, r.LastAttemptDate.Equal(testDate))
	r = d.Recipients[1]
	require.Equal(t, ActionDelayed, r.Action)
	require.Equal(t, "Q123", r.FinalLogID)
	require.True(t, r.WillRetryUntil.Equal(testDate.Add(96*time.Hour)))
	require.True(t, d.HeadersOnly)
	require.Equal(t, "From: Alice <alice@sender.test>\r\nTo: bob@rcpt.test\r\nSubject: hi\r\nMessage-ID: <orig-1@sender.test>\r\n", string(d.Original))
	require.Contains(t, d.HumanText, "<bob@rcpt.test>: failed, 5.1.1 (Bad destination mailbox address)")

	// RET=FULL returns the whole message.
	o.Ret = RetFull
	msg, err = BuildDSN(o)
	require.NoError(t, err)
	d, err = ParseDSN(bytes.NewReader(msg), nil)
	require.NoError(t, err)
	require.False(t, d.HeadersOnly)
	require.Equal(t, string(origMsg), string(d.Original))
}

func TestBuildDSNGlobal(t *testing.T) {
	o := testDSNOptions()
	o.To = Path{Local: "jörg", Domain: "bücher.test"}
	o.Recipients = []DSNRecipient{{FinalRecipient: TypedValue{Value: "用户@例子.测试"}, Action: ActionFailed, Status: StatusCode{5, 1, 1},
		DiagnosticCode: TypedValue{"smtp", "550 5.1.1 用户 unknown"}}}
	o.HumanText = "Die Nachricht konnte nicht zugestellt werden: Grüße.\n"
	msg, err := BuildDSN(o)
	require.NoError(t, err)
	require.Contains(t, string(msg), "Content-Type: message/global-delivery-status\r\n")
	require.Contains(t, string(msg), "Content-Type: message/global-headers\r\n")
	require.Contains(t, string(msg), "Final-Recipient: utf-8; 用户@例子.测试\r\n")
	require.Contains(t, string(msg), "To: jörg@bücher.test\r\n")
	d, err := ParseDSN(bytes.NewReader(msg), nil)
	require.NoError(t, err)
	require.True(t, d.Global)
	require.Equal(t, "用户@例子.测试", d.Recipients[0].Recipient())
	require.Equal(t, "Die Nachricht konnte nicht zugestellt werden: Grüße.\r\n", d.HumanText)
}

func TestBuildDSNErrors(t *testing.T) {
	o := testDSNOptions()
	o.To = Path{}
	_, err := BuildDSN(o)
	require.ErrorIs(t, err, ErrNullPath)

	for name, mut := range map[string]func(o *BuildDSNOptions){
		"no mta":         func(o *BuildDSNOptions) { o.ReportingMTA = "" },
		"bad mta":        func(o *BuildDSNOptions) { o.ReportingMTA = "a b" },
		"no rcpts":       func(o *BuildDSNOptions) { o.Recipients = nil },
		"no final":       func(o *BuildDSNOptions) { o.Recipients[0].FinalRecipient = TypedValue{} },
		"bad action":     func(o *BuildDSNOptions) { o.Recipients[0].Action = "bounced" },
		"class mismatch": func(o *BuildDSNOptions) { o.Recipients[1].Status = StatusCode{5, 4, 1} },
		"invalid utf-8":  func(o *BuildDSNOptions) { o.Recipients[0].FinalRecipient.Value = "\xb1@example.test" },
		"invalid orcpt": func(o *BuildDSNOptions) {
			o.Recipients[0].OriginalRecipient = TypedValue{Type: "utf-8", Value: "a\xffb@x.test"}
		},
	} {
		o := testDSNOptions()
		mut(o)
		_, err := BuildDSN(o)
		require.Error(t, err, name)
	}
}
