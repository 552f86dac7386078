// Package spf evaluates Sender Policy Framework policies (RFC 7208): may
// this IP address send mail for this domain?
//
// A [Checker] runs check_host() (RFC 7208 section 4) for the MAIL FROM
// identity ([Checker.CheckMailFrom], section 2.4, which falls back to the
// HELO identity for the null reverse-path), the HELO identity
// ([Checker.CheckHELO], section 2.3), or any domain ([Checker.CheckHost]).
// The [Outcome] carries the result (none, neutral, pass, fail, softfail,
// temperror, permerror), the directive that matched, the explanation of a
// fail, the error behind a temperror or permerror, and how many DNS queries
// the check made. [Outcome.ReceivedSPF] formats the Received-SPF field
// (section 9.1); [Outcome.AuthResult] gives the spf resinfo for the
// message package's Authentication-Results (RFC 8601 section 2.7.2), and
// [Outcome.AuthResultsClause] the same as text.
//
// Supported, by RFC 7208 section:
//
//   - 4.3 initial processing: malformed domains (empty labels, labels over
//     63 octets, over 253 octets, single labels, address literals) give
//     none; an empty local-part becomes "postmaster"; IPv4-mapped IPv6
//     clients are checked as IPv4; U-label domains are converted to
//     A-labels;
//   - 4.4 and 4.5 record lookup and selection: TXT only, exactly one record
//     starting with "v=spf1" (case-insensitive) followed by a space or the
//     end, or permerror; multi-string TXT records joined without spaces
//     (the resolver does this);
//   - 4.6 evaluation: the whole record is parsed first ([ParseRecord]) and
//     any syntax error is a permerror; 4.6.4 limits: 10 DNS-querying terms,
//     2 void lookups, 10 MX names (permerror), 10 PTR names (the rest
//     ignored), all configurable in [Options]; include and redirect loops
//     are a permerror;
//   - 5 mechanisms: all, include, a, mx, ptr, ip4, ip6, exists, with
//     dual-cidr-length on a and mx;
//   - 6 modifiers: redirect (ignored when a directive matched), exp with
//     macro expansion of the explanation (only at the top level and
//     through redirect); unknown modifiers are checked for syntax and
//     ignored; a second redirect or exp is a permerror;
//   - 7 macros: all letters (s l o d i p h v, and c r t in explanations),
//     the digit and "r" transformers, the delimiters .-+,/_=, URL-escaping
//     for upper-case letters, %%, %_ and %-, truncation of expanded domain
//     names from the left to 253 octets; %{p} is computed once per check
//     from validated PTR names only;
//   - 9.1 Received-SPF.
//
// Each name is queried at most once per check (answers are memoised for the
// duration of the check), evaluation stops at the first matching directive,
// the ptr mechanism only validates PTR names that could match, and an mx
// mechanism stops at the first matching host. A whole check is bounded by
// Options.Timeout (20 seconds by default, section 4.6.4).
//
// The DNS is a small interface, [Resolver]; package dnsmock implements it
// for tests, and a nil Options.Resolver selects Yubin's default resolver.
// A DNS timeout or SERVFAIL during record lookup or in a mechanism gives
// temperror (sections 4.4 and 5); NXDOMAIN is treated as no records.
//
// QUIRK: the HELO identity is checked with sender postmaster@helo for every
// caller (section 2.3 leaves the local-part open).
//
// QUIRK: a domain-spec that expands to something that is not a domain name
// (empty labels, labels over 63 octets) matches nothing and counts as a void
// lookup for a, mx, ptr and exists; for include and redirect it is a
// permerror. RFC 7208 leaves this case open.
//
// QUIRK: a DNS failure while looking up the addresses of an MX name gives
// temperror, like a failure of the MX lookup itself; failures while
// validating PTR names only skip that name (section 5.5).
package spf
