// Package dnsmock is an in-memory DNS resolver for tests.
//
// A [Resolver] answers the four lookups that Yubin's DNS-consuming packages
// (spf, dkim, dmarc, smtp delivery) declare in their own small interfaces:
//
//	LookupTXT(ctx, name) ([]string, error)
//	LookupMX(ctx, name) ([]*net.MX, error)
//	LookupIP(ctx, network, name) ([]netip.Addr, error)
//	LookupAddr(ctx, addr) ([]string, error)
//
// Records are kept in exported maps, one per record type, keyed by domain
// name. Names are compared case-insensitively and a trailing dot is optional
// (RFC 4343 section 3). CNAME records are followed (RFC 1034 section 3.6.2),
// up to [MaxCNAMEChain] hops; a longer chain or a loop is a temporary failure,
// as a recursive resolver would answer SERVFAIL.
//
// Results follow the convention shared by every Yubin package:
//
//   - records found: (records, nil);
//   - NODATA, the name exists but has no record of that type: (empty, nil).
//     A name exists when it is a key of any of the maps, even with an empty
//     value, or when a longer name below it exists (an "empty non-terminal",
//     RFC 8020);
//   - NXDOMAIN: a *net.DNSError with IsNotFound set;
//   - temporary failure (names in Fail or Timeout): a *net.DNSError with
//     IsTemporary set, and IsTimeout too for Timeout;
//   - a cancelled or expired ctx: a *net.DNSError that wraps ctx.Err(), so
//     errors.Is(err, context.Canceled) works.
//
// Every query is counted and logged (see [Resolver.Queries]); the log is safe
// for concurrent use, so one Resolver can serve parallel tests. The maps must
// not be changed while lookups run.
//
// [NewServer] serves the same records over real DNS (UDP and TCP on
// loopback, via github.com/miekg/dns), for tests of programs that take a DNS
// server address; a Timeout entry then gets no answer at all.
//
// QUIRK: for the Go methods, a Timeout entry answers at once with a timeout
// error instead of waiting, so that tests stay fast.
package dnsmock
