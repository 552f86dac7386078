package dmarc

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/spf"
)

// Status is the DMARC result of RFC 8601 section 2.7.2.
type Status string

// The DMARC results.
const (
	StatusNone      Status = "none"
	StatusPass      Status = "pass"
	StatusFail      Status = "fail"
	StatusTempError Status = "temperror"
	StatusPermError Status = "permerror"
)

// AuthorRule says what to do when the From field does not name exactly
// one author (RFC 7489 section 6.6.1, RFC 9989 section 4.4).
type AuthorRule int

const (
	// RejectAmbiguousAuthor fails the message with disposition reject when
	// there is not exactly one From field with exactly one mailbox. The
	// default.
	RejectAmbiguousAuthor AuthorRule = iota
	// StrictestPolicy evaluates every author domain and applies the
	// strictest resulting disposition (a message with several From
	// addresses is accepted only if all of them would be).
	StrictestPolicy
)

// Options configures evaluation; nil means the defaults on each field.
type Options struct {
	// Resolver looks up policy records. Required.
	Resolver Resolver
	// Discovery selects the policy discovery: TreeWalk (the default, RFC
	// 9989) or PublicSuffixList (RFC 7489).
	Discovery Discovery
	// AuthorRule handles several From fields or addresses (default
	// RejectAmbiguousAuthor).
	AuthorRule AuthorRule
	// Sample returns a number in [0, 100) for pct= sampling (RFC 7489
	// section 6.6.4); nil means math/rand/v2.
	Sample func() int
	// Logger receives debug records; nil discards.
	Logger *slog.Logger
}

// Input is what DMARC evaluates: the message header (for From), the SPF
// outcome for MAIL FROM (or HELO when MAIL FROM was empty), and the DKIM
// results.
type Input struct {
	Header message.Header
	SPF    *spf.Outcome
	DKIM   []dkim.Result
}

// Result is the DMARC evaluation of a message.
type Result struct {
	Status Status
	// Policy is the policy the domain asks for (p=, sp= or np=), "" when
	// no record was found. Disposition is what to apply after pct= and
	// t= (RFC 7489 section 6.6.4): always PolicyNone on pass.
	Policy, Disposition Policy
	// Reason explains the result in a few words.
	Reason string
	// Err is the typed cause for temperror, permerror and no-policy.
	Err error

	AuthorDomain string // RFC5322.From domain, lower case (the first one when there are several)
	// AuthorDomains lists every author domain when From did not name
	// exactly one author.
	AuthorDomains []string
	OrgDomain     string // its Organizational Domain
	RecordDomain  string // where the record was found
	Record        *Record
	// Sampled is false when pct= excluded the message from the policy.
	Sampled bool

	SPFAligned  bool
	SPFDomain   string // the domain SPF checked
	DKIMAligned bool
	DKIMDomain  string // d= of the first aligned passing signature, else of the first pass
}

// ErrAuthor wraps the reason From did not give one author.
var ErrAuthor = errors.New("dmarc: From does not name exactly one author")

// Evaluate applies DMARC (RFC 7489 section 6.6, RFC 9989 section 4) to in.
func Evaluate(ctx context.Context, in *Input, opts *Options) *Result {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sample == nil {
		o.Sample = func() int { return rand.IntN(100) }
	}
	if o.Resolver != nil {
		// Alignment walks the tree for each signing domain; the walks
		// share names, so one evaluation asks each name once.
		o.Resolver = &memoResolver{r: o.Resolver, m: map[string]memo{}}
	}
	author, err := message.Author(in.Header)
	if err == nil {
		return evaluateDomain(ctx, in, &o, normalize(author.Domain))
	}
	domains := authorDomains(in.Header)
	if o.AuthorRule == StrictestPolicy && len(domains) > 0 &&
		(errors.Is(err, message.ErrMultipleFrom) || errors.Is(err, message.ErrMultipleMailboxes)) {
		var worst *Result
		for _, d := range domains {
			r := evaluateDomain(ctx, in, &o, d)
			if worst == nil || stricter(r, worst) {
				worst = r
			}
		}
		worst.Reason = "several authors, strictest: " + worst.Reason
		worst.AuthorDomains = domains
		return worst
	}
	// QUIRK: an ambiguous author fails with reject instead of being left
	// unevaluated (RFC 7489 section 6.6.1 lets receivers choose).
	r := &Result{Status: StatusFail, Policy: PolicyReject, Disposition: PolicyReject, Sampled: true,
		Reason: "From does not name exactly one author", Err: errors.Join(ErrAuthor, err),
		AuthorDomains: domains}
	if len(domains) > 0 {
		r.AuthorDomain = domains[0]
	}
	return r
}

// stricter orders results: a worse disposition, then a fail over a pass.
func stricter(a, b *Result) bool {
	if a.Disposition.rank() != b.Disposition.rank() {
		return a.Disposition.rank() > b.Disposition.rank()
	}
	return a.Status != StatusPass && b.Status == StatusPass
}

// authorDomains lists the distinct domains of every mailbox of every From
// field.
func authorDomains(h message.Header) []string {
	var out []string
	seen := map[string]bool{}
	for f := range h.FieldsNamed("From") {
		list, _ := message.ParseAddressList(f.Value(), nil)
		for _, a := range list {
			members := []message.Address{a}
			if a.Group {
				members = a.Members
			}
			for _, m := range members {
				if d := normalize(m.Domain); d != "" && !seen[d] {
					seen[d] = true
					out = append(out, d)
				}
			}
		}
	}
	return out
}

func evaluateDomain(ctx context.Context, in *Input, o *Options, domain string) *Result {
	r := &Result{AuthorDomain: domain, Sampled: true, Disposition: PolicyNone}
	if domain == "" || len(domain) > 253 {
		r.Status, r.Err, r.Reason = StatusPermError, ErrAuthor, "From has no usable domain"
		return r
	}
	if o.Resolver == nil {
		r.Status, r.Err, r.Reason = StatusTempError, errors.New("dmarc: no resolver"), "no resolver"
		return r
	}
	l, err := Discover(ctx, o.Resolver, domain, o.Discovery)
	if l != nil {
		r.OrgDomain, r.RecordDomain, r.Record = l.OrgDomain, l.Domain, l.Record
	}
	var te *TempError
	switch {
	case errors.As(err, &te):
		r.Status, r.Err, r.Reason = StatusTempError, err, "policy lookup failed"
		return r
	case err != nil:
		// Several records or an unusable one: no policy (RFC 7489 section
		// 6.6.3).
		r.Status, r.Err, r.Reason = StatusNone, err, "no usable policy: "+strings.TrimPrefix(err.Error(), "dmarc: ")
		return r
	case l.Record == nil:
		r.Status, r.Reason = StatusNone, "no policy published"
		return r
	}
	r.Policy = applicablePolicy(ctx, o, l, domain)
	alignSPF(ctx, o, in, r)
	alignDKIM(ctx, o, in, r)
	if r.SPFAligned || r.DKIMAligned {
		r.Status = StatusPass
		r.Reason = passReason(r)
		return r
	}
	r.Status = StatusFail
	r.Reason = "neither SPF nor DKIM is aligned and passing"
	r.Disposition = r.Policy
	if l.Record.Percent < 100 && o.Sample() >= l.Record.Percent {
		r.Sampled = false
		r.Disposition = r.Policy.lower()
	}
	if l.Record.Testing {
		r.Disposition = r.Policy.lower()
	}
	return r
}

func passReason(r *Result) string {
	switch {
	case r.SPFAligned && r.DKIMAligned:
		return "SPF and DKIM aligned"
	case r.SPFAligned:
		return "SPF aligned"
	}
	return "DKIM aligned"
}

// applicablePolicy picks p=, sp= or np= (RFC 7489 section 6.6.3, RFC 9989
// section 4.8): p= when the record is the author domain's own; otherwise
// np= when the author domain does not exist, else sp=, each falling back
// to the one before.
func applicablePolicy(ctx context.Context, o *Options, l *Lookup, domain string) Policy {
	rec := l.Record
	if l.Domain == domain {
		return rec.Policy
	}
	sp := rec.SubdomainPolicy
	if sp == "" {
		sp = rec.Policy
	}
	if rec.NonexistentPolicy != "" && !domainExists(ctx, o.Resolver, domain) {
		return rec.NonexistentPolicy
	}
	return sp
}

// domainExists is the RFC 9989 section 4.8 test: NXDOMAIN for the name
// itself means it does not exist. Only TXT is asked, since that is the one
// lookup every resolver here offers; NODATA means it exists.
//
// QUIRK: existence is judged from a TXT query, not A/AAAA/MX as RFC 9989
// suggests.
func domainExists(ctx context.Context, res Resolver, domain string) bool {
	_, err := res.LookupTXT(ctx, domain)
	var de *net.DNSError
	return !(errors.As(err, &de) && de.IsNotFound)
}

// aligned compares a domain with the author domain (RFC 7489 section 3.1).
func aligned(ctx context.Context, o *Options, mode Alignment, d, author, authorOrg string) bool {
	d = normalize(d)
	if d == "" {
		return false
	}
	if d == author {
		return true
	}
	if mode == Strict {
		return false
	}
	org, err := OrgDomain(ctx, o.Resolver, d, o.Discovery)
	return err == nil && org == authorOrg
}

func alignSPF(ctx context.Context, o *Options, in *Input, r *Result) {
	if in.SPF == nil {
		return
	}
	r.SPFDomain = in.SPF.Domain
	// Only MAIL FROM counts for DMARC (RFC 9989 section 4.4.2; RFC 7489
	// allows HELO when MAIL FROM is empty, and the caller then passes the
	// HELO outcome).
	if in.SPF.Result != spf.Pass {
		return
	}
	r.SPFAligned = aligned(ctx, o, r.Record.ASPF, in.SPF.Domain, r.AuthorDomain, r.OrgDomain)
}

func alignDKIM(ctx context.Context, o *Options, in *Input, r *Result) {
	for _, d := range in.DKIM {
		if d.Status != dkim.StatusPass {
			continue
		}
		if r.DKIMDomain == "" {
			r.DKIMDomain = d.Domain
		}
		if aligned(ctx, o, r.Record.ADKIM, d.Domain, r.AuthorDomain, r.OrgDomain) {
			r.DKIMAligned, r.DKIMDomain = true, d.Domain
			return
		}
	}
}

// memoResolver remembers TXT answers for the length of one evaluation.
type memoResolver struct {
	r Resolver
	m map[string]memo
}

type memo struct {
	txt []string
	err error
}

func (m *memoResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	key := strings.ToLower(strings.TrimSuffix(name, "."))
	if v, ok := m.m[key]; ok {
		return v.txt, v.err
	}
	txt, err := m.r.LookupTXT(ctx, name)
	m.m[key] = memo{txt, err}
	return txt, err
}
