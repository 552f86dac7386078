package dmarc

import (
	"strings"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/spf"
)

// AuthResults builds the Authentication-Results field (RFC 8601) that a
// receiving MTA prepends: one spf result (RFC 8601 section 2.7.2), one dkim
// result per signature with header.d, header.s, header.i, header.a and
// header.b (RFC 6008), and the dmarc result with header.from (RFC 7489
// section 11.2) and the policy and disposition in a comment, "(p=REJECT
// dis=NONE)". Any argument may be nil or empty; with nothing at all the
// value is "authservID; none". Format it with String.
func AuthResults(authservID string, spfOut *spf.Outcome, dkimRes []dkim.Result, dm *Result) *message.AuthResults {
	ar := &message.AuthResults{AuthServID: authservID}
	if spfOut != nil {
		ar.Results = append(ar.Results, spfResult(spfOut))
	}
	if len(dkimRes) == 0 && (spfOut != nil || dm != nil) {
		ar.Results = append(ar.Results, message.AuthResult{Method: "dkim", Result: "none"})
	}
	for _, d := range dkimRes {
		ar.Results = append(ar.Results, dkimResult(d))
	}
	if dm != nil {
		ar.Results = append(ar.Results, dmarcResult(dm))
	}
	return ar
}

func spfResult(o *spf.Outcome) message.AuthResult {
	r := message.AuthResult{Method: "spf", Result: string(o.Result)}
	if o.Identity == spf.IdentityHELO {
		r.Props = append(r.Props, message.AuthProp{Type: "smtp", Property: "helo", Value: o.Helo})
		return r
	}
	sender := o.Sender
	if sender == "" {
		sender = o.Domain
	}
	r.Props = append(r.Props, message.AuthProp{Type: "smtp", Property: "mailfrom", Value: sender})
	return r
}

func dkimResult(d dkim.Result) message.AuthResult {
	r := message.AuthResult{Method: "dkim", Result: string(d.Status), Reason: d.Reason}
	add := func(prop, v string) {
		if v != "" {
			r.Props = append(r.Props, message.AuthProp{Type: "header", Property: prop, Value: v})
		}
	}
	add("d", d.Domain)
	add("s", d.Selector)
	if d.Signature != nil && d.Signature.HasIdentifier {
		add("i", d.Identifier)
	}
	add("a", string(d.Algorithm))
	add("b", d.HeaderB)
	return r
}

func dmarcResult(d *Result) message.AuthResult {
	r := message.AuthResult{Method: "dmarc", Result: string(d.Status)}
	if d.Record != nil {
		// The comment form Gmail and OpenDMARC use: the published policy
		// and the disposition applied.
		r.Comment = "p=" + strings.ToUpper(string(d.Policy)) + " dis=" + strings.ToUpper(string(d.Disposition))
	}
	if d.Status != StatusPass && d.Reason != "" {
		r.Reason = d.Reason
	}
	if d.AuthorDomain != "" {
		r.Props = append(r.Props, message.AuthProp{Type: "header", Property: "from", Value: d.AuthorDomain})
	}
	return r
}
