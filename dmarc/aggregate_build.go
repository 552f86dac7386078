package dmarc

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/mime"
	"github.com/yubinmail/yubin/spf"
)

// Evaluated is one message as a report sender records it.
type Evaluated struct {
	SourceIP     netip.Addr
	EnvelopeFrom string // MAIL FROM domain
	EnvelopeTo   string // recipient domain, optional
	Result       *Result
	SPF          *spf.Outcome
	DKIM         []dkim.Result
	// Reasons explain a disposition that differs from the policy
	// (forwarded, local_policy, ...); sampled_out is added automatically
	// when pct= excluded the message.
	Reasons []PolicyReason
}

// AggregateBuilder collects evaluated messages for one policy domain and
// reporting period and builds the report, merging identical rows.
type AggregateBuilder struct {
	Metadata ReportMetadata
	Policy   PolicyPublished
	index    map[string]int
	records  []ReportRecord
}

// NewAggregateBuilder starts a report about the record rec, published at
// domain, for the period [begin, end).
func NewAggregateBuilder(orgName, email, reportID, domain string, rec *Record, mode Discovery, begin, end time.Time) *AggregateBuilder {
	b := &AggregateBuilder{
		Metadata: ReportMetadata{OrgName: orgName, Email: email, ReportID: reportID,
			DateRange: DateRange{Begin: begin.Unix(), End: end.Unix()}},
		Policy: PolicyPublished{Domain: domain, DiscoveryMethod: "treewalk"},
		index:  map[string]int{},
	}
	if mode == PublicSuffixList {
		b.Policy.DiscoveryMethod = "psl"
	}
	if rec != nil {
		p := &b.Policy
		p.ADKIM, p.ASPF, p.P = string(rec.ADKIM), string(rec.ASPF), string(rec.Policy)
		p.SP, p.NP = string(rec.SubdomainPolicy), string(rec.NonexistentPolicy)
		p.Pct = strconv.Itoa(rec.Percent)
		p.FO = strings.Join(rec.FailureOptions, ":")
		p.Testing = "n"
		if rec.Testing {
			p.Testing = "y"
		}
	}
	return b
}

// Add records one message.
func (b *AggregateBuilder) Add(e *Evaluated) {
	rec := ReportRecord{Row: ReportRow{Count: 1}}
	if e.SourceIP.IsValid() {
		rec.Row.SourceIP = e.SourceIP.Unmap().String()
	}
	pe := &rec.Row.PolicyEvaluated
	pe.Disposition, pe.DKIM, pe.SPF = string(PolicyNone), "fail", "fail"
	if r := e.Result; r != nil {
		if r.Disposition != "" {
			pe.Disposition = string(r.Disposition)
		}
		if r.DKIMAligned {
			pe.DKIM = "pass"
		}
		if r.SPFAligned {
			pe.SPF = "pass"
		}
		rec.Identifiers.HeaderFrom = r.AuthorDomain
		if !r.Sampled {
			pe.Reasons = append(pe.Reasons, PolicyReason{Type: "sampled_out"})
		}
	}
	pe.Reasons = append(pe.Reasons, e.Reasons...)
	rec.Identifiers.EnvelopeFrom, rec.Identifiers.EnvelopeTo = e.EnvelopeFrom, e.EnvelopeTo
	for _, d := range e.DKIM {
		rec.AuthResults.DKIM = append(rec.AuthResults.DKIM, DKIMAuthResult{Domain: d.Domain, Selector: d.Selector,
			Result: string(d.Status), HumanResult: d.Reason})
	}
	if s := e.SPF; s != nil {
		scope := "mfrom"
		if s.Identity == spf.IdentityHELO {
			scope = "helo"
		}
		rec.AuthResults.SPF = append(rec.AuthResults.SPF, SPFAuthResult{Domain: s.Domain, Scope: scope, Result: string(s.Result)})
	} else {
		rec.AuthResults.SPF = append(rec.AuthResults.SPF, SPFAuthResult{Domain: e.EnvelopeFrom, Scope: "mfrom", Result: "none"})
	}
	key := rowKey(&rec)
	if i, ok := b.index[key]; ok {
		b.records[i].Row.Count++
		return
	}
	b.index[key] = len(b.records)
	b.records = append(b.records, rec)
}

// rowKey identifies rows that can be merged.
func rowKey(r *ReportRecord) string {
	var k strings.Builder
	pe := r.Row.PolicyEvaluated
	for _, s := range []string{r.Row.SourceIP, pe.Disposition, pe.DKIM, pe.SPF,
		r.Identifiers.HeaderFrom, r.Identifiers.EnvelopeFrom, r.Identifiers.EnvelopeTo} {
		k.WriteString(s + "\x00")
	}
	for _, x := range pe.Reasons {
		k.WriteString(x.Type + "\x01" + x.Comment + "\x00")
	}
	for _, d := range r.AuthResults.DKIM {
		k.WriteString(d.Domain + "\x01" + d.Selector + "\x01" + d.Result + "\x01" + d.HumanResult + "\x00")
	}
	for _, s := range r.AuthResults.SPF {
		k.WriteString(s.Domain + "\x01" + s.Scope + "\x01" + s.Result + "\x00")
	}
	return k.String()
}

// Namespace is the XML namespace of RFC 9990 aggregate reports.
const Namespace = "urn:ietf:params:xml:ns:dmarc-2.0"

// Report returns the report built so far (RFC 9990 version 1.0, in
// Namespace).
func (b *AggregateBuilder) Report() *AggregateReport {
	return &AggregateReport{XMLName: xml.Name{Space: Namespace, Local: "feedback"}, Version: "1.0",
		Metadata: b.Metadata, Policy: b.Policy, Records: append([]ReportRecord(nil), b.records...)}
}

// ParseAggregateReportMessage finds the aggregate report in a report
// e-mail (RFC 7489 section 7.2.1.1): the body itself or a MIME part whose
// type is gzip, zip or XML (or whose file name ends in .xml, .gz or
// .zip), base64 or quoted-printable encoded, and parses it with the same
// limits as ParseAggregateReport. A header or a number of MIME parts
// beyond the limits of the MIME readers fails with ErrReportTooLarge,
// which then also matches *mime.LimitError.
func ParseAggregateReportMessage(r io.Reader, opts *ReportOptions) (*AggregateReport, error) {
	inMax, _, _ := opts.limits()
	lr := &limitedReader{r: r, n: inMax * 2} // base64 and MIME overhead
	br := bufio.NewReader(lr)
	h, err := readReportHeader(br)
	if err != nil {
		return nil, reportError(lr, err, ErrNoReport)
	}
	rep, err := findReport(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), h.Get("Content-Disposition"), br, opts, 0)
	if lr.exceeded {
		return nil, ErrReportTooLarge
	}
	return rep, err
}

func findReport(ctype, cte, disp string, body io.Reader, opts *ReportOptions, depth int) (*AggregateReport, error) {
	// Broken parameters are repaired (mime.Warnings); the type decides.
	ct, _ := mime.ParseMediaType(ctype)
	boundary, _ := ct.Params.Get("boundary")
	if ct.Type == "multipart" && depth < 5 && boundary != "" {
		mr := mime.NewMultipartReader(body, boundary, &mime.MultipartOptions{MaxParts: 100, MaxHeaderBytes: maxPartHeaderBytes})
		for {
			p, err := mr.NextPart()
			var le *mime.LimitError
			if errors.As(err, &le) {
				return nil, fmt.Errorf("%w: %w", ErrReportTooLarge, err)
			}
			if err != nil {
				break // the end, a read error or an unusable boundary
			}
			ct, _ := p.HeaderValue("Content-Type")
			cte, _ := p.HeaderValue("Content-Transfer-Encoding")
			disp, _ := p.HeaderValue("Content-Disposition")
			rep, err := findReport(ct, cte, disp, p.Body, opts, depth+1)
			if err != ErrNoReport {
				return rep, err
			}
		}
		return nil, ErrNoReport
	}
	name, _ := ct.Params.Get("name")
	if !isReportPart(ct.Essence(), name, disp) {
		return nil, ErrNoReport
	}
	// Base64 skips whitespace and other bytes outside its alphabet; an
	// unknown encoding leaves the bytes as they are (RFC 2045 section 6.4).
	// NewTransferDecoder trims and lowercases cte itself.
	body, _ = mime.NewTransferDecoder(cte, body)
	return ParseAggregateReport(body, opts)
}

func isReportPart(mt, name, disp string) bool {
	switch mt {
	case "application/gzip", "application/x-gzip", "application/zip", "application/x-zip-compressed",
		"application/x-zip", "text/xml", "application/xml":
		return true
	}
	d, _ := mime.ParseDisposition(disp)
	if fn, _ := d.Params.Get("filename"); fn != "" {
		name = fn
	}
	name = strings.ToLower(name)
	return strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".zip")
}
