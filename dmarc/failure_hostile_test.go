package dmarc

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

const (
	arfType     = "Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n"
	arfFeedback = "--x\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: auth-failure\r\nVersion: 1\r\n"
	arfOriginal = "--x\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: a@example.com\r\n"
)

// Hostile failure reports (see SECURITY.md, MIME and headers) give a typed
// error, never a panic, a hang or unbounded memory.
func TestParseFailureReportHostile(t *testing.T) {
	long := strings.Repeat("b", 5000)
	for _, tc := range []struct {
		name  string
		msg   string
		is    error  // errors.Is
		limit string // a *mime.LimitError with this Limit, if not ""
		bound bool   // a *mime.BoundaryError
	}{
		{name: "too many parts", msg: arfType + arfFeedback + strings.Repeat("--x\r\n\r\n", 100000) + "--x--\r\n",
			is: ErrReportTooLarge, limit: "MaxParts"},
		{name: "eleven parts", msg: arfType + arfFeedback + strings.Repeat(arfOriginal, 10) + "--x--\r\n",
			is: ErrReportTooLarge, limit: "MaxParts"},
		{name: "missing boundary", msg: "Content-Type: multipart/report; report-type=feedback-report\r\n\r\n" + arfFeedback + "--x--\r\n",
			is: ErrNotFailureReport, bound: true},
		{name: "empty boundary", msg: "Content-Type: multipart/report; report-type=feedback-report; boundary=\"\"\r\n\r\n--\r\n\r\n----\r\n",
			is: ErrNotFailureReport, bound: true},
		{name: "over-long boundary", msg: "Content-Type: multipart/report; report-type=feedback-report; boundary=" + long + "\r\n\r\n" +
			"--" + long + "\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: auth-failure\r\n--" + long + "--\r\n",
			is: ErrReportTooLarge, limit: "MaxBoundaryLength"},
		{name: "no close delimiter", msg: arfType + arfFeedback + arfOriginal, is: io.ErrUnexpectedEOF},
		{name: "cut in the feedback report", msg: arfType + arfFeedback[:len(arfFeedback)-10], is: io.ErrUnexpectedEOF},
		{name: "cut in a part header", msg: arfType + arfFeedback + "--x\r\nContent-Type: text/rfc8", is: io.ErrUnexpectedEOF},
		{name: "cut after the header", msg: arfType, is: ErrNotFailureReport},
		{name: "no delimiter", msg: arfType + "Feedback-Type: auth-failure\r\n", is: ErrNotFailureReport},
		{name: "huge folded header field", msg: "Subject: " + strings.Repeat("word\r\n ", 100000) + "\r\n" + arfType + arfFeedback + "--x--\r\n",
			is: ErrReportTooLarge, limit: "MaxHeaderBytes"},
		{name: "100000 header fields", msg: strings.Repeat("X: y\r\n", 100000) + arfType + arfFeedback + "--x--\r\n",
			is: ErrReportTooLarge, limit: "MaxFields"},
		{name: "huge part header", msg: arfType + "--x\r\nX: " + strings.Repeat("y", 20000) + "\r\n" +
			arfFeedback[len("--x\r\n"):] + "--x--\r\n", is: ErrReportTooLarge, limit: "MaxHeaderBytes"},
		{name: "huge feedback field", msg: arfType + arfFeedback + "Authentication-Results: " +
			strings.Repeat("a ", 200000) + "\r\n--x--\r\n", is: ErrReportTooLarge, limit: "MaxHeaderBytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFailureReport(strings.NewReader(tc.msg), nil)
			requireReportError(t, err, tc.is, tc.limit)
			var be *mime.BoundaryError
			require.Equal(t, tc.bound, errors.As(err, &be), "%v", err)
		})
	}
}

// The same report without the hostile parts parses, so that each case
// above fails for its own reason.
func TestParseFailureReportHostileBaseline(t *testing.T) {
	r, err := ParseFailureReport(strings.NewReader(arfType+arfFeedback+arfOriginal+"--x--\r\n"), nil)
	require.NoError(t, err)
	require.Equal(t, "auth-failure", r.FeedbackType)
	require.True(t, r.HeadersOnly)
	// Ten parts are allowed.
	_, err = ParseFailureReport(strings.NewReader(arfType+arfFeedback+strings.Repeat(arfOriginal, 9)+"--x--\r\n"), nil)
	require.NoError(t, err)
}
