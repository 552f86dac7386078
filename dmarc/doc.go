// Package dmarc evaluates DMARC policies (RFC 7489 and its successor RFC
// 9989, "DMARCbis"), builds Authentication-Results fields, and parses and
// builds DMARC reports.
//
// # Policy records and discovery
//
// [ParseRecord] reads a record strictly: it must start with v=DMARC1,
// duplicate tags are an error, and a missing or invalid p= falls back to
// p=none only when rua= holds a valid URI (RFC 7489 section 6.6.3). It
// knows the RFC 7489 tags (v, p, sp, pct, adkim, aspf, rua, ruf, fo, rf,
// ri) and the RFC 9989 ones (np, psd, t); invalid values of the others are
// replaced by defaults and listed in Record.Warnings.
//
// [Discover] finds the policy of an author domain. TreeWalk (the default)
// is the RFC 9989 section 4.10 DNS Tree Walk: _dmarc at the author domain,
// then at each parent, at most 8 queries, psd= fixing the Organizational
// Domain. PublicSuffixList is the RFC 7489 section 6.6.3 method: the author
// domain, then the Organizational Domain from the Public Suffix List
// (golang.org/x/net/publicsuffix). Records not starting with v=DMARC1 are
// skipped; two or more DMARC records, or one that does not parse, mean no
// policy (Result none, with the reason in Err).
//
// Domains in U-labels are queried and compared as A-labels (RFC 8616).
//
// [ExternalDestinationAllowed] and [AuthorizedURIs] apply the RFC 7489
// section 7.1 check (policydomain._report._dmarc.destdomain) before
// reports are sent outside the policy domain.
//
// # Evaluation
//
// [Evaluate] takes the message header, the SPF outcome (package spf) and
// the DKIM results (package dkim), and returns the status (pass, fail,
// none, temperror), the policy the domain asks for (p=, sp=, or np= for a
// non-existent subdomain), the disposition to apply after pct= (RFC 7489
// section 6.6.4) and t=y (RFC 9989), and a reason. Alignment is strict or
// relaxed for SPF (the MAIL FROM domain) and DKIM (d=) as adkim= and
// aspf= say (RFC 7489 section 3.1); relaxed alignment compares
// Organizational Domains found with the selected discovery method.
//
// The From field must name exactly one author (message.Author). With
// several From fields or several addresses the message fails with
// disposition reject (RejectAmbiguousAuthor, the default), or each author
// domain is evaluated and the strictest outcome applies (StrictestPolicy).
//
// [AuthResults] combines SPF, DKIM and DMARC into one RFC 8601
// Authentication-Results value (message.AuthResults).
//
// # Reports
//
// Aggregate reports (RFC 7489 appendix C, RFC 9990): [ParseAggregateReport]
// reads the XML, plain or in gzip or zip, with limits on the compressed
// and decompressed sizes and on the number of records;
// [ParseAggregateReportMessage] finds the report in a report e-mail;
// [AggregateBuilder] builds one from evaluated messages, merging identical
// rows, and [AggregateReport.WriteGzip] writes the attachment. Failure
// reports (RFC 9991, in the ARF format of RFC 5965 with the RFC 6591
// fields): [NewFailureReport] fills one from an evaluation,
// [FailureReport.WriteMessage] writes the e-mail, [ParseFailureReport] reads
// one, and [WantFailureReport] applies fo=.
//
// # Deviations
//
//   - QUIRK: a duplicate tag makes the whole record invalid (no policy), as
//     RFC 6376 section 3.2 says for DKIM; RFC 7489 does not say.
//   - QUIRK: for np= the existence test of RFC 9989 section 4.8 uses a TXT
//     query on the author domain (NXDOMAIN means it does not exist), since
//     that is the one lookup the Resolver interface has.
//   - QUIRK: a From field without exactly one author fails with
//     disposition reject by default, rather than being left unevaluated.
//   - The organizational domain of RFC 9989 is the one of the tree walk even
//     when the Public Suffix List disagrees (for example for private
//     registries that publish psd=y).
package dmarc
