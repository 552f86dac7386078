package dmarc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
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

// WriteMessage writes the report as a complete e-mail (RFC 5965 section 2):
// multipart/report; report-type=feedback-report, with the text part, the
// message/feedback-report part and the original message or header.
func (r *FailureReport) WriteMessage(w io.Writer, m *FailureMessage) error {
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
	var body bytes.Buffer
	mw := mime.NewMultipartWriter(&body, nil)
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
	h := r.messageHeader(m, mw.Boundary())
	if _, err := h.WriteTo(w); err != nil {
		return err
	}
	_, err := w.Write(body.Bytes())
	return err
}

// messageHeader returns the header of the report e-mail (RFC 5965 section
// 2): the Subject in RFC 2047 encoded words where it needs them, long
// fields folded.
func (r *FailureReport) messageHeader(m *FailureMessage, boundary string) *message.Header {
	subject := m.Subject
	if subject == "" {
		subject = "DMARC failure report for " + strings.Join(r.ReportedDomain, ", ")
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msgID := "<" + m.MessageID + ">"
	if m.MessageID == "" {
		dom := ""
		if a, err := message.ParseAddress(m.From, nil); err == nil {
			dom = a.Domain // also for "Name <addr>"
		}
		msgID = message.GenerateMessageID(message.MessageIDDomain(dom, false))
	}
	ct := mime.MediaType{Type: "multipart", Subtype: "report",
		Params: mime.Params{{Name: "report-type", Value: "feedback-report"}, {Name: "boundary", Value: boundary}}}
	h := &message.Header{}
	h.Add("From", m.From)
	h.Add("To", m.To)
	h.Add("Subject", subject)
	h.Add("Date", message.FormatDate(date))
	h.Add("Message-ID", msgID)
	h.Add("MIME-Version", "1.0")
	h.Add("Content-Type", ct.String())
	return h
}

func writePart(mw *mime.MultipartWriter, ct string, body []byte) error {
	p, err := mw.CreatePart(message.FormatField("Content-Type", ct, nil))
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
