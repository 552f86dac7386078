package dmarc

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	stdmime "mime"
	"mime/multipart"
	"net/netip"
	"net/textproto"
	"strings"
	"time"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/spf"
)

// FailureReport is a DMARC failure report (RFC 9991; RFC 7489 section
// 7.3): an ARF message (RFC 5965) with the authentication failure
// extensions of RFC 6591.
type FailureReport struct {
	// Text is the human-readable first part.
	Text string

	FeedbackType          string     // Feedback-Type, "auth-failure"
	UserAgent             string     // User-Agent
	Version               string     // Version, "1"
	ArrivalDate           time.Time  // Arrival-Date
	OriginalEnvelopeID    string     // Original-Envelope-Id
	OriginalMailFrom      string     // Original-Mail-From
	OriginalRcptTo        []string   // Original-Rcpt-To, one per recipient
	ReportingMTA          string     // Reporting-MTA, e.g. "dns; mx.example.net"
	SourceIP              netip.Addr // Source-IP
	ReportedDomain        []string   // Reported-Domain
	AuthFailure           string     // Auth-Failure: dmarc, dkim, spf, bodyhash, revoked, signature
	AuthenticationResults string     // Authentication-Results
	DeliveryResult        string     // Delivery-Result: delivered, spam, policy, reject, other
	IdentityAlignment     string     // Identity-Alignment: none, spf, dkim or "dkim, spf" (RFC 7489 section 7.3)
	DKIMDomain            string     // DKIM-Domain
	DKIMIdentity          string     // DKIM-Identity
	DKIMSelector          string     // DKIM-Selector
	SPFDNS                string     // SPF-DNS

	// Fields holds every field of the feedback report, in order, including
	// those without a struct field above (parsing only).
	Fields []ReportField

	// Original is the reported message (message/rfc822) or, when
	// HeadersOnly, its header (text/rfc822-headers, RFC 6591 section 3.2
	// recommends this for privacy).
	Original    []byte
	HeadersOnly bool
}

// ReportField is one name: value line of a feedback report.
type ReportField struct{ Name, Value string }

// FailureMessage addresses a failure report e-mail.
type FailureMessage struct {
	From, To  string // addresses, e.g. "dmarc@mx.example.net"
	Subject   string // default "DMARC failure report for <domain>"
	Date      time.Time
	MessageID string // without brackets; default random @ the From domain
}

// ErrHeaderInjection is returned when a value to be written contains CR or
// LF.
var ErrHeaderInjection = errors.New("dmarc: CR or LF in a report field")

// WriteTo writes the report as a complete e-mail (RFC 5965 section 2):
// multipart/report; report-type=feedback-report, with the text part, the
// message/feedback-report part and the original message or header.
func (r *FailureReport) WriteTo(w io.Writer, m *FailureMessage) error {
	fields := r.reportFields()
	for _, f := range fields {
		if strings.ContainsAny(f.Value, "\r\n") {
			return fmt.Errorf("%w: %s", ErrHeaderInjection, f.Name)
		}
	}
	for _, v := range []string{m.From, m.To, m.Subject, m.MessageID} {
		if strings.ContainsAny(v, "\r\n") {
			return ErrHeaderInjection
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	subject := m.Subject
	if subject == "" {
		subject = "DMARC failure report for " + strings.Join(r.ReportedDomain, ", ")
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msgID := m.MessageID
	if msgID == "" {
		var rnd [12]byte
		rand.Read(rnd[:])
		_, dom, _ := strings.Cut(m.From, "@")
		msgID = hex.EncodeToString(rnd[:]) + "@" + dom
	}
	hdr := "From: " + m.From + "\r\nTo: " + m.To + "\r\nSubject: " + stdmime.QEncoding.Encode("utf-8", subject) +
		"\r\nDate: " + message.FormatDate(date) + "\r\nMessage-ID: <" + msgID + ">\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report;\r\n boundary=\"" + mw.Boundary() + "\"\r\n\r\n"
	text := r.Text
	if text == "" {
		text = "This is an authentication failure report for an email message received from IP " +
			r.SourceIP.String() + ".\r\n"
	}
	if err := writePart(mw, "text/plain; charset=utf-8", []byte(text)); err != nil {
		return err
	}
	var fb bytes.Buffer
	for _, f := range fields {
		fb.WriteString(f.Name + ": " + f.Value + "\r\n")
	}
	if err := writePart(mw, "message/feedback-report", fb.Bytes()); err != nil {
		return err
	}
	ct := "message/rfc822"
	if r.HeadersOnly {
		ct = "text/rfc822-headers"
	}
	if err := writePart(mw, ct, r.Original); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	if _, err := io.WriteString(w, hdr); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writePart(mw *multipart.Writer, ct string, body []byte) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", ct)
	p, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = p.Write(body)
	return err
}

// reportFields lists the fields in the order of RFC 5965 and RFC 6591.
func (r *FailureReport) reportFields() []ReportField {
	var out []ReportField
	add := func(name, v string) {
		if v != "" {
			out = append(out, ReportField{name, v})
		}
	}
	ft := r.FeedbackType
	if ft == "" {
		ft = "auth-failure"
	}
	v := r.Version
	if v == "" {
		v = "1"
	}
	add("Feedback-Type", ft)
	add("User-Agent", r.UserAgent)
	add("Version", v)
	if !r.ArrivalDate.IsZero() {
		add("Arrival-Date", message.FormatDate(r.ArrivalDate))
	}
	add("Original-Envelope-Id", r.OriginalEnvelopeID)
	add("Original-Mail-From", r.OriginalMailFrom)
	for _, rc := range r.OriginalRcptTo {
		add("Original-Rcpt-To", rc)
	}
	add("Reporting-MTA", r.ReportingMTA)
	if r.SourceIP.IsValid() {
		add("Source-IP", r.SourceIP.String())
	}
	for _, d := range r.ReportedDomain {
		add("Reported-Domain", d)
	}
	add("Auth-Failure", r.AuthFailure)
	add("Authentication-Results", r.AuthenticationResults)
	add("Delivery-Result", r.DeliveryResult)
	add("Identity-Alignment", r.IdentityAlignment)
	add("DKIM-Domain", r.DKIMDomain)
	add("DKIM-Identity", r.DKIMIdentity)
	add("DKIM-Selector", r.DKIMSelector)
	add("SPF-DNS", r.SPFDNS)
	return out
}

// NewFailureReport fills a report from an evaluation: the DMARC result, the
// SPF and DKIM results, and the original message (or only its header).
func NewFailureReport(res *Result, spfOut *spf.Outcome, dkimRes []dkim.Result, sourceIP netip.Addr, original []byte, headersOnly bool) *FailureReport {
	r := &FailureReport{FeedbackType: "auth-failure", Version: "1", AuthFailure: "dmarc", SourceIP: sourceIP,
		ReportedDomain: []string{res.AuthorDomain}, Original: original, HeadersOnly: headersOnly,
		DeliveryResult: deliveryResult(res.Disposition)}
	var al []string
	if res.DKIMAligned {
		al = append(al, "dkim")
	}
	if res.SPFAligned {
		al = append(al, "spf")
	}
	r.IdentityAlignment = "none"
	if len(al) > 0 {
		r.IdentityAlignment = strings.Join(al, ", ")
	}
	if spfOut != nil {
		r.OriginalMailFrom = spfOut.Sender
	}
	for _, d := range dkimRes {
		if d.Status != dkim.StatusPass {
			r.DKIMDomain, r.DKIMSelector = d.Domain, d.Selector
			if d.Signature != nil && d.Signature.HasIdentifier {
				r.DKIMIdentity = d.Identifier
			}
			break
		}
	}
	r.AuthenticationResults = AuthResults("", spfOut, dkimRes, res).String()
	return r
}

func deliveryResult(p Policy) string {
	switch p {
	case PolicyReject:
		return "reject"
	case PolicyQuarantine:
		return "spam"
	}
	return "delivered"
}

// WantFailureReport applies the record's fo= options (RFC 7489 section
// 6.3): 0 reports when no mechanism gave an aligned pass, 1 when any did
// not, d when a DKIM signature failed, s when SPF failed.
func WantFailureReport(rec *Record, res *Result, spfOut *spf.Outcome, dkimRes []dkim.Result) bool {
	if rec == nil || len(rec.FailureURIs) == 0 {
		return false
	}
	for _, o := range rec.FailureOptions {
		switch o {
		case "0":
			if !res.SPFAligned && !res.DKIMAligned {
				return true
			}
		case "1":
			if !res.SPFAligned || !res.DKIMAligned {
				return true
			}
		case "d":
			for _, d := range dkimRes {
				if d.Status != dkim.StatusPass {
					return true
				}
			}
		case "s":
			if spfOut != nil && spfOut.Result != spf.Pass {
				return true
			}
		}
	}
	return false
}

// ErrNotFailureReport is returned by ParseFailureReport for a message that
// is not multipart/report with a feedback report.
var ErrNotFailureReport = errors.New("dmarc: not an ARF failure report")

// ParseFailureReport reads a failure report e-mail (RFC 5965 section 2).
// Input beyond opts.MaxInputBytes fails with ErrReportTooLarge.
func ParseFailureReport(r io.Reader, opts *ReportOptions) (*FailureReport, error) {
	inMax, _, _ := opts.limits()
	lr := &limitedReader{r: r, n: inMax}
	br := bufio.NewReader(lr)
	h, err := message.ReadHeader(br, nil)
	if err != nil && h.Len() == 0 {
		return nil, err
	}
	mt, params, err := stdmime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || !strings.EqualFold(params["report-type"], "feedback-report") || params["boundary"] == "" {
		return nil, ErrNotFailureReport
	}
	rep := &FailureReport{}
	found := false
	mr := multipart.NewReader(br, params["boundary"])
	for i := 0; i < 10; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if lr.exceeded {
				return nil, ErrReportTooLarge
			}
			return nil, fmt.Errorf("%w: %v", ErrNotFailureReport, err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			if lr.exceeded {
				return nil, ErrReportTooLarge
			}
			return nil, fmt.Errorf("%w: %v", ErrNotFailureReport, err)
		}
		pt, _, _ := stdmime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case pt == "message/feedback-report":
			if err := rep.parseFields(body); err != nil {
				return nil, err
			}
			found = true
		case pt == "message/rfc822" || pt == "text/rfc822-headers":
			rep.Original, rep.HeadersOnly = body, pt == "text/rfc822-headers"
		case i == 0 && strings.HasPrefix(pt, "text/"):
			rep.Text = string(body)
		}
	}
	if !found {
		return nil, ErrNotFailureReport
	}
	return rep, nil
}

func (r *FailureReport) parseFields(body []byte) error {
	h, err := message.ReadHeader(bufio.NewReader(bytes.NewReader(append(body, '\r', '\n'))), nil)
	if err != nil && h.Len() == 0 {
		return fmt.Errorf("%w: feedback report: %v", ErrNotFailureReport, err)
	}
	for _, f := range h.Fields() {
		name, v := f.Name(), strings.TrimSpace(f.Value())
		if name == "" {
			continue
		}
		r.Fields = append(r.Fields, ReportField{name, v})
		r.setField(name, v)
	}
	if r.FeedbackType == "" {
		return fmt.Errorf("%w: no Feedback-Type", ErrNotFailureReport)
	}
	return nil
}

func (r *FailureReport) setField(name, v string) {
	if v == "" {
		return // kept in Fields only; an empty value means nothing
	}
	switch strings.ToLower(name) {
	case "feedback-type":
		r.FeedbackType = v
	case "user-agent":
		r.UserAgent = v
	case "version":
		r.Version = v
	case "arrival-date":
		r.ArrivalDate, _ = message.ParseDate(v)
	case "original-envelope-id":
		r.OriginalEnvelopeID = v
	case "original-mail-from":
		r.OriginalMailFrom = v
	case "original-rcpt-to":
		r.OriginalRcptTo = append(r.OriginalRcptTo, v)
	case "reporting-mta":
		r.ReportingMTA = v
	case "source-ip":
		r.SourceIP, _ = netip.ParseAddr(v)
	case "reported-domain":
		r.ReportedDomain = append(r.ReportedDomain, v)
	case "auth-failure":
		r.AuthFailure = v
	case "authentication-results":
		r.AuthenticationResults = v
	case "delivery-result":
		r.DeliveryResult = v
	case "identity-alignment":
		r.IdentityAlignment = v
	case "dkim-domain":
		r.DKIMDomain = v
	case "dkim-identity":
		r.DKIMIdentity = v
	case "dkim-selector":
		r.DKIMSelector = v
	case "spf-dns":
		r.SPFDNS = v
	}
}
