// Package dnsclient is Yubin's default stub resolver, built on
// github.com/miekg/dns. The spf, dkim, dmarc and smtp packages use it when the
// application gives them no resolver of its own.
//
// It sends queries to the servers of /etc/resolv.conf, or to one server given
// as host:port, and provides:
//
//   - UDP with EDNS0 (RFC 6891; 1232-byte buffer by default) and a retry over
//     TCP when the answer is truncated (RFC 1035 section 4.2.1, RFC 7766
//     section 5); a retry without EDNS0 when a server answers FORMERR or
//     NOTIMP to it (RFC 6891 section 7);
//   - the AD bit of the answer (RFC 4035 section 3.2.3), requested by setting
//     AD in the query (RFC 6840 section 5.7); with Options.DNSSEC the DO bit
//     is set too. The AD bit only means something when the path to a
//     validating resolver is trusted (RFC 7672 section 2.1.1);
//   - a timeout per attempt (Options.Timeout) inside the deadline of ctx; a
//     cancelled ctx aborts the query at once;
//   - a bounded, TTL-respecting LRU cache, safe for concurrent use, with
//     negative caching of NXDOMAIN and NODATA for the SOA minimum (RFC 2308
//     section 5); temporary failures are not cached; concurrent identical
//     queries share one exchange;
//   - answers checked against the question (ID and question section), CNAME
//     chains followed inside the answer and, when the resolver stopped
//     early, by further queries (RFC 1034 section 3.6.2).
//
// [Client.Lookup] returns the records of one type plus the AD bit. The four
// convenience methods LookupTXT, LookupMX, LookupIP and LookupAddr use only
// standard-library types and follow the result convention of every Yubin
// package:
//
//   - records found: (records, nil);
//   - NODATA (the name exists without records of that type): (empty, nil);
//   - NXDOMAIN: *net.DNSError with IsNotFound;
//   - SERVFAIL, REFUSED or no answer: *net.DNSError with IsTemporary (and
//     IsTimeout for timeouts);
//   - ctx cancelled or expired: *net.DNSError wrapping ctx.Err().
//
// QUIRK: names are always absolute; the resolv.conf search list and ndots are
// ignored, since mail protocols only ever look up fully qualified names.
//
// QUIRK: when /etc/resolv.conf cannot be read, 127.0.0.1:53 and [::1]:53 are
// used, as the Go standard library does.
package dnsclient
