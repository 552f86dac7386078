package envelope

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

// Disposition is the Disposition field of an MDN (RFC 8098 section 3.2.6):
// "action-mode/sending-mode; type[/modifier,...]".
type Disposition struct {
	ActionMode  string   // "manual-action" or "automatic-action"
	SendingMode string   // "MDN-sent-manually" or "MDN-sent-automatically"
	Type        string   // "displayed", "deleted", "dispatched" or "processed"
	Modifiers   []string // "error" or extensions
}

// Disposition field values of RFC 8098 section 3.2.6.
const (
	ActionManual    = "manual-action"
	ActionAutomatic = "automatic-action"
	SentManually    = "MDN-sent-manually"
	SentAutomatic   = "MDN-sent-automatically"
	DispDisplayed   = "displayed"
	DispDeleted     = "deleted"
	DispDispatched  = "dispatched"
	DispProcessed   = "processed"
)

// String formats the field value.
func (d Disposition) String() string {
	s := d.ActionMode + "/" + d.SendingMode + "; " + d.Type
	if len(d.Modifiers) > 0 {
		s += "/" + strings.Join(d.Modifiers, ",")
	}
	return s
}

// ParseDisposition parses a Disposition field value. Keywords are
// case-insensitive and returned in their registered spelling; comments
// and extra whitespace are ignored.
func ParseDisposition(s string) (Disposition, error) {
	bad := func(r string) (Disposition, error) {
		return Disposition{}, newError("Disposition", s, r, 0, StatusCode{}, ErrSyntax)
	}
	s = stripComments(s)
	semi := strings.IndexByte(s, ';')
	if semi < 0 {
		return bad("missing ';'")
	}
	mode, rest := s[:semi], s[semi+1:]
	slash := strings.IndexByte(mode, '/')
	if slash < 0 {
		return bad("missing '/' in disposition mode")
	}
	var d Disposition
	d.ActionMode = canonical(strings.TrimSpace(mode[:slash]), ActionManual, ActionAutomatic)
	d.SendingMode = canonical(strings.TrimSpace(mode[slash+1:]), SentManually, SentAutomatic)
	if d.ActionMode == "" || d.SendingMode == "" {
		return bad("unknown disposition mode")
	}
	typ, mods, hasMods := strings.Cut(rest, "/")
	d.Type = strings.ToLower(strings.TrimSpace(typ))
	switch d.Type {
	case DispDisplayed, DispDeleted, DispDispatched, DispProcessed:
	default:
		return bad("unknown disposition type")
	}
	if hasMods {
		for _, m := range strings.Split(mods, ",") {
			if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
				d.Modifiers = append(d.Modifiers, m)
			}
		}
	}
	return d, nil
}

func canonical(s string, known ...string) string {
	for _, k := range known {
		if strings.EqualFold(s, k) {
			return k
		}
	}
	return ""
}

// stripComments removes RFC 5322 comments, bounded and linear.
func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// MDN is a message disposition notification (RFC 8098 section 3), or its
// global form (RFC 6533 section 6.2).
type MDN struct {
	ReportingUA       string      // Reporting-UA: "host; product"
	MDNGateway        TypedValue  // MDN-Gateway
	OriginalRecipient TypedValue  // Original-Recipient
	FinalRecipient    TypedValue  // Final-Recipient (required)
	OriginalMessageID string      // Original-Message-ID, with brackets
	Disposition       Disposition // Disposition (required)
	Errors            []string    // Error fields (and Failure/Warning of RFC 3798)
	Fields            []Field     // all fields in order, extensions included
	Global            bool        // message/global-disposition-notification
	HumanText         string      // the first text part, decoded
	Original          []byte      // the returned message or its header
	HeadersOnly       bool        // Original holds only the header
}

// ParseMDN reads a message and returns its disposition notification: the
// first message/disposition-notification or
// message/global-disposition-notification part. Messages without one give
// ErrNotMDN. Problems that leave a usable value are returned as
// mime.Warnings alongside it.
func ParseMDN(r io.Reader, opts *ReportOptions) (*MDN, error) {
	o := opts.get()
	raw, cut, err := readLimited(r, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	w := &walker{opts: o}
	if cut {
		w.warns = append(w.warns, &mime.Warning{Code: WarnTruncated, Offset: -1})
	}
	top := readEntity(raw)
	m := &MDN{}
	var part *entity
	w.walk(top, 0, func(e entity) {
		ess := e.mt.Type + "/" + e.mt.Subtype
		switch {
		case part == nil && (ess == "message/disposition-notification" || ess == "message/global-disposition-notification"):
			part = &e
			m.Global = ess == "message/global-disposition-notification"
		case part == nil && e.mt.Type == "text" && m.HumanText == "" && !isAttachment(e):
			m.HumanText = e.text(o.MaxBytes)
		case part != nil && m.Original == nil:
			switch ess {
			case "message/rfc822", "message/global":
				m.Original = e.decoded(o.MaxBytes)
			case "text/rfc822-headers", "message/global-headers":
				m.Original, m.HeadersOnly = e.decoded(o.MaxBytes), true
			}
		}
	})
	if part == nil {
		return nil, ErrNotMDN
	}
	if rt, _ := top.mt.Params.Get("report-type"); top.mt.Essence() != "multipart/report" || !strings.EqualFold(rt, "disposition-notification") {
		w.warns = append(w.warns, &mime.Warning{Code: WarnNotReport, Offset: -1})
	}
	for _, blk := range parseFieldBlocks(part.decoded(o.MaxBytes), &w.warns) {
		for _, f := range blk {
			m.set(f, &w.warns)
		}
	}
	if m.Disposition.Type == "" {
		return nil, errors.Join(ErrNotMDN, errors.New("envelope: MDN without a valid Disposition field"))
	}
	if m.FinalRecipient.IsZero() {
		w.warns = append(w.warns, &mime.Warning{Code: WarnMissingField, Offset: -1, Detail: "Final-Recipient"})
	}
	if len(w.warns) > 0 {
		return m, w.warns
	}
	return m, nil
}

func (m *MDN) set(f Field, warns *mime.Warnings) {
	m.Fields = append(m.Fields, f)
	switch strings.ToLower(f.Name) {
	case "reporting-ua":
		m.ReportingUA = f.Value
	case "mdn-gateway":
		m.MDNGateway = parseTyped(f.Value)
	case "original-recipient":
		m.OriginalRecipient = parseAddrTyped(f.Value)
	case "final-recipient":
		m.FinalRecipient = parseAddrTyped(f.Value)
	case "original-message-id":
		m.OriginalMessageID = strings.TrimSpace(f.Value)
	case "disposition":
		d, err := ParseDisposition(f.Value)
		if err != nil {
			*warns = append(*warns, &mime.Warning{Code: WarnBadValue, Offset: -1, Detail: "Disposition: " + truncate(f.Value)})
			return
		}
		m.Disposition = d
	case "error", "failure", "warning":
		m.Errors = append(m.Errors, f.Value)
	}
}

// BuildMDNOptions describe an MDN to build.
type BuildMDNOptions struct {
	// To is the address from Disposition-Notification-To; the null path
	// is refused with ErrNullPath.
	To Path
	// From is the user's address, for the From field.
	From Path
	// ReportingUA is "host; product", for example "mail.example.test; Yubin".
	ReportingUA string
	// OriginalRecipient is from the Original-Recipient header field, if any.
	OriginalRecipient string
	// FinalRecipient is the recipient whose disposition is reported. Required.
	FinalRecipient string
	// OriginalMessageID is the Message-ID of the original, with brackets.
	OriginalMessageID string
	// Disposition is the reported disposition. Required.
	Disposition Disposition
	// OriginalHeader is the original message's header, returned as
	// text/rfc822-headers (RFC 8098 section 3 recommends it); nil omits it.
	OriginalHeader []byte
	// Subject of the original, for the MDN's Subject "Read: ...".
	Subject string
	// HumanText replaces the generated explanation.
	HumanText string
	// Date of the MDN; zero means time.Now().
	Date time.Time
}

// BuildMDN returns a complete MDN message (RFC 8098 section 3):
// multipart/report; report-type=disposition-notification with a text part,
// the message/disposition-notification part and optionally the original
// header. An MDN sent automatically carries "Auto-Submitted: auto-replied"
// (RFC 3834 section 5). Send it with the null reverse-path (RFC 8098
// section 3). Whether to send at all is the caller's decision; see
// RequestedMDN.
func BuildMDN(o *BuildMDNOptions) ([]byte, error) {
	if o.To.IsNull() {
		return nil, ErrNullPath
	}
	if o.FinalRecipient == "" {
		return nil, errors.New("envelope: BuildMDN needs FinalRecipient")
	}
	if _, err := ParseDisposition(o.Disposition.String()); err != nil {
		return nil, err
	}
	global := !o.To.IsASCII() || !o.From.IsASCII() || !isASCII(o.FinalRecipient) || !isASCII(o.OriginalRecipient)
	fo := &message.FormatOptions{UTF8: global}
	boundary := randomToken(12)
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	var b bytes.Buffer
	if !o.From.IsNull() {
		b.Write(message.FormatField("From", o.From.Mailbox(), fo))
	}
	b.Write(message.FormatField("To", o.To.Mailbox(), fo))
	b.Write(message.FormatField("Subject", "Read: "+o.Subject, fo))
	b.Write(message.FormatField("Date", message.FormatDate(date), fo))
	if id := o.OriginalMessageID; id != "" {
		b.Write(message.FormatField("In-Reply-To", id, fo))
		b.Write(message.FormatField("References", id, fo))
	}
	if o.Disposition.SendingMode == SentAutomatic {
		b.WriteString("Auto-Submitted: auto-replied\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	b.Write(message.FormatField("Content-Type", `multipart/report; report-type=disposition-notification; boundary="`+boundary+`"`, fo))
	human := o.HumanText
	if human == "" {
		human = "This is a disposition notification for your message to " + sanitize(o.FinalRecipient) +
			".\r\nDisposition: " + o.Disposition.Type + "\r\nThis does not mean that the message was read or understood.\r\n"
	}
	writeTextPart(&b, boundary, human)
	b.WriteString("\r\n--" + boundary + "\r\n")
	if global {
		b.WriteString("Content-Type: message/global-disposition-notification\r\n\r\n")
	} else {
		b.WriteString("Content-Type: message/disposition-notification\r\n\r\n")
	}
	if o.ReportingUA != "" {
		b.Write(message.FormatField("Reporting-UA", o.ReportingUA, fo))
	}
	if o.OriginalRecipient != "" {
		b.Write(message.FormatField("Original-Recipient", addrTyped(TypedValue{Value: o.OriginalRecipient}, global), fo))
	}
	b.Write(message.FormatField("Final-Recipient", addrTyped(TypedValue{Value: o.FinalRecipient}, global), fo))
	if o.OriginalMessageID != "" {
		b.Write(message.FormatField("Original-Message-ID", o.OriginalMessageID, fo))
	}
	b.Write(message.FormatField("Disposition", o.Disposition.String(), fo))
	if o.OriginalHeader != nil {
		writeOriginal(&b, boundary, o.OriginalHeader, false, global)
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), nil
}

// MDNRequest is what a message asks for with Disposition-Notification-To
// (RFC 8098 section 2.1).
type MDNRequest struct {
	To []message.Address // where the MDN goes
	// Confirm is true when RFC 8098 section 2.1 says the user should be
	// asked before sending: the address differs from the Return-Path, the
	// Return-Path is missing, or there are several addresses.
	Confirm bool
	// Options is the Disposition-Notification-Options value, if any.
	Options string
}

// RequestedMDN reports whether the header asks for an MDN and how it may
// be answered. returnPath is the reverse-path of the message (its
// Return-Path field at final delivery).
func RequestedMDN(h *message.Header, returnPath Path) (MDNRequest, bool) {
	v := h.Get("Disposition-Notification-To")
	if v == "" {
		return MDNRequest{}, false
	}
	list, _ := message.ParseAddressList(v, nil)
	boxes := message.Mailboxes(list)
	if len(boxes) == 0 {
		return MDNRequest{}, false
	}
	req := MDNRequest{To: boxes, Options: h.Get("Disposition-Notification-Options")}
	req.Confirm = returnPath.IsNull() || len(boxes) > 1 ||
		boxes[0].Local != returnPath.Local || // local parts are case-sensitive (RFC 5321 section 2.4)
		!strings.EqualFold(Path{Domain: boxes[0].Domain}.DomainASCII(), returnPath.DomainASCII())
	return req, true
}
