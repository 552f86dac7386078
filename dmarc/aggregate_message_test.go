package dmarc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

// The report part is found by an RFC 2231 file name, and its base64 may
// hold blanks and tabs between the characters.
func TestParseAggregateReportMessageEncodings(t *testing.T) {
	rep := buildTestReport(t)
	var gz bytes.Buffer
	require.NoError(t, rep.WriteGzip(&gz))
	b64 := base64.StdEncoding.EncodeToString(gz.Bytes())
	var spaced strings.Builder
	for i := 0; i < len(b64); i += 60 {
		spaced.WriteString(" \t" + b64[i:min(i+60, len(b64))] + " \r\n")
	}
	msg := "From: dmarc@mx.example.net\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: Base64\r\n" +
		"Content-Disposition: attachment;\r\n filename*0*=utf-8''mx.example.net%21example.com;\r\n filename*1=\"!1!2.xml.gz\"\r\n\r\n" +
		spaced.String() + "--b1--\r\n"
	got, err := ParseAggregateReportMessage(strings.NewReader(msg), nil)
	require.NoError(t, err)
	require.Equal(t, rep.Records, got.Records)

	// The file name in the Content-Type name parameter.
	msg = strings.Replace(msg, "application/octet-stream", "application/octet-stream; name=r.xml.gz", 1)
	msg = strings.Replace(msg, "Content-Disposition: attachment;\r\n filename*0*=utf-8''mx.example.net%21example.com;\r\n filename*1=\"!1!2.xml.gz\"\r\n", "", 1)
	got, err = ParseAggregateReportMessage(strings.NewReader(msg), nil)
	require.NoError(t, err)
	require.Equal(t, rep.Records, got.Records)
}

// Hostile report e-mails hit the MIME readers' limits with a typed error.
func TestParseAggregateReportMessageHostile(t *testing.T) {
	for _, tc := range []struct {
		name, msg string
		is        error
		limit     string
	}{
		{"too many parts", "Content-Type: multipart/mixed; boundary=x\r\n\r\n" + strings.Repeat("--x\r\n\r\n", 100000) + "--x--\r\n",
			ErrReportTooLarge, "MaxParts"},
		{"nested too many parts", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=y\r\n\r\n" +
			strings.Repeat("--y\r\n\r\n", 1000) + "--y--\r\n--x--\r\n", ErrReportTooLarge, "MaxParts"},
		{"huge header", "Subject: " + strings.Repeat("word\r\n ", 100000) + "\r\nContent-Type: text/xml\r\n\r\n<feedback/>",
			ErrReportTooLarge, "MaxHeaderBytes"},
		{"huge part header", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nX: " + strings.Repeat("y", 20000) +
			"\r\nContent-Type: text/xml\r\n\r\n<feedback/>\r\n--x--\r\n", ErrReportTooLarge, "MaxHeaderBytes"},
		{"over-long boundary", "Content-Type: multipart/mixed; boundary=" + strings.Repeat("b", 5000) + "\r\n\r\n",
			ErrReportTooLarge, "MaxBoundaryLength"},
		{"empty boundary", "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\nContent-Type: text/xml\r\n\r\n<feedback/>\r\n----\r\n",
			ErrNoReport, ""},
		{"no close delimiter", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi",
			ErrNoReport, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAggregateReportMessage(strings.NewReader(tc.msg), nil)
			requireReportError(t, err, tc.is, tc.limit)
		})
	}
}

// requireReportError checks that err is the typed error is and, for a
// limit name, that it also is a *mime.LimitError for that limit.
func requireReportError(t *testing.T, err, is error, limit string) {
	t.Helper()
	require.ErrorIs(t, err, is)
	var le *mime.LimitError
	require.Equal(t, limit != "", errors.As(err, &le), "%v", err)
	if limit != "" {
		require.Equal(t, limit, le.Limit)
	}
}
