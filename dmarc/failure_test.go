package dmarc

import (
	"bufio"
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/message"
)

func TestFailureReportRoundTrip(t *testing.T) {
	res := resolver(map[string][]string{"_dmarc.example.com": {"v=DMARC1; p=reject; ruf=mailto:f@example.com; fo=1"}})
	orig := "From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nbody\r\n"
	dk := []dkim.Result{{Status: dkim.StatusFail, Domain: "example.com", Selector: "s1", Reason: "body hash did not verify"}}
	sp := spfPass("spoof.test")
	r := Evaluate(context.Background(), &Input{Header: header(t, "From: a@example.com\r\n"), SPF: sp, DKIM: dk}, &Options{Resolver: res})
	require.Equal(t, StatusFail, r.Status)
	require.True(t, WantFailureReport(r.Record, r, sp, dk))

	ip := netip.MustParseAddr("192.0.2.7")
	fr := NewFailureReport(r, sp, dk, ip, []byte(orig), false)
	fr.UserAgent = "yubin/1"
	fr.ReportingMTA = "dns; mx.example.net"
	fr.ArrivalDate = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	fr.OriginalRcptTo = []string{"b@example.net"}
	var out bytes.Buffer
	require.NoError(t, fr.WriteMessage(&out, &FailureMessage{From: "dmarc@mx.example.net", To: "f@example.com",
		Date: fr.ArrivalDate, MessageID: "r1@mx.example.net"}))
	s := out.String()
	require.Contains(t, s, "Content-Type: multipart/report; report-type=feedback-report;")
	require.Contains(t, s, "Feedback-Type: auth-failure\r\n")
	require.Contains(t, s, "Identity-Alignment: none\r\n")

	back, err := ParseFailureReport(strings.NewReader(s), nil)
	require.NoError(t, err)
	require.Equal(t, "auth-failure", back.FeedbackType)
	require.Equal(t, ip, back.SourceIP)
	require.Equal(t, []string{"example.com"}, back.ReportedDomain)
	require.Equal(t, "dmarc", back.AuthFailure)
	require.Equal(t, "reject", back.DeliveryResult)
	require.Equal(t, "example.com", back.DKIMDomain)
	require.Equal(t, "s1", back.DKIMSelector)
	require.Equal(t, "bounce@spoof.test", back.OriginalMailFrom)
	require.Equal(t, []string{"b@example.net"}, back.OriginalRcptTo)
	require.True(t, fr.ArrivalDate.Equal(back.ArrivalDate))
	require.Equal(t, orig, string(back.Original))
	require.False(t, back.HeadersOnly)
	require.Contains(t, back.AuthenticationResults, "dmarc=fail")
	require.NotEmpty(t, back.Fields)

	// Headers only.
	fr.Original, fr.HeadersOnly = []byte("From: a@example.com\r\n"), true
	out.Reset()
	require.NoError(t, fr.WriteMessage(&out, &FailureMessage{From: "dmarc@mx.example.net", To: "f@example.com"}))
	back, err = ParseFailureReport(&out, nil)
	require.NoError(t, err)
	require.True(t, back.HeadersOnly)

	// Header injection is refused.
	fr.UserAgent = "x\r\nBcc: victim@example.org"
	require.ErrorIs(t, fr.WriteMessage(&out, &FailureMessage{From: "a@b", To: "c@d"}), ErrHeaderInjection)
}

func TestParseFailureReportErrors(t *testing.T) {
	for _, msg := range []string{
		"From: a@b\r\nContent-Type: text/plain\r\n\r\nhi\r\n",
		"From: a@b\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n\r\n--x--\r\n",
		"From: a@b\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nno report part\r\n--x--\r\n",
	} {
		_, err := ParseFailureReport(strings.NewReader(msg), nil)
		require.ErrorIs(t, err, ErrNotFailureReport)
	}
	big := "From: a@b\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n" +
		strings.Repeat("a", 5000) + "\r\n--x--\r\n"
	_, err := ParseFailureReport(strings.NewReader(big), &ReportOptions{MaxInputBytes: 1000})
	require.ErrorIs(t, err, ErrReportTooLarge)
}

func TestWantFailureReport(t *testing.T) {
	rec, _ := ParseRecord("v=DMARC1; p=none; ruf=mailto:a@example.com; fo=0")
	both := &Result{SPFAligned: false, DKIMAligned: true}
	require.False(t, WantFailureReport(rec, both, nil, nil))
	rec.FailureOptions = []string{"1"}
	require.True(t, WantFailureReport(rec, both, nil, nil))
	rec.FailureOptions = []string{"d"}
	require.True(t, WantFailureReport(rec, both, nil, []dkim.Result{{Status: dkim.StatusFail}}))
	rec.FailureURIs = nil
	require.False(t, WantFailureReport(rec, &Result{}, nil, nil))
}

// Regression (FuzzParseFailureReport): an empty Reported-Domain was kept as
// a domain "" that the writer then dropped.
func TestFailureReportEmptyField(t *testing.T) {
	msg := "Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n" +
		"--x\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: auth-failure\r\nReported-Domain:\r\n--x--\r\n"
	r, err := ParseFailureReport(strings.NewReader(msg), nil)
	require.NoError(t, err)
	require.Empty(t, r.ReportedDomain)
	require.Len(t, r.Fields, 2)
}

// Without a MessageID, the report's Message-ID takes the From domain, and
// a From without one still gives a valid msg-id.
func TestFailureReportMessageID(t *testing.T) {
	fr := &FailureReport{SourceIP: netip.MustParseAddr("192.0.2.1")}
	for from, suffix := range map[string]string{
		"DMARC <dmarc@mx.example.net>": "@mx.example.net>",
		"dmarc":                        "@localhost>",
		"dmarc@bücher.example":         "@xn--bcher-kva.example>",
		"dmarc@[192.0.2.1]":            "@localhost>",
		"x <a@b>>":                     "@localhost>",
	} {
		var out bytes.Buffer
		require.NoError(t, fr.WriteMessage(&out, &FailureMessage{From: from, To: "f@example.com"}))
		h, err := message.ReadHeader(bufio.NewReader(&out), nil)
		require.NoError(t, err)
		id := h.Get("Message-ID")
		require.True(t, strings.HasSuffix(id, suffix), "%s: %s", from, id)
		_, err = message.ParseMsgID(id)
		require.NoError(t, err)
	}
}
