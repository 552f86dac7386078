package envelope

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

// BuildDSNOptions describe a delivery status notification to build.
type BuildDSNOptions struct {
	// ReportingMTA is this MTA's host name, for Reporting-MTA and the
	// From address MAILER-DAEMON@ReportingMTA. Required.
	ReportingMTA string
	// To is the reverse-path of the original message. The null path is
	// refused with ErrNullPath (RFC 5321 section 4.5.5, RFC 3464 section 2).
	To Path
	// EnvID is the original ENVID, written as Original-Envelope-Id.
	EnvID string
	// ReceivedFromMTA is the host the message came from, if known.
	ReceivedFromMTA string
	// ArrivalDate is when the message arrived; zero omits it.
	ArrivalDate time.Time
	// Recipients are the per-recipient reports. Each needs FinalRecipient,
	// Action and a Status whose class matches the action (RFC 3464
	// section 2.3.3: failed 5, delayed 4, delivered, relayed and expanded 2).
	// A bare address in FinalRecipient.Value gets the type rfc822 (or utf-8
	// when not ASCII).
	Recipients []DSNRecipient
	// Ret selects what is returned (RFC 3461 section 4.3): RetFull the whole
	// message as message/rfc822; otherwise only its header as
	// text/rfc822-headers.
	Ret Ret
	// Original is the original message; nil returns nothing.
	Original []byte
	// HumanText replaces the generated explanation, the first part.
	HumanText string
	// Date of the DSN; zero means time.Now().
	Date time.Time
	// MessageID of the DSN without brackets; "" generates one.
	MessageID string
	// Global builds an RFC 6533 message/global-delivery-status with
	// message/global or message/global-headers, for messages that used
	// SMTPUTF8. It is switched on by itself when an address is not ASCII.
	Global bool
}

// BuildDSN returns a complete RFC 3464 DSN message with CRLF line ends:
// multipart/report; report-type=delivery-status (RFC 6522) holding a
// human-readable text part, the message/delivery-status part with the
// per-message and per-recipient fields, and the original message or its
// header according to Ret. The header carries "Auto-Submitted:
// auto-replied" (RFC 3834 section 5). Send it with the null reverse-path
// MAIL FROM:<> so that it can never be bounced in turn.
func BuildDSN(o *BuildDSNOptions) ([]byte, error) {
	if o.To.IsNull() {
		return nil, ErrNullPath
	}
	if o.ReportingMTA == "" || checkDomain(o.ReportingMTA, true) != "" {
		return nil, errors.New("envelope: BuildDSN needs a valid ReportingMTA host name")
	}
	if len(o.Recipients) == 0 {
		return nil, errors.New("envelope: BuildDSN needs at least one recipient")
	}
	global := o.Global || !o.To.IsASCII()
	for i, r := range o.Recipients {
		if err := checkDSNRecipient(r); err != nil {
			return nil, errors.New("envelope: BuildDSN recipient " + strconv.Itoa(i) + ": " + err.Error())
		}
		if !isASCII(r.FinalRecipient.Value) || !isASCII(r.OriginalRecipient.Value) || !isASCII(r.DiagnosticCode.Value) {
			global = true
		}
	}
	boundary := randomToken(12)
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	msgID := o.MessageID
	if msgID == "" {
		msgID = randomToken(10) + "@" + o.ReportingMTA
	}
	fo := &message.FormatOptions{UTF8: global}
	var b bytes.Buffer
	b.Write(message.FormatField("From", "Mail Delivery System <MAILER-DAEMON@"+o.ReportingMTA+">", fo))
	b.Write(message.FormatField("To", o.To.Mailbox(), fo))
	b.Write(message.FormatField("Subject", dsnSubject(o.Recipients), fo))
	b.Write(message.FormatField("Date", message.FormatDate(date), fo))
	b.Write(message.FormatField("Message-ID", "<"+msgID+">", fo))
	if id := originalMessageID(o.Original); id != "" {
		b.Write(message.FormatField("References", id, fo))
	}
	b.Write(message.FormatField("Auto-Submitted", "auto-replied", fo))
	b.WriteString("MIME-Version: 1.0\r\n")
	b.Write(message.FormatField("Content-Type", `multipart/report; report-type=delivery-status; boundary="`+boundary+`"`, fo))
	b.WriteString("\r\nThis is a MIME-encapsulated delivery status notification.\r\n")

	human := o.HumanText
	if human == "" {
		human = dsnHumanText(o)
	}
	writeTextPart(&b, boundary, human)

	b.WriteString("\r\n--" + boundary + "\r\n")
	if global {
		b.WriteString("Content-Type: message/global-delivery-status\r\n\r\n")
	} else {
		b.WriteString("Content-Type: message/delivery-status\r\n\r\n")
	}
	writeDSNFields(&b, o, fo)

	if o.Original != nil {
		writeOriginal(&b, boundary, o.Original, o.Ret == RetFull, global)
	}
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes(), nil
}

// hasControl reports whether s holds an ASCII control character, which no
// address may contain and which a DSN field could not carry as it is.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func checkDSNRecipient(r DSNRecipient) error {
	if r.FinalRecipient.Value == "" {
		return errors.New("Final-Recipient is required")
	}
	if hasControl(r.FinalRecipient.Value) || hasControl(r.OriginalRecipient.Value) {
		return errors.New("a recipient address holds a control character")
	}
	if !utf8.ValidString(r.FinalRecipient.Value) || !utf8.ValidString(r.OriginalRecipient.Value) {
		// It could only be written with its bad bytes replaced (RFC 6533
		// utf-8-addr), which would name another address.
		return errors.New("a recipient address is not valid UTF-8")
	}
	want := 0
	switch r.Action {
	case ActionFailed:
		want = 5
	case ActionDelayed:
		want = 4
	case ActionDelivered, ActionRelayed, ActionExpanded:
		want = 2
	default:
		return errors.New("unknown Action " + string(r.Action))
	}
	if r.Status.Class != want {
		return errors.New("Status " + r.Status.String() + " does not match Action " + string(r.Action))
	}
	return nil
}

func dsnSubject(rs []DSNRecipient) string {
	failed, delayed := false, false
	for _, r := range rs {
		failed = failed || r.Action == ActionFailed
		delayed = delayed || r.Action == ActionDelayed
	}
	switch {
	case failed:
		return "Undelivered Mail Returned to Sender"
	case delayed:
		return "Delayed Mail (still being retried)"
	}
	return "Successful Mail Delivery Report"
}

func dsnHumanText(o *BuildDSNOptions) string {
	var b strings.Builder
	b.WriteString("This is the mail system at host " + o.ReportingMTA + ".\r\n\r\n")
	b.WriteString("This report is about your message to the recipients below.\r\n")
	b.WriteString("Recipients marked \"failed\" will not receive it; \"delayed\" means\r\n")
	b.WriteString("delivery is still being retried.\r\n\r\n")
	for _, r := range o.Recipients {
		b.WriteString("<" + sanitize(r.FinalRecipient.Value) + ">: " + string(r.Action) + ", " + r.Status.String())
		if t := r.Status.Text(); t != "" {
			b.WriteString(" (" + t + ")")
		}
		b.WriteString("\r\n")
		if r.DiagnosticCode.Value != "" {
			wrapText(&b, sanitize(r.DiagnosticCode.Value), "    ", 76)
		}
	}
	return b.String()
}

// wrapText writes words after indent, breaking lines before width where
// there is a space.
func wrapText(b *strings.Builder, s, indent string, width int) {
	col := 0
	for i, w := range strings.Fields(s) {
		if i == 0 || col+1+len(w) > width {
			if i > 0 {
				b.WriteString("\r\n")
			}
			b.WriteString(indent)
			col = len(indent)
		} else {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	b.WriteString("\r\n")
}

func writeTextPart(b *bytes.Buffer, boundary, text string) {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	b.WriteString("\r\n--" + boundary + "\r\n")
	if isASCII(text) {
		b.WriteString("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
	} else {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		var qp bytes.Buffer
		w := mime.NewQPEncoder(&qp, nil)
		_, _ = w.Write([]byte(text))
		_ = w.Close()
		text = qp.String()
	}
	b.WriteString(text)
	if !strings.HasSuffix(text, "\r\n") {
		b.WriteString("\r\n")
	}
}

func writeDSNFields(b *bytes.Buffer, o *BuildDSNOptions, fo *message.FormatOptions) {
	if o.EnvID != "" {
		b.Write(message.FormatField("Original-Envelope-Id", EncodeXtext(o.EnvID), fo))
	}
	b.Write(message.FormatField("Reporting-MTA", "dns; "+o.ReportingMTA, fo))
	if o.ReceivedFromMTA != "" {
		b.Write(message.FormatField("Received-From-MTA", "dns; "+o.ReceivedFromMTA, fo))
	}
	if !o.ArrivalDate.IsZero() {
		b.Write(message.FormatField("Arrival-Date", message.FormatDate(o.ArrivalDate), fo))
	}
	for _, r := range o.Recipients {
		b.WriteString("\r\n")
		if !r.OriginalRecipient.IsZero() {
			b.Write(message.FormatField("Original-Recipient", addrTyped(r.OriginalRecipient, fo.UTF8), fo))
		}
		b.Write(message.FormatField("Final-Recipient", addrTyped(r.FinalRecipient, fo.UTF8), fo))
		b.Write(message.FormatField("Action", string(r.Action), fo))
		b.Write(message.FormatField("Status", r.Status.String(), fo))
		if !r.RemoteMTA.IsZero() {
			b.Write(message.FormatField("Remote-MTA", typedOr(r.RemoteMTA, "dns"), fo))
		}
		if !r.DiagnosticCode.IsZero() {
			b.Write(message.FormatField("Diagnostic-Code", typedOr(r.DiagnosticCode, "smtp"), fo))
		}
		if !r.LastAttemptDate.IsZero() {
			b.Write(message.FormatField("Last-Attempt-Date", message.FormatDate(r.LastAttemptDate), fo))
		}
		if r.FinalLogID != "" {
			b.Write(message.FormatField("Final-Log-ID", r.FinalLogID, fo))
		}
		if !r.WillRetryUntil.IsZero() {
			b.Write(message.FormatField("Will-Retry-Until", message.FormatDate(r.WillRetryUntil), fo))
		}
	}
}

// addrTyped formats an address field: rfc822 for ASCII, utf-8 otherwise
// (RFC 6533 section 3); utf-8 values use utf-8-addr-unitext in a global DSN
// and utf-8-addr-xtext otherwise.
func addrTyped(t TypedValue, global bool) string {
	typ := t.Type
	if typ == "" {
		typ = "rfc822"
		if !isASCII(t.Value) {
			typ = "utf-8"
		}
	}
	v := t.Value
	if typ == "utf-8" {
		if global {
			v = EncodeUTF8AddrUnitext(v)
		} else {
			v = EncodeUTF8AddrXtext(v)
		}
	}
	return typ + "; " + v
}

func typedOr(t TypedValue, def string) string {
	if t.Type == "" {
		t.Type = def
	}
	return t.String()
}

func writeOriginal(b *bytes.Buffer, boundary string, orig []byte, full, global bool) {
	b.WriteString("\r\n--" + boundary + "\r\n")
	body := orig
	switch {
	case full && global:
		b.WriteString("Content-Type: message/global\r\n")
	case full:
		b.WriteString("Content-Type: message/rfc822\r\n")
	case global:
		b.WriteString("Content-Type: message/global-headers\r\n")
		body = headerOnly(orig)
	default:
		b.WriteString("Content-Type: text/rfc822-headers\r\n")
		body = headerOnly(orig)
	}
	if !isASCII(string(body)) {
		b.WriteString("Content-Transfer-Encoding: 8bit\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		b.WriteString("\r\n")
	}
}

// headerOnly returns the header section of a message, without the empty
// line that ends it.
func headerOnly(msg []byte) []byte {
	for i := 0; i < len(msg); {
		nl := bytes.IndexByte(msg[i:], '\n')
		if nl < 0 {
			return msg
		}
		line := msg[i : i+nl+1]
		if isBlankLine(line) {
			return msg[:i]
		}
		i += nl + 1
	}
	return msg
}

func originalMessageID(orig []byte) string {
	if orig == nil {
		return ""
	}
	h, _ := message.ReadHeader(bufio.NewReader(bytes.NewReader(headerOnly(orig))), nil)
	id := strings.TrimSpace(h.Get("Message-ID"))
	if strings.HasPrefix(id, "<") && strings.HasSuffix(id, ">") && !strings.ContainsAny(id, " \t") {
		return id
	}
	return ""
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
