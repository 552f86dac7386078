package envelope

import (
	"crypto/tls"
	"net/netip"
	"strings"
)

// Envelope is one SMTP transaction as a receiver knows it: the
// reverse-path with its MAIL parameters, the accepted recipients with their
// RCPT parameters, and the facts of the session that carried it.
type Envelope struct {
	From       Path        // reverse-path; the zero Path is "<>"
	MailParams MailParams  // SIZE, BODY, SMTPUTF8, RET, ENVID, ...
	Rcpts      []Recipient // accepted forward-paths, in order
	Session    SessionInfo // who sent it and how
}

// Recipient is one accepted forward-path with its DSN options (RFC 3461).
type Recipient struct {
	Path   Path
	Params RcptParams // NOTIFY, ORCPT, and unknown parameters
}

// SessionInfo holds what a receiving server knows about the client.
type SessionInfo struct {
	RemoteAddr netip.AddrPort // client IP and port
	RemoteHost string         // reverse DNS name of the client, verified forward; "" if none
	Helo       string         // the HELO, EHLO or LHLO argument as given
	ESMTP      bool           // the client used EHLO (or LHLO) rather than HELO
	LMTP       bool           // the session is LMTP (RFC 2033)
	TLSVersion uint16         // tls.VersionTLS13 etc.; 0 without TLS
	TLSCipher  uint16         // TLS cipher suite ID; 0 without TLS
	AuthID     string         // authenticated identity; "" if not authenticated
	LocalHost  string         // the server's own host name, used in "by"
}

// Protocol keywords for the "with" clause of Received (RFC 5321 section
// 4.4, RFC 3848 section 2, RFC 6531 section 3.7.3, RFC 2033 section 4.3).
const (
	ProtoSMTP       = "SMTP"
	ProtoESMTP      = "ESMTP"
	ProtoESMTPA     = "ESMTPA"
	ProtoESMTPS     = "ESMTPS"
	ProtoESMTPSA    = "ESMTPSA"
	ProtoLMTP       = "LMTP"
	ProtoLMTPA      = "LMTPA"
	ProtoLMTPS      = "LMTPS"
	ProtoLMTPSA     = "LMTPSA"
	ProtoUTF8SMTP   = "UTF8SMTP"
	ProtoUTF8SMTPA  = "UTF8SMTPA"
	ProtoUTF8SMTPS  = "UTF8SMTPS"
	ProtoUTF8SMTPSA = "UTF8SMTPSA"
	ProtoUTF8LMTP   = "UTF8LMTP"
	ProtoUTF8LMTPA  = "UTF8LMTPA"
	ProtoUTF8LMTPS  = "UTF8LMTPS"
	ProtoUTF8LMTPSA = "UTF8LMTPSA"
)

// TLS reports whether the session used TLS.
func (s SessionInfo) TLS() bool { return s.TLSVersion != 0 }

// Protocol returns the RFC 3848 / RFC 6531 protocol keyword for the
// session: SMTP after HELO; ESMTP after EHLO, with S for TLS and A for
// authentication; LMTP likewise; with the UTF8 prefix when the transaction
// used SMTPUTF8.
func (s SessionInfo) Protocol(smtputf8 bool) string {
	base := "SMTP"
	if s.LMTP {
		base = "LMTP"
	} else if s.ESMTP || s.TLS() || s.AuthID != "" || smtputf8 {
		base = "ESMTP"
	}
	if smtputf8 {
		base = "UTF8" + base[len(base)-4:]
	}
	if base == "SMTP" {
		return base
	}
	if s.TLS() {
		base += "S"
	}
	if s.AuthID != "" {
		base += "A"
	}
	return base
}

// TLSComment describes the TLS parameters for a Received comment, for
// example "using TLS1.3 with cipher TLS_AES_128_GCM_SHA256", or "".
func (s SessionInfo) TLSComment() string {
	if !s.TLS() {
		return ""
	}
	v := tls.VersionName(s.TLSVersion)
	if len(v) > 4 && v[:4] == "TLS " {
		v = "TLS" + v[4:]
	}
	c := "using " + v
	if s.TLSCipher != 0 {
		c += " with cipher " + tls.CipherSuiteName(s.TLSCipher)
	}
	return c
}

// Protocol returns the protocol keyword of the transaction.
func (e *Envelope) Protocol() string { return e.Session.Protocol(e.MailParams.SMTPUTF8) }

// Recipients returns the forward-paths.
func (e *Envelope) Recipients() []Path {
	out := make([]Path, len(e.Rcpts))
	for i, r := range e.Rcpts {
		out[i] = r.Path
	}
	return out
}

// ReceivedOptions returns the options for the Received field that the
// receiving server prepends for this envelope. The "for" clause is set only
// for a single recipient (RFC 5321 section 7.2: naming several recipients
// would disclose Bcc recipients to each other).
func (e *Envelope) ReceivedOptions(id string) *ReceivedOptions {
	o := &ReceivedOptions{
		Helo:       e.Session.Helo,
		RemoteHost: e.Session.RemoteHost,
		RemoteIP:   e.Session.RemoteAddr.Addr(),
		By:         e.Session.LocalHost,
		With:       e.Protocol(),
		ID:         id,
		TLS:        e.Session.TLSComment(),
	}
	if len(e.Rcpts) == 1 {
		o.For = e.Rcpts[0].Path
	}
	return o
}

// WantsDSN reports whether the recipient asked for a DSN with the given
// action (RFC 3461 section 4.1): NOTIFY=NEVER asks for none; without
// NOTIFY, failures and delays are reported (the section's "FAILURE" or
// "FAILURE,DELAY" default, we choose the latter); "delivered",
// "relayed" and "expanded" need SUCCESS.
func (r Recipient) WantsDSN(a Action) bool {
	n := r.Params.Notify
	if n&NotifyNever != 0 {
		return false
	}
	switch a {
	case ActionFailed:
		return n == 0 || n&NotifyFailure != 0
	case ActionDelayed:
		return n == 0 || n&NotifyDelay != 0
	case ActionDelivered, ActionRelayed, ActionExpanded:
		return n&NotifySuccess != 0
	}
	return false
}

// DSNOptions prepares a DSN about this envelope: To is the reverse-path,
// EnvID and Ret come from the MAIL parameters, ReceivedFromMTA from the
// session, and each report in results keeps only if its recipient asked for
// it (WantsDSN), with Original-Recipient filled from ORCPT. results are
// matched to e.Rcpts by FinalRecipient address. The result is nil when no
// DSN is due: the reverse-path is null (RFC 5321 section 4.5.5, RFC 3464
// section 2) or no recipient wants one.
func (e *Envelope) DSNOptions(reportingMTA string, results []DSNRecipient, original []byte) *BuildDSNOptions {
	if e.From.IsNull() {
		return nil
	}
	o := &BuildDSNOptions{
		ReportingMTA:    reportingMTA,
		To:              e.From,
		EnvID:           e.MailParams.EnvID,
		Ret:             e.MailParams.Ret,
		ReceivedFromMTA: e.Session.RemoteHost,
		Original:        original,
		Global:          e.MailParams.SMTPUTF8,
	}
	if o.ReceivedFromMTA == "" {
		o.ReceivedFromMTA = e.Session.Helo
	}
	for _, res := range results {
		rc, ok := e.findRecipient(res.FinalRecipient.Value)
		if ok && !rc.WantsDSN(res.Action) {
			continue
		}
		if ok && res.OriginalRecipient.IsZero() && rc.Params.ORcpt.AddrType != "" {
			res.OriginalRecipient = TypedValue{Type: strings.ToLower(rc.Params.ORcpt.AddrType), Value: rc.Params.ORcpt.Addr}
		}
		o.Recipients = append(o.Recipients, res)
	}
	if len(o.Recipients) == 0 {
		return nil
	}
	return o
}

func (e *Envelope) findRecipient(addr string) (Recipient, bool) {
	for _, r := range e.Rcpts {
		if r.Path.Mailbox() == addr || strings.EqualFold(r.Path.Mailbox(), addr) {
			return r, true
		}
	}
	return Recipient{}, false
}

// Equal reports whether two paths name the same mailbox: local parts
// compared exactly (RFC 5321 section 2.4: they are case-sensitive), domains
// case-insensitively and in A-label form. Source routes are ignored.
func (p Path) Equal(q Path) bool {
	if p.IsPostmaster() || q.IsPostmaster() {
		return p.IsPostmaster() && q.IsPostmaster()
	}
	return p.Local == q.Local && p.DomainASCII() == q.DomainASCII()
}

// ParseMailbox parses a bare mailbox "local@domain" (without angle
// brackets), as given on a command line or in configuration, with the rules
// of a forward-path.
func ParseMailbox(s string, opts *PathOptions) (Path, error) {
	p, err := ParseForwardPath("<"+s+">", opts)
	if err == nil && p.Domain == "" {
		return Path{}, newError("mailbox", s, "missing domain", 501, CodeBadDestSyntax, ErrSyntax)
	}
	return p, err
}
