package dmarc

import (
	"bufio"
	"bytes"
	"io"
	stdmime "mime"
	"mime/multipart"
	"net/mail"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func interopReport() *FailureReport {
	return &FailureReport{
		Text:           "Un rapport d'échec.\r\nLine two.\r\n",
		UserAgent:      "yubin/1",
		ArrivalDate:    time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
		SourceIP:       netip.MustParseAddr("2001:db8::7"),
		ReportedDomain: []string{"example.com", "bücher.example"},
		AuthFailure:    "dmarc",
		OriginalRcptTo: []string{"b@example.net", "c@example.net"},
		Original:       []byte("From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n--not-the-boundary\r\n"),
	}
}

// A report we build parses with the standard library's net/mail and
// mime/multipart: the same parts, fields and bytes, and a Subject whose
// encoded words the stdlib decoder gives back.
func TestFailureReportStdlibInterop(t *testing.T) {
	fr := interopReport()
	subject := "Échec DMARC pour bücher.example, un sujet assez long pour être plié sur deux lignes"
	var out bytes.Buffer
	require.NoError(t, fr.WriteMessage(&out, &FailureMessage{From: "DMARC <dmarc@mx.example.net>", To: "f@example.com",
		Subject: subject, Date: fr.ArrivalDate}))

	msg, err := mail.ReadMessage(bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	got, err := new(stdmime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, subject, got)
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	require.NoError(t, err)
	require.Equal(t, "dmarc@mx.example.net", from.Address)
	id := msg.Header.Get("Message-Id")
	require.True(t, strings.HasPrefix(id, "<") && strings.HasSuffix(id, "@mx.example.net>"), id)
	date, err := msg.Header.Date()
	require.NoError(t, err)
	require.True(t, date.Equal(fr.ArrivalDate))

	mt, params, err := stdmime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/report", mt)
	require.Equal(t, "feedback-report", params["report-type"])
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	var bodies [][]byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		pt, _, err := stdmime.ParseMediaType(p.Header.Get("Content-Type"))
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		types, bodies = append(types, pt), append(bodies, b)
	}
	require.Equal(t, []string{"text/plain", "message/feedback-report", "message/rfc822"}, types)
	require.Equal(t, fr.Text, string(bodies[0]))
	require.Equal(t, fr.Original, bodies[2])
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(bodies[1], '\r', '\n'))))
	fields, err := tp.ReadMIMEHeader()
	require.NoError(t, err)
	require.Equal(t, []string{"auth-failure"}, fields["Feedback-Type"])
	require.Equal(t, []string{"example.com", "bücher.example"}, fields["Reported-Domain"])
	require.Equal(t, []string{"b@example.net", "c@example.net"}, fields["Original-Rcpt-To"])
	require.Equal(t, []string{"2001:db8::7"}, fields["Source-Ip"])
}

// A report written by the standard library's mime/multipart, with the
// text part in quoted-printable (which the stdlib reader decoded too),
// parses to the values it was built from.
func TestParseStdlibBuiltFailureReport(t *testing.T) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part := func(ct, cte, b string) {
		h := textproto.MIMEHeader{"Content-Type": {ct}}
		if cte != "" {
			h.Set("Content-Transfer-Encoding", cte)
		}
		w, err := mw.CreatePart(h)
		require.NoError(t, err)
		_, err = io.WriteString(w, b)
		require.NoError(t, err)
	}
	part("text/plain; charset=utf-8", "quoted-printable", "Un rapport d'=C3=A9chec.=\r\n Suite.\r\n")
	part("message/feedback-report", "", "Feedback-Type: auth-failure\r\nVersion: 1\r\nSource-IP: 192.0.2.9\r\n"+
		"Reported-Domain: example.com\r\nAuthentication-Results: mx.example.net;\r\n dmarc=fail header.from=example.com\r\n")
	part("text/rfc822-headers", "", "From: a@example.com\r\nTo: b@example.net\r\n")
	require.NoError(t, mw.Close())
	msg := "From: dmarc@mx.example.net\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: " + stdmime.FormatMediaType("multipart/report",
		map[string]string{"report-type": "feedback-report", "boundary": mw.Boundary()}) + "\r\n\r\n" + body.String()

	r, err := ParseFailureReport(strings.NewReader(msg), nil)
	require.NoError(t, err)
	require.Equal(t, "Un rapport d'échec. Suite.\r\n", r.Text)
	require.Equal(t, "auth-failure", r.FeedbackType)
	require.Equal(t, netip.MustParseAddr("192.0.2.9"), r.SourceIP)
	require.Equal(t, []string{"example.com"}, r.ReportedDomain)
	require.Equal(t, "mx.example.net; dmarc=fail header.from=example.com", r.AuthenticationResults)
	require.True(t, r.HeadersOnly)
	require.Equal(t, "From: a@example.com\r\nTo: b@example.net\r\n", string(r.Original))
}
