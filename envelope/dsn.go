package envelope

import (
	"io"
	"strings"
	"time"

	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

// Action is the Action field of a DSN (RFC 3464 section 2.3.3), lower case.
type Action string

// Actions of RFC 3464 section 2.3.3.
const (
	ActionFailed    Action = "failed"
	ActionDelayed   Action = "delayed"
	ActionDelivered Action = "delivered"
	ActionRelayed   Action = "relayed"
	ActionExpanded  Action = "expanded"
)

// TypedValue is a field value of the form type ";" value, as in
// "rfc822; user@example.test", "dns; mx.example.test" or
// "smtp; 550 5.1.1 User unknown" (RFC 3464 section 2.1.2).
type TypedValue struct {
	Type  string // lower case: "rfc822", "utf-8", "dns", "smtp", "x-unix", ...
	Value string // for address types, decoded (xtext or RFC 6533 \x{..})
}

// String returns "type; value", or just the value when Type is empty.
func (t TypedValue) String() string {
	if t.Type == "" {
		return t.Value
	}
	return t.Type + "; " + t.Value
}

// Host returns the host name or address of an MTA field (Reporting-MTA,
// Remote-MTA, ...) without comments, brackets or a trailing dot: Gmail
// writes "dns; mx.example.test. (192.0.2.1, the server for ...)".
func (t TypedValue) Host() string {
	v := strings.TrimSpace(stripComments(t.Value))
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSuffix(strings.Trim(v, "[]"), ".")
	return v
}

// IsZero reports whether the value is empty.
func (t TypedValue) IsZero() bool { return t.Type == "" && t.Value == "" }

// DSN is a delivery status notification (RFC 3464), or the global form of
// RFC 6533.
type DSN struct {
	// Per-message fields (RFC 3464 section 2.2).
	OriginalEnvelopeID string     // Original-Envelope-Id
	ReportingMTA       TypedValue // Reporting-MTA (required by the RFC)
	DSNGateway         TypedValue // DSN-Gateway
	ReceivedFromMTA    TypedValue // Received-From-MTA
	ArrivalDate        time.Time  // Arrival-Date
	MessageFields      []Field    // every per-message field, in order, extensions included

	Recipients []DSNRecipient // one per per-recipient block, in order

	Global      bool   // message/global-delivery-status (RFC 6533 section 6.1)
	Report      bool   // the message is multipart/report; report-type=delivery-status
	HumanText   string // the first text part before the status, decoded to UTF-8
	Original    []byte // the returned message or header, if included
	HeadersOnly bool   // Original holds only the header (text/rfc822-headers)
}

// DSNRecipient is one per-recipient block (RFC 3464 section 2.3).
type DSNRecipient struct {
	OriginalRecipient TypedValue // Original-Recipient
	FinalRecipient    TypedValue // Final-Recipient (required by the RFC)
	Action            Action     // Action (required)
	Status            StatusCode // Status (required); see ParseDSN for fallbacks
	RemoteMTA         TypedValue // Remote-MTA
	DiagnosticCode    TypedValue // Diagnostic-Code, for example smtp; 550 5.1.1 ...
	LastAttemptDate   time.Time  // Last-Attempt-Date
	FinalLogID        string     // Final-Log-ID
	WillRetryUntil    time.Time  // Will-Retry-Until
	Fields            []Field    // every field of the block, in order, extensions included
}

// Recipient returns the best address for the recipient: the
// Final-Recipient, or the Original-Recipient when there is none.
func (r DSNRecipient) Recipient() string {
	if r.FinalRecipient.Value != "" {
		return r.FinalRecipient.Value
	}
	return r.OriginalRecipient.Value
}

// Field is one "Name: value" field of a notification part, unfolded.
type Field struct {
	Name, Value string
}

// ParseDSN reads a message and returns its delivery status notification.
//
// It finds the first message/delivery-status or message/global-delivery-status
// part (RFC 3464 section 2.1, RFC 6533 section 6.1) anywhere in the MIME tree
// outside message/* bodies, the first text part before it, and the
// returned message or header after it. A message without such a part, or
// with one that holds no per-recipient block, gives ErrNotDSN.
//
// It tolerates what real MTAs send, each noted as a warning in the
// mime.Warnings returned alongside a usable *DSN:
//
//   - QUIRK: a status part inside multipart/mixed rather than
//     multipart/report (McAfee, some gateways) is accepted (WarnNotReport).
//   - QUIRK: per-recipient fields in the first block, without a blank line
//     after the per-message fields, start a recipient (McAfee, qmail
//     converters).
//   - QUIRK: a missing Status is taken from an enhanced code in the
//     Diagnostic-Code, else from the Action (failed 5.0.0, delayed 4.0.0,
//     delivered/relayed/expanded 2.0.0); Status text after the code is
//     ignored ("5.1.1 (user unknown)").
//   - QUIRK: a missing Final-Recipient falls back to Original-Recipient;
//     values without a "type;" prefix are kept with an empty Type; angle
//     brackets around addresses are removed.
//   - The status part may be base64 or quoted-printable encoded.
func ParseDSN(r io.Reader, opts *ReportOptions) (*DSN, error) {
	o := opts.get()
	raw, cut, err := readLimited(r, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	w := &walker{opts: o}
	if cut {
		w.warns = append(w.warns, &mime.Warning{Code: WarnTruncated, Offset: -1, Detail: "message longer than MaxBytes"})
	}
	top := readEntity(raw)
	d := &DSN{}
	if top.mt.Type == "multipart" && top.mt.Subtype == "report" {
		rt, _ := top.mt.Params.Get("report-type")
		d.Report = strings.EqualFold(rt, "delivery-status")
	}
	var status *entity
	var human string
	w.walk(top, 0, func(e entity) {
		ess := e.mt.Type + "/" + e.mt.Subtype
		switch {
		case status == nil && (ess == "message/delivery-status" || ess == "message/global-delivery-status"):
			status = &e
			d.Global = ess == "message/global-delivery-status"
		case status == nil && e.mt.Type == "text" && human == "" && !isAttachment(e):
			human = e.text(o.MaxBytes)
		case status != nil && d.Original == nil:
			switch ess {
			case "message/rfc822", "message/global":
				d.Original = e.decoded(o.MaxBytes)
			case "text/rfc822-headers", "message/global-headers":
				d.Original, d.HeadersOnly = e.decoded(o.MaxBytes), true
			}
		}
	})
	if status == nil {
		if !d.Report || top.mt.Type != "multipart" {
			return nil, ErrNotDSN
		}
		// QUIRK: a multipart/report; report-type=delivery-status whose
		// boundaries are missing or broken: read the status fields from the
		// flat body (seen after careless anonymisation and in old Sendmail).
		w.warns = append(w.warns, &mime.Warning{Code: WarnMissingField, Offset: -1, Detail: "no message/delivery-status part; fields read from the body"})
		status = &entity{body: top.body, header: top.header}
	}
	d.HumanText = human
	if !d.Report {
		w.warns = append(w.warns, &mime.Warning{Code: WarnNotReport, Offset: -1, Detail: "status part outside multipart/report; report-type=delivery-status"})
	}
	blocks := parseFieldBlocks(status.decoded(o.MaxBytes), &w.warns)
	d.fill(blocks, o.MaxRecipients, &w.warns)
	if len(d.Recipients) == 0 {
		return nil, ErrNotDSN
	}
	if len(w.warns) > 0 {
		return d, w.warns
	}
	return d, nil
}

func isAttachment(e entity) bool {
	cd := strings.ToLower(e.header.Get("Content-Disposition"))
	return strings.HasPrefix(strings.TrimSpace(cd), "attachment")
}

// perRecipientField reports fields that belong to a per-recipient block.
func perRecipientField(name string) bool {
	switch name {
	case "original-recipient", "final-recipient", "action", "status", "remote-mta",
		"diagnostic-code", "last-attempt-date", "final-log-id", "will-retry-until":
		return true
	}
	return false
}

func (d *DSN) fill(blocks [][]Field, maxRcpts int, warns *mime.Warnings) {
	for _, blk := range blocks {
		if !hasRecipientField(blk) {
			// The per-message block, or extension junk after the recipients.
			if len(d.Recipients) == 0 {
				for _, f := range blk {
					d.setMessageField(strings.ToLower(f.Name), f, warns)
				}
			}
			continue
		}
		var rcpt *DSNRecipient
		for _, f := range blk {
			name := strings.ToLower(f.Name)
			if rcpt == nil && !perRecipientField(name) && len(d.Recipients) == 0 {
				d.setMessageField(name, f, warns) // QUIRK: no blank line after the per-message fields
				continue
			}
			if rcpt == nil || (name == "final-recipient" && rcpt.hasField("final-recipient")) {
				if len(d.Recipients) >= maxRcpts {
					*warns = append(*warns, &mime.Warning{Code: WarnLimit, Offset: -1, Detail: "too many recipients"})
					return
				}
				d.Recipients = append(d.Recipients, DSNRecipient{})
				rcpt = &d.Recipients[len(d.Recipients)-1]
			}
			rcpt.set(name, f, warns)
		}
	}
	for i := range d.Recipients {
		d.Recipients[i].finish(warns)
	}
}

func hasRecipientField(blk []Field) bool {
	for _, f := range blk {
		if perRecipientField(strings.ToLower(f.Name)) {
			return true
		}
	}
	return false
}

func (r *DSNRecipient) hasField(name string) bool {
	for _, f := range r.Fields {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

func (d *DSN) setMessageField(name string, f Field, warns *mime.Warnings) {
	d.MessageFields = append(d.MessageFields, f)
	switch name {
	case "original-envelope-id":
		d.OriginalEnvelopeID = f.Value
	case "reporting-mta":
		d.ReportingMTA = parseTyped(f.Value)
	case "dsn-gateway":
		d.DSNGateway = parseTyped(f.Value)
	case "received-from-mta":
		d.ReceivedFromMTA = parseTyped(f.Value)
	case "arrival-date":
		d.ArrivalDate = parseDateWarn(f, warns)
	}
}

func (r *DSNRecipient) set(name string, f Field, warns *mime.Warnings) {
	r.Fields = append(r.Fields, f)
	switch name {
	case "original-recipient":
		r.OriginalRecipient = parseAddrTyped(f.Value)
	case "final-recipient":
		r.FinalRecipient = parseAddrTyped(f.Value)
	case "action":
		a := strings.ToLower(strings.TrimSpace(f.Value))
		// RFC 3464 section 2.3.3 allows a comment after the action word.
		if i := strings.IndexAny(a, " \t("); i >= 0 {
			a = a[:i]
		}
		r.Action = Action(a)
	case "status":
		if c := findStatusCode(f.Value); !c.IsZero() {
			r.Status = c
		} else {
			*warns = append(*warns, &mime.Warning{Code: WarnBadValue, Offset: -1, Detail: "Status: " + truncate(f.Value)})
		}
	case "remote-mta":
		r.RemoteMTA = parseTyped(f.Value)
	case "diagnostic-code":
		r.DiagnosticCode = parseTyped(f.Value)
	case "last-attempt-date":
		r.LastAttemptDate = parseDateWarn(f, warns)
	case "final-log-id":
		r.FinalLogID = f.Value
	case "will-retry-until":
		r.WillRetryUntil = parseDateWarn(f, warns)
	}
}

func (r *DSNRecipient) finish(warns *mime.Warnings) {
	if r.FinalRecipient.IsZero() {
		*warns = append(*warns, &mime.Warning{Code: WarnMissingField, Offset: -1, Detail: "Final-Recipient"})
	}
	if r.Action == "" {
		*warns = append(*warns, &mime.Warning{Code: WarnMissingField, Offset: -1, Detail: "Action"})
	}
	if r.Action == "expired" {
		// QUIRK: some senders (SendGrid) write "expired" for a message
		// that timed out in the queue, which RFC 3464 calls failed 4.4.7.
		*warns = append(*warns, &mime.Warning{Code: WarnBadValue, Offset: -1, Detail: "Action: expired"})
		r.Action = ActionFailed
		if r.Status.IsZero() {
			r.Status = StatusCode{5, 4, 7}
		}
	}
	if r.Status.IsZero() {
		*warns = append(*warns, &mime.Warning{Code: WarnMissingField, Offset: -1, Detail: "Status"})
		r.Status = findStatusCode(r.DiagnosticCode.Value)
		if r.Status.IsZero() {
			switch r.Action {
			case ActionFailed:
				r.Status = StatusCode{5, 0, 0}
			case ActionDelayed:
				r.Status = StatusCode{4, 0, 0}
			case ActionDelivered, ActionRelayed, ActionExpanded:
				r.Status = StatusCode{2, 0, 0}
			}
		}
	}
	if r.Action == "" {
		switch r.Status.Class {
		case 5:
			r.Action = ActionFailed
		case 4:
			r.Action = ActionDelayed
		}
	}
}

func parseDateWarn(f Field, warns *mime.Warnings) time.Time {
	t, err := message.ParseDate(f.Value)
	if err != nil {
		*warns = append(*warns, &mime.Warning{Code: WarnBadValue, Offset: -1, Detail: f.Name + ": " + truncate(f.Value)})
	}
	return t
}

// parseTyped splits "type; value" (RFC 3464 section 2.1.2).
func parseTyped(s string) TypedValue {
	s = strings.TrimSpace(s)
	semi := strings.IndexByte(s, ';')
	if semi < 0 || !isTypeToken(strings.TrimSpace(s[:semi])) {
		return TypedValue{Value: s}
	}
	return TypedValue{Type: strings.ToLower(strings.TrimSpace(s[:semi])), Value: strings.TrimSpace(s[semi+1:])}
}

func isTypeToken(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i], false) && s[i] != '.' {
			return false
		}
	}
	return true
}

// parseAddrTyped parses an address-type field: the value loses angle
// brackets, and utf-8 addresses (RFC 6533 section 3) are decoded.
func parseAddrTyped(s string) TypedValue {
	t := parseTyped(s)
	v := strings.TrimSpace(t.Value)
	if strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") {
		v = strings.TrimSpace(v[1 : len(v)-1])
	}
	if t.Type == "utf-8" {
		if d, err := DecodeUTF8AddrXtext(v, true); err == nil {
			v = d
		}
	}
	t.Value = v
	return t
}

// maxJunkWarnings bounds the WarnFieldSyntax warnings of one part.
const maxJunkWarnings = 20

// parseFieldBlocks splits a notification body into blocks of fields
// separated by blank lines, unfolding continuation lines. It is linear in
// the input, however many continuation lines a field has.
func parseFieldBlocks(b []byte, warns *mime.Warnings) [][]Field {
	var blocks [][]Field
	var cur []Field
	var val strings.Builder // value of the last field in cur, being unfolded
	junk := 0
	flush := func() {
		if len(cur) > 0 {
			cur[len(cur)-1].Value = strings.TrimSpace(val.String())
		}
		val.Reset()
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for _, ln := range lines {
		ln = strings.TrimRight(ln, "\r")
		switch {
		case strings.TrimSpace(ln) == "":
			if len(cur) > 0 {
				flush()
				blocks = append(blocks, cur)
				cur = nil
			}
		case ln[0] == ' ' || ln[0] == '\t':
			if len(cur) > 0 {
				val.WriteByte(' ')
				val.WriteString(strings.TrimSpace(ln))
			}
		default:
			colon := strings.IndexByte(ln, ':')
			if colon <= 0 || strings.ContainsAny(strings.TrimRight(ln[:colon], " \t"), " \t") {
				if junk++; junk <= maxJunkWarnings {
					*warns = append(*warns, &mime.Warning{Code: WarnFieldSyntax, Offset: -1, Detail: truncate(ln)})
				}
				continue
			}
			flush()
			cur = append(cur, Field{Name: strings.TrimSpace(ln[:colon])})
			val.WriteString(strings.TrimSpace(ln[colon+1:]))
		}
	}
	if len(cur) > 0 {
		flush()
		blocks = append(blocks, cur)
	}
	return blocks
}
