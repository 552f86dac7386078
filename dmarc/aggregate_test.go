package dmarc

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dkim"
)

func buildTestReport(t *testing.T) *AggregateReport {
	t.Helper()
	res := resolver(map[string][]string{"_dmarc.example.com": {"v=DMARC1; p=reject; pct=100; fo=1"}})
	rec, _ := ParseRecord("v=DMARC1; p=reject; pct=100; fo=1")
	begin := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	b := NewAggregateBuilder("mx.example.net", "dmarc-reports@example.net", "r-1", "example.com", rec, TreeWalk, begin, begin.Add(24*time.Hour))
	ip := netip.MustParseAddr("192.0.2.1")
	for i := 0; i < 3; i++ {
		h := header(t, "From: a@example.com\r\n")
		dk := []dkim.Result{dkimPass("example.com")}
		r := Evaluate(context.Background(), &Input{Header: h, SPF: spfPass("example.com"), DKIM: dk}, &Options{Resolver: res})
		b.Add(&Evaluated{SourceIP: ip, EnvelopeFrom: "example.com", Result: r, SPF: spfPass("example.com"), DKIM: dk})
	}
	h := header(t, "From: a@example.com\r\n")
	r := Evaluate(context.Background(), &Input{Header: h}, &Options{Resolver: res})
	b.Add(&Evaluated{SourceIP: netip.MustParseAddr("2001:db8::1"), EnvelopeFrom: "spoof.test", Result: r})
	return b.Report()
}

func TestAggregateBuildAndParse(t *testing.T) {
	rep := buildTestReport(t)
	require.Len(t, rep.Records, 2)
	require.Equal(t, int64(3), rep.Records[0].Row.Count)
	require.Equal(t, "pass", rep.Records[0].Row.PolicyEvaluated.DKIM)
	require.Equal(t, "reject", rep.Records[1].Row.PolicyEvaluated.Disposition)
	require.Equal(t, "2001:db8::1", rep.Records[1].Row.SourceIP)

	var plain, gz bytes.Buffer
	require.NoError(t, rep.WriteXML(&plain))
	require.NoError(t, rep.WriteGzip(&gz))
	require.Contains(t, plain.String(), "<policy_published>")
	require.Contains(t, plain.String(), `<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">`)

	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, err := zw.Create(rep.Filename("mx.example.net")[:len(rep.Filename("mx.example.net"))-3])
	require.NoError(t, err)
	w.Write(plain.Bytes())
	require.NoError(t, zw.Close())

	for name, data := range map[string][]byte{"xml": plain.Bytes(), "gzip": gz.Bytes(), "zip": zbuf.Bytes()} {
		got, err := ParseAggregateReport(bytes.NewReader(data), nil)
		require.NoError(t, err, name)
		require.Equal(t, rep, got, name)
	}
	require.Equal(t, "mx.example.net!example.com!1795392000!1795478400!r-1.xml.gz", rep.Filename("mx.example.net"))
}

// An RFC 7489 appendix C style report from another receiver, with the
// RFC 9990 namespace, parses.
func TestParseForeignReport(t *testing.T) {
	const x = `<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <version>1.0</version>
  <report_metadata><org_name>acme.example</org_name><email>noreply@acme.example</email>
    <report_id>9391651994964116463</report_id><date_range><begin>1335571200</begin><end>1335657599</end></date_range>
  </report_metadata>
  <policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
  <record>
    <row><source_ip>72.150.241.94</source_ip><count>2</count>
      <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>pass</spf>
        <reason><type>forwarded</type><comment>list</comment></reason></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><result>fail</result><human_result></human_result></dkim>
      <spf><domain>example.com</domain><result>pass</result></spf></auth_results>
    <extension><unknown/></extension>
  </record>
</feedback>`
	rep, err := ParseAggregateReport(strings.NewReader(x), nil)
	require.NoError(t, err)
	require.Equal(t, "acme.example", rep.Metadata.OrgName)
	require.Equal(t, int64(1335571200), rep.Metadata.DateRange.Begin)
	require.Equal(t, "72.150.241.94", rep.Records[0].Row.SourceIP)
	require.Equal(t, "forwarded", rep.Records[0].Row.PolicyEvaluated.Reasons[0].Type)
	require.Equal(t, "pass", rep.Records[0].AuthResults.SPF[0].Result)
}

func TestAggregateLimits(t *testing.T) {
	// A gzip bomb: 20 MB of XML whitespace compresses to a few KB.
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte("<feedback>"))
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for range 20 {
		zw.Write(chunk)
	}
	zw.Close()
	require.Less(t, bomb.Len(), 100<<10)
	_, err := ParseAggregateReport(bytes.NewReader(bomb.Bytes()), &ReportOptions{MaxXMLBytes: 1 << 20})
	require.ErrorIs(t, err, ErrReportTooLarge)

	// The same bomb inside a zip archive.
	var zbomb bytes.Buffer
	zz := zip.NewWriter(&zbomb)
	w, err := zz.Create("report.xml")
	require.NoError(t, err)
	w.Write([]byte("<feedback>"))
	for range 20 {
		w.Write(chunk)
	}
	require.NoError(t, zz.Close())
	require.Less(t, zbomb.Len(), 100<<10)
	_, err = ParseAggregateReport(bytes.NewReader(zbomb.Bytes()), &ReportOptions{MaxXMLBytes: 1 << 20})
	require.ErrorIs(t, err, ErrReportTooLarge)

	// Input over MaxInputBytes.
	var plain bytes.Buffer
	require.NoError(t, buildTestReport(t).WriteXML(&plain))
	_, err = ParseAggregateReport(bytes.NewReader(plain.Bytes()), &ReportOptions{MaxInputBytes: 100})
	require.ErrorIs(t, err, ErrReportTooLarge)

	// Too many records.
	many := "<feedback><policy_published><domain>x</domain><p>none</p></policy_published>" +
		strings.Repeat("<record><row><count>1</count></row></record>", 50) + "</feedback>"
	_, err = ParseAggregateReport(strings.NewReader(many), &ReportOptions{MaxRecords: 10})
	require.ErrorIs(t, err, ErrReportTooLarge)

	// Not a report.
	for _, s := range []string{"", "<html></html>", "\x1f\x8bgarbage", "PK\x03\x04garbage", "<feedback><unclosed>"} {
		_, err = ParseAggregateReport(strings.NewReader(s), nil)
		require.ErrorIs(t, err, ErrReportFormat, "%q", s)
	}
}

func TestParseAggregateReportMessage(t *testing.T) {
	rep := buildTestReport(t)
	var gz bytes.Buffer
	require.NoError(t, rep.WriteGzip(&gz))
	b64 := base64.StdEncoding.EncodeToString(gz.Bytes())
	var folded strings.Builder
	for len(b64) > 76 {
		folded.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	folded.WriteString(b64 + "\r\n")
	msg := "From: dmarc@mx.example.net\r\nSubject: Report Domain: example.com\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nThis is a report.\r\n" +
		"--b1\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"" + rep.Filename("mx.example.net") + "\"\r\n\r\n" +
		folded.String() + "--b1--\r\n"
	got, err := ParseAggregateReportMessage(strings.NewReader(msg), nil)
	require.NoError(t, err)
	require.Equal(t, rep.Records, got.Records)

	// Nested multipart, a folded part header and an XML part in
	// quoted-printable.
	var x bytes.Buffer
	require.NoError(t, rep.WriteXML(&x))
	qp := strings.ReplaceAll(x.String(), "=", "=3D")
	nested := "From: dmarc@mx.example.net\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\npreamble\r\n--outer\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
		"--outer\r\nContent-Type: multipart/alternative;\r\n boundary=\"inner\"\r\n\r\n--inner\r\nContent-Type:\r\n text/xml\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp + "\r\n--inner--\r\n--outer--\r\n"
	got, err = ParseAggregateReportMessage(strings.NewReader(nested), nil)
	require.NoError(t, err)
	require.Equal(t, rep.Records, got.Records)

	_, err = ParseAggregateReportMessage(strings.NewReader("From: a@b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), nil)
	require.ErrorIs(t, err, ErrNoReport)
}

// A zip member that cannot be opened (an unknown compression method) is a
// format error, like the other broken archives.
func TestParseAggregateReportZipMethod(t *testing.T) {
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "r.xml", Method: 99})
	require.NoError(t, err)
	w.Write([]byte("<feedback/>"))
	require.NoError(t, zw.Close())
	_, err = ParseAggregateReport(bytes.NewReader(zbuf.Bytes()), nil)
	require.ErrorIs(t, err, ErrReportFormat)
}
