package dmarc

import (
	"context"
	"errors"
	"net"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Resolver is the DNS lookup DMARC needs, with the Yubin convention:
// NXDOMAIN is a *net.DNSError with IsNotFound, a temporary failure one with
// IsTemporary (see package dnsmock).
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Discovery selects how the policy record and the Organizational Domain
// are found.
type Discovery int

const (
	// TreeWalk is the DNS Tree Walk of RFC 9989 section 4.10: the author
	// domain, then its parents (at most 8 queries), with psd= deciding the
	// Organizational Domain. The default.
	TreeWalk Discovery = iota
	// PublicSuffixList is RFC 7489 section 6.6.3: the author domain, then
	// the Organizational Domain from the Public Suffix List
	// (golang.org/x/net/publicsuffix).
	PublicSuffixList
)

// maxTreeWalk is the bound on queries of one tree walk (RFC 9989 section
// 4.10: the author domain plus at most seven shorter names).
const maxTreeWalk = 8

// Lookup is the outcome of policy discovery.
type Lookup struct {
	Record *Record // nil when no policy was found
	// Domain is where the record was found (without "_dmarc.").
	Domain string
	// OrgDomain is the Organizational Domain of the author domain.
	OrgDomain string
	// Queries is the number of DNS queries made.
	Queries int
}

// lookupDomain queries _dmarc.domain and returns the one valid record, nil
// when there is none, or an error: ErrMultiple when two or more records
// claim DMARC (RFC 7489 section 6.6.3 step 4: no policy), a *RecordError
// when the one record is unusable, or a temporary DNS error.
func lookupDomain(ctx context.Context, res Resolver, domain string) (*Record, error) {
	txts, err := res.LookupTXT(ctx, "_dmarc."+domain)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, nil
		}
		return nil, &TempError{Domain: domain, Err: err}
	}
	var found []string
	for _, t := range txts {
		if IsDMARCRecord(t) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return ParseRecord(found[0])
	}
	return nil, &RecordError{Detail: "more than one record at _dmarc." + domain, Err: ErrMultiple}
}

// TempError is a temporary DNS failure during discovery (temperror).
type TempError struct {
	Domain string
	Err    error
}

func (e *TempError) Error() string {
	return "dmarc: DNS lookup for _dmarc." + e.Domain + " failed: " + e.Err.Error()
}

// Unwrap returns the DNS error.
func (e *TempError) Unwrap() error { return e.Err }

// walkNames returns the names a tree walk queries, longest first (RFC 9989
// section 4.10.1): the domain itself, then, when it has more than eight
// labels, its last seven labels, then one label less each time down to
// the top-level domain.
func walkNames(domain string) []string {
	labels := strings.Split(domain, ".")
	names := []string{domain}
	start := 1
	if len(labels) > maxTreeWalk {
		start = len(labels) - (maxTreeWalk - 1)
	}
	for i := start; i < len(labels); i++ {
		names = append(names, strings.Join(labels[i:], "."))
	}
	return names
}

// Discover finds the DMARC policy for an author domain. A record that
// exists but is unusable (several records, or none starting with
// v=DMARC1 — those are skipped) means no policy: Record is nil and the
// error says why. Temporary DNS failures return a *TempError.
func Discover(ctx context.Context, res Resolver, authorDomain string, mode Discovery) (*Lookup, error) {
	d := normalize(authorDomain)
	if mode == PublicSuffixList {
		return discoverPSL(ctx, res, d)
	}
	return discoverTree(ctx, res, d)
}

// normalize lower-cases a domain, drops a final dot, and converts U-labels
// to A-labels (RFC 5891; RFC 8616 section 4 for DMARC and DKIM), so that
// DNS queries and alignment comparisons use one form.
func normalize(d string) string {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			if a, err := idna.Lookup.ToASCII(d); err == nil {
				return a
			}
			return d
		}
	}
	return d
}

func discoverPSL(ctx context.Context, res Resolver, d string) (*Lookup, error) {
	l := &Lookup{OrgDomain: pslOrg(d)}
	l.Queries++
	rec, err := lookupDomain(ctx, res, d)
	if err != nil || rec != nil {
		l.Record, l.Domain = rec, d
		return l, err
	}
	if l.OrgDomain == d {
		return l, nil
	}
	l.Queries++
	rec, err = lookupDomain(ctx, res, l.OrgDomain)
	if rec != nil {
		l.Record, l.Domain = rec, l.OrgDomain
	}
	return l, err
}

// pslOrg is the RFC 7489 section 3.2 Organizational Domain.
func pslOrg(d string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return org
}

// discoverTree runs the tree walk once and derives both the policy record
// (the first valid record from the longest name) and the Organizational
// Domain (RFC 9989 section 4.10.2): the first name with psd=n; the name
// below the first one with psd=y (other than the starting domain); otherwise
// the shortest name with a valid record; otherwise the author domain itself.
func discoverTree(ctx context.Context, res Resolver, d string) (*Lookup, error) {
	l := &Lookup{OrgDomain: d}
	names := walkNames(d)
	shortest := ""
	var firstErr error
	for i, name := range names {
		l.Queries++
		rec, err := lookupDomain(ctx, res, name)
		var te *TempError
		if errors.As(err, &te) {
			return l, err
		}
		if err != nil {
			if firstErr == nil && l.Record == nil {
				firstErr = err
			}
			continue
		}
		if rec == nil {
			continue
		}
		if l.Record == nil && firstErr == nil {
			l.Record, l.Domain = rec, name
		}
		switch rec.PSD {
		case PSDNo:
			l.OrgDomain = name
			return l, firstErr
		case PSDYes:
			// psd=y on the domain where the walk started says nothing
			// about a domain below it, so it is treated as no flag.
			if i > 0 {
				l.OrgDomain = names[i-1]
				return l, firstErr
			}
		}
		shortest = name
	}
	if shortest != "" {
		l.OrgDomain = shortest
	}
	return l, firstErr
}

// OrgDomain returns the Organizational Domain of d with the given mode.
// For TreeWalk it queries DNS (bounded as in Discover).
func OrgDomain(ctx context.Context, res Resolver, d string, mode Discovery) (string, error) {
	d = normalize(d)
	if mode == PublicSuffixList {
		return pslOrg(d), nil
	}
	l, err := discoverTree(ctx, res, d)
	var te *TempError
	if errors.As(err, &te) {
		return d, err
	}
	return l.OrgDomain, nil
}

// ExternalDestinationAllowed reports whether destDomain agreed to receive
// reports about policyDomain (RFC 7489 section 7.1): the TXT record at
// policyDomain._report._dmarc.destDomain must hold a record starting with
// v=DMARC1. Destinations inside the policy domain's Organizational Domain
// need no such check; callers pass only external ones.
func ExternalDestinationAllowed(ctx context.Context, res Resolver, policyDomain, destDomain string) (bool, error) {
	name := normalize(policyDomain) + "._report._dmarc." + normalize(destDomain)
	txts, err := res.LookupTXT(ctx, name)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return false, nil
		}
		return false, &TempError{Domain: name, Err: err}
	}
	for _, t := range txts {
		if IsDMARCRecord(t) {
			return true, nil
		}
	}
	return false, nil
}

// AuthorizedURIs filters uris (rua= or ruf= of the record found at
// policyDomain) to those a report may be sent to: mailto: URIs whose
// domain shares the Organizational Domain of policyDomain, or whose
// domain has authorized it with ExternalDestinationAllowed. Other schemes
// are dropped: mailto is the only one RFC 7489 section 6.2 defines. A
// temporary DNS failure drops the URI and is returned.
func AuthorizedURIs(ctx context.Context, res Resolver, policyDomain string, uris []URI, mode Discovery) ([]URI, error) {
	var out []URI
	var firstErr error
	org, err := OrgDomain(ctx, res, policyDomain, mode)
	if err != nil {
		return nil, err
	}
	for _, u := range uris {
		scheme, rest, _ := strings.Cut(u.Address, ":")
		if !strings.EqualFold(scheme, "mailto") {
			continue
		}
		addr, _, _ := strings.Cut(rest, "?")
		at := strings.LastIndexByte(addr, '@')
		if at < 0 {
			continue
		}
		dest := normalize(addr[at+1:])
		destOrg, err := OrgDomain(ctx, res, dest, mode)
		if err == nil && destOrg == org {
			out = append(out, u)
			continue
		}
		ok, err := ExternalDestinationAllowed(ctx, res, policyDomain, dest)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if ok {
			out = append(out, u)
		}
	}
	return out, firstErr
}
