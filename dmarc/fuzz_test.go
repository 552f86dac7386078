package dmarc

import (
	"bytes"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseFailureReport(bytes.NewReader(data), &ReportOptions{MaxInputBytes: 1 << 16})
		if err != nil {
			return
		}
		// Round trip: what we write parses back to the same fields.
		var out bytes.Buffer
		if err := r.WriteTo(&out, &FailureMessage{From: "a@b.example", To: "c@d.example"}); err != nil {
			return // values with CR or LF are refused, as they should be
		}
		r2, err := ParseFailureReport(&out, nil)
		if err != nil {
			t.Fatalf("reparse: %v\n%s", err, out.String())
		}
		if r2.FeedbackType != r.FeedbackType || r2.SourceIP != r.SourceIP || len(r2.ReportedDomain) != len(r.ReportedDomain) {
			t.Fatalf("round trip changed the report")
		}
	})
}
