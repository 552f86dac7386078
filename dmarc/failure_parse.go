package dmarc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

// Limits of report e-mails, on top of ReportOptions.MaxInputBytes.
const (
	// maxFailureParts bounds the body parts of a failure report; RFC 5965
	// section 2 defines three.
	maxFailureParts = 10
	// maxReportHeaderBytes bounds the header of a report e-mail and the
	// fields of a message/feedback-report part.
	maxReportHeaderBytes = 256 << 10
	// maxPartHeaderBytes bounds the header of each MIME part.
	maxPartHeaderBytes = 16 << 10
)

// ErrNotFailureReport is returned by ParseFailureReport for a message that
// is not multipart/report with a feedback report.
var ErrNotFailureReport = errors.New("dmarc: not an ARF failure report")

// ParseFailureReport reads a failure report e-mail (RFC 5965 section 2).
// Input beyond opts.MaxInputBytes fails with ErrReportTooLarge, as do a
// header, a part header or a number of parts beyond the limits of the
// MIME readers (the error then also matches *mime.LimitError). A message
// that is not a complete multipart/report with a message/feedback-report
// part fails with ErrNotFailureReport; it wraps *mime.BoundaryError for a
// missing boundary and io.ErrUnexpectedEOF for a body cut off before its
// close delimiter.
//
// Parts are decoded as their Content-Transfer-Encoding says (RFC 2045
// section 6); a part without Content-Type is text/plain (section 5.2).
func ParseFailureReport(r io.Reader, opts *ReportOptions) (*FailureReport, error) {
	inMax, _, _ := opts.limits()
	lr := &limitedReader{r: r, n: inMax}
	br := bufio.NewReader(lr)
	h, err := readReportHeader(br)
	if err != nil {
		return nil, reportError(lr, err, ErrNotFailureReport)
	}
	// Broken parameters are repaired (mime.Warnings); the type and
	// parameters decide.
	ct, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if rt, _ := ct.Params.Get("report-type"); ct.Essence() != "multipart/report" || !strings.EqualFold(rt, "feedback-report") {
		return nil, ErrNotFailureReport
	}
	boundary, _ := ct.Params.Get("boundary")
	mr := mime.NewMultipartReader(br, boundary, &mime.MultipartOptions{MaxParts: maxFailureParts, MaxHeaderBytes: maxPartHeaderBytes})
	rep := &FailureReport{}
	found := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, reportError(lr, err, ErrNotFailureReport)
		}
		fb, err := rep.readPart(p)
		if err != nil {
			return nil, reportError(lr, err, ErrNotFailureReport)
		}
		found = found || fb
	}
	if mr.Warnings().Has(mime.WarnMultipartNoCloseDelimiter) {
		return nil, fmt.Errorf("%w: %w", ErrNotFailureReport, io.ErrUnexpectedEOF)
	}
	if !found {
		return nil, ErrNotFailureReport
	}
	return rep, nil
}

// readPart reads the part into r and reports whether it was the feedback
// report. Other parts than the first text part, the feedback report and
// the original message are skipped.
func (r *FailureReport) readPart(p *mime.Part) (feedback bool, err error) {
	ctv, _ := p.HeaderValue("Content-Type")
	ct, _ := mime.ParseMediaType(ctv) // "" is text/plain
	cte, _ := p.HeaderValue("Content-Transfer-Encoding")
	// An unknown encoding gives the raw bytes (RFC 2045 section 6.4).
	body, _ := mime.NewTransferDecoder(cte, p.Body)
	switch mt := ct.Essence(); {
	case mt == "message/feedback-report":
		return true, r.parseFields(body)
	case mt == "message/rfc822" || mt == "text/rfc822-headers":
		b, err := io.ReadAll(body)
		if err != nil {
			return false, err
		}
		r.Original, r.HeadersOnly = b, mt == "text/rfc822-headers"
	case p.Index == 0 && ct.Type == "text":
		b, err := io.ReadAll(body)
		if err != nil {
			return false, err
		}
		r.Text = string(b)
	}
	return false, nil
}

// parseFields reads the fields of a message/feedback-report part, which
// have the syntax of header fields (RFC 5965 section 3.1).
func (r *FailureReport) parseFields(body io.Reader) error {
	// The part may end without the blank line that ends a header.
	h, err := readReportHeader(bufio.NewReader(io.MultiReader(body, strings.NewReader("\r\n"))))
	if err != nil {
		return err
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
