package spf

import (
	"errors"
	"net/netip"
	"strings"

	"github.com/yubinmail/yubin/message"
)

// Result is the outcome of check_host() (RFC 7208 section 2.6).
type Result string

// The seven results of RFC 7208 section 2.6.
const (
	None      Result = "none"
	Neutral   Result = "neutral"
	Pass      Result = "pass"
	Fail      Result = "fail"
	SoftFail  Result = "softfail"
	TempError Result = "temperror"
	PermError Result = "permerror"
)

// Identity names what was checked (RFC 7208 section 2.3 and 2.4).
type Identity string

// The identities SPF checks; the values are the Received-SPF "identity"
// key values (RFC 7208 section 9.1).
const (
	IdentityMailFrom Identity = "mailfrom"
	IdentityHELO     Identity = "helo"
)

// Errors that explain a permerror or temperror; Outcome.Err wraps them, so
// test with errors.Is.
var (
	// ErrLookupLimit: more than Options.MaxLookups DNS-querying terms
	// (section 4.6.4).
	ErrLookupLimit = errors.New("spf: too many DNS-querying terms")
	// ErrVoidLimit: more than Options.MaxVoidLookups lookups returned
	// NXDOMAIN or no records (section 4.6.4).
	ErrVoidLimit = errors.New("spf: too many void DNS lookups")
	// ErrMXLimit: an mx mechanism found more than Options.MaxMXNames
	// names (section 4.6.4).
	ErrMXLimit = errors.New("spf: too many MX names")
	// ErrLoop: an include or redirect chain came back to a domain it was
	// evaluating.
	ErrLoop = errors.New("spf: include or redirect loop")
	// ErrMultipleRecords: more than one v=spf1 record (section 4.5).
	ErrMultipleRecords = errors.New("spf: more than one SPF record")
	// ErrNoRecord: the target of include or redirect has no SPF record
	// (sections 5.2 and 6.1).
	ErrNoRecord = errors.New("spf: include or redirect target has no SPF record")
	// ErrDNS wraps a temporary DNS failure: use errors.As with
	// *net.DNSError for details.
	ErrDNS = errors.New("spf: DNS lookup failed")
)

// SyntaxError is a malformed record, term or macro: a permerror (RFC 7208
// sections 4.6 and 7.1).
type SyntaxError struct {
	Record string // the record or macro-string
	Term   string // the offending term or the rest of the string
	Msg    string
}

func (e *SyntaxError) Error() string {
	if e.Term == "" {
		return "spf: syntax error: " + e.Msg
	}
	return "spf: syntax error in " + quoteIfNeeded(e.Term) + ": " + e.Msg
}

func quoteIfNeeded(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}

// Outcome is the result of one SPF check, with what was learnt on the way.
type Outcome struct {
	Result   Result
	Identity Identity
	// IP is the client address (IPv4-mapped IPv6 addresses are IPv4).
	IP netip.Addr
	// Domain is the domain whose policy was checked; Sender is the
	// <sender> argument of check_host() (postmaster@ filled in for an
	// empty local-part); Helo is the HELO/EHLO name.
	Domain, Sender, Helo string
	// Mechanism is the directive that matched, as written in the record of
	// Domain or of a redirect target (for example "-all" or
	// "include:_spf.example.net"); "" when no directive matched.
	Mechanism string
	// Explanation is the expanded exp= text for Fail (RFC 7208 section
	// 6.2), or Options.DefaultExplanation; "" when there is none.
	Explanation string
	// Err explains TempError and PermError; nil otherwise.
	Err error
	// Queries is the number of DNS queries made (memoised repeats are not
	// counted); Lookups the DNS-querying terms evaluated (section 4.6.4);
	// VoidLookups the lookups that found nothing.
	Queries, Lookups, VoidLookups int
}

// ReceivedSPF returns the value of a Received-SPF header field (RFC 7208
// section 9.1), without the field name, for a receiver named receiver:
//
//	pass (mx.example.org: domain of a@example.com designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from="a@example.com"; helo=mail.example.com; receiver=mx.example.org; identity=mailfrom
func (o *Outcome) ReceivedSPF(receiver string) string {
	var b strings.Builder
	b.WriteString(string(o.Result))
	b.WriteString(" (")
	b.WriteString(commentText(o.comment(receiver)))
	b.WriteString(")")
	kv := func(k, v string) {
		b.WriteString(" ")
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(headerValue(v))
		b.WriteString(";")
	}
	if o.IP.IsValid() {
		kv("client-ip", o.IP.String())
	}
	if o.Identity == IdentityMailFrom && o.Sender != "" {
		kv("envelope-from", o.Sender)
	}
	if o.Helo != "" {
		kv("helo", o.Helo)
	}
	if o.Err != nil && (o.Result == PermError || o.Result == TempError) {
		kv("problem", o.Err.Error())
	}
	if o.Mechanism != "" {
		kv("mechanism", o.Mechanism)
	}
	if receiver != "" {
		kv("receiver", receiver)
	}
	if o.Identity != "" {
		kv("identity", string(o.Identity))
	}
	return strings.TrimSuffix(b.String(), ";")
}

func (o *Outcome) comment(receiver string) string {
	who := o.Sender
	if o.Identity == IdentityHELO {
		who = o.Helo
	}
	if receiver == "" {
		receiver = "unknown"
	}
	ip := o.IP.String()
	switch o.Result {
	case Pass:
		return receiver + ": domain of " + who + " designates " + ip + " as permitted sender"
	case Fail:
		return receiver + ": domain of " + who + " does not designate " + ip + " as permitted sender"
	case SoftFail:
		return receiver + ": transitioning domain of " + who + " does not designate " + ip + " as permitted sender"
	case Neutral:
		return receiver + ": " + ip + " is neither permitted nor denied by domain of " + who
	case None:
		return receiver + ": domain of " + who + " does not publish an SPF record"
	case TempError:
		return receiver + ": temporary error checking domain of " + who
	default:
		return receiver + ": permanent error in the SPF record of domain of " + who
	}
}

// commentText makes s safe inside an RFC 5322 comment.
func commentText(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "(", "\\(", ")", "\\)", "\r", " ", "\n", " ")
	return r.Replace(s)
}

// headerValue returns v as a dot-atom when it is one, else as a
// quoted-string (RFC 7208 section 9.1, RFC 5322 section 3.2.4).
func headerValue(v string) string {
	atom := v != "" && v[0] != '.' && v[len(v)-1] != '.' && !strings.Contains(v, "..")
	for i := 0; i < len(v) && atom; i++ {
		c := v[i]
		atom = isAlpha(c) || isDigit(c) || c == '.' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
	}
	if atom {
		return v
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\r' || c == '\n':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// AuthResult returns the spf resinfo of an Authentication-Results field
// (RFC 8601 sections 2.2, 2.3 and 2.7.2), for message.AuthResults: the
// result, a reason for temperror and permerror, and the smtp.mailfrom
// property (the whole MAIL FROM address) or, for the HELO identity,
// smtp.helo.
func (o *Outcome) AuthResult() message.AuthResult {
	r := message.AuthResult{Method: "spf", Result: string(o.Result)}
	if o.Err != nil && (o.Result == PermError || o.Result == TempError) {
		r.Reason = o.Err.Error()
	}
	if o.Identity == IdentityHELO {
		r.Props = []message.AuthProp{{Type: "smtp", Property: "helo", Value: o.Helo}}
	} else {
		r.Props = []message.AuthProp{{Type: "smtp", Property: "mailfrom", Value: o.Sender}}
	}
	return r
}

// AuthResultsClause returns the spf clause of an Authentication-Results
// field as text, for example "spf=pass smtp.mailfrom=a@example.com" or
// "spf=none smtp.helo=mail.example.com"; it is [Outcome.AuthResult]
// formatted by the message package.
func (o *Outcome) AuthResultsClause() string {
	ar := message.AuthResults{Results: []message.AuthResult{o.AuthResult()}}
	return ar.String()
}
