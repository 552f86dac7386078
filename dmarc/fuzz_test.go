package dmarc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseRecord(f *testing.F) {
	f.Add("v=DMARC1; p=reject; sp=none; np=quarantine; psd=y; t=y; pct=10; adkim=s; aspf=r; rua=mailto:a@b.c!10m; ruf=mailto:x@y.z; fo=1:d; rf=afrf; ri=60")
	f.Add("v=DMARC1; rua=mailto:a@b.c")
	f.Add("v=DMARC1;;;p=none;p=none")
	f.Add("v = dmarc1 ; p = NONE")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecord(s)
		if err != nil {
			return
		}
		// Round trip: the formatted record parses to the same policy.
		r2, err := ParseRecord(r.String())
		if err != nil {
			t.Fatalf("reparse of %q (%q): %v", r.String(), s, err)
		}
		if r2.String() != r.String() {
			t.Fatalf("round trip: %q -> %q", r.String(), r2.String())
		}
	})
}

func FuzzParseAggregateReport(f *testing.F) {
	f.Add([]byte(`<feedback><report_metadata><org_name>o</org_name><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata>` +
		`<policy_published><domain>example.com</domain><p>reject</p></policy_published>` +
		`<record><row><source_ip>192.0.2.1</source_ip><count>2</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>` +
		`<identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record></feedback>`))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := &ReportOptions{MaxInputBytes: 1 << 16, MaxXMLBytes: 1 << 18, MaxRecords: 100}
		rep, err := ParseAggregateReport(bytes.NewReader(data), opts)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := rep.WriteXML(&out); err != nil {
			t.Fatal(err)
		}
		rep2, err := ParseAggregateReport(&out, nil)
		if err != nil {
			t.Fatalf("reparse: %v\n%s", err, out.String())
		}
		if len(rep2.Records) != len(rep.Records) || rep2.Policy != rep.Policy {
			t.Fatalf("round trip changed the report")
		}
	})
}

func FuzzParseFailureReport(f *testing.F) {
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n" +
		"--x\r\nContent-Type: text/plain\r\n\r\nreport\r\n--x\r\nContent-Type: message/feedback-report\r\n\r\n" +
		"Feedback-Type: auth-failure\r\nVersion: 1\r\nSource-IP: 192.0.2.1\r\nReported-Domain: example.com\r\n" +
		"--x\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: a@example.com\r\n--x--\r\n"))
	// Transfer encodings, folding, a part without header, bare LF, RFC
	// 2231 parameters, and hostile shapes: cut off, no boundary, a prefix
	// boundary, too many parts.
	f.Add([]byte("Content-Type: multipart/report;\r\n report-type*=utf-8''feedback-report; boundary*0=\"a\"; boundary*1=b\r\n\r\n" +
		"--ab\r\n\r\nplain =C3=A9\r\n--ab\r\nContent-Type: message/feedback-report\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Feedback-Type: auth-=\r\nfailure\r\nArrival-Date: Tue, 24 Nov 2026 10:00:00 +0900\r\nOriginal-Rcpt-To: b@c\r\n" +
		"--ab\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nRnJvbTogYUBiDQoNCmhp\r\n--ab--\r\nepilogue"))
	f.Add([]byte("Content-Type: multipart/report; report-type=feedback-report; boundary=x\n\n--x\nContent-Type: message/feedback-report\n\n" +
		"Feedback-Type: auth-failure\nSource-IP: 2001:db8::1\n--x--\n"))
	f.Add([]byte("Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n--x\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: a"))
	f.Add([]byte("Content-Type: multipart/report; report-type=feedback-report\r\n\r\n--\r\n\r\n----\r\n"))
	f.Add([]byte("Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=xy\r\n\r\n" +
		"--xy\r\n\r\n--xy--\r\n--x\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: f\r\n--x--\r\n"))
	f.Add([]byte("Content-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n" +
		"--x\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: f\r\n" + strings.Repeat("--x\r\n\r\n", 12) + "--x--\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseFailureReport(bytes.NewReader(data), &ReportOptions{MaxInputBytes: 1 << 16})
		if err != nil {
			if !errors.Is(err, ErrNotFailureReport) && !errors.Is(err, ErrReportTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Round trip: what we write parses back to the same report.
		var out bytes.Buffer
		if err := r.WriteMessage(&out, &FailureMessage{From: "a@b.example", To: "c@d.example"}); err != nil {
			return // values with CR or LF are refused, as they should be
		}
		r2, err := ParseFailureReport(&out, nil)
		if err != nil {
			t.Fatalf("reparse: %v\n%s", err, out.String())
		}
		checkFailureRoundTrip(t, r, r2)
	})
}

// checkFailureRoundTrip compares a parsed report r with r2, the result of
// writing and parsing r again.
func checkFailureRoundTrip(t *testing.T, r, r2 *FailureReport) {
	t.Helper()
	if !reflect.DeepEqual(r2.Fields, r.reportFields()) {
		t.Fatalf("fields: %q, want %q", r2.Fields, r.reportFields())
	}
	if r.Text != "" && r2.Text != r.Text {
		t.Fatalf("text: %q, want %q", r2.Text, r.Text)
	}
	if !bytes.Equal(r2.Original, r.Original) || r2.HeadersOnly != r.HeadersOnly {
		t.Fatalf("original: %q %v, want %q %v", r2.Original, r2.HeadersOnly, r.Original, r.HeadersOnly)
	}
	if !r2.ArrivalDate.Equal(r.ArrivalDate) || r2.SourceIP != r.SourceIP {
		t.Fatalf("date or IP: %v %v, want %v %v", r2.ArrivalDate, r2.SourceIP, r.ArrivalDate, r.SourceIP)
	}
}

// FuzzParseAggregateReportMessage checks that no report e-mail makes the
// MIME walk panic, hang or fail with an untyped error, and that a report
// found in one survives writing.
func FuzzParseAggregateReportMessage(f *testing.F) {
	xml := `<feedback><policy_published><domain>example.com</domain><p>none</p></policy_published>` +
		`<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record></feedback>`
	f.Add([]byte("Content-Type: text/xml\r\n\r\n" + xml))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
		"--x\r\nContent-Type: application/octet-stream; name=r.xml\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(xml)) + "\r\n--x--\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/alternative; boundary=xx\r\n\r\n" +
		"--xx\r\nContent-Disposition: attachment; filename*=utf-8''r.xml\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		strings.ReplaceAll(xml, "=", "=3D") + "\r\n--xx--\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := &ReportOptions{MaxInputBytes: 1 << 16, MaxXMLBytes: 1 << 18, MaxRecords: 100}
		rep, err := ParseAggregateReportMessage(bytes.NewReader(data), opts)
		if err != nil {
			if !errors.Is(err, ErrNoReport) && !errors.Is(err, ErrReportFormat) && !errors.Is(err, ErrReportTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := rep.WriteXML(&out); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseAggregateReport(&out, nil); err != nil {
			t.Fatalf("reparse: %v\n%s", err, out.String())
		}
	})
}
