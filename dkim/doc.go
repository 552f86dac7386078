// Package dkim signs and verifies DomainKeys Identified Mail signatures.
//
// DKIM (RFC 6376) lets a domain take responsibility for a message by
// signing selected header fields and the body with a key it publishes in
// the DNS at selector._domainkey.domain.
//
// # Signing
//
// A [Signer] is an io.Writer: write the message to it, call Close, and
// prepend [Signer.Field] to the message. Only the header block is kept in
// memory (bounded by MaxHeaderBytes); the body is canonicalized and hashed
// in one pass. [Sign] wraps this for an io.Reader. Canonicalization finds
// the few places it must change with a vector scan and hashes the input
// between them as it stands, or rewrites large relaxed bodies 64 bytes at a
// time, so its cost is close to that of SHA-256 alone; the same holds for
// verification. On amd64 the scans, the base64 decoding of b=, bh= and p=,
// and the search for the end of the header and its fields use AVX-512 (or
// AVX2) where the CPU has it, found with CPUID; elsewhere they are plain Go
// with the same results, which the tests and fuzz targets compare.
//
//	s, _ := dkim.NewSigner(&dkim.SignOptions{Domain: "example.com", Selector: "2026", Key: key})
//	io.Copy(s, msg)
//	s.Close()
//	out := s.Field() + original
//
// Supported: rsa-sha256 with 1024 to 4096-bit keys and ed25519-sha256
// (RFC 8463) through any crypto.Signer; simple and relaxed canonicalization
// for header and body (RFC 6376 section 3.4); the default header list
// ([DefaultSignedHeaders]) over-signed so that added fields break the
// signature (section 8.15); optional i=, l=, t= and x= (section 3.5).
// Domains and selectors in U-labels are looked up as A-labels (RFC 8616
// section 4).
//
// # Verifying
//
// [Verify] (or a streaming [Verifier]) checks every DKIM-Signature field up
// to MaxSignatures (default 5), looking keys up concurrently through the
// small [Resolver] interface with the caller's ctx, and returns one [Result] per
// signature with an RFC 8601 section 2.7.1 status (pass, fail, neutral,
// temperror, permerror, policy), a reason, a typed error and the d=, s=,
// i=, a= and header.b values. A message without signatures gives no
// results (RFC 8601 "none").
//
// Checks, with the status each gives:
//   - tag-list syntax, duplicate tags, missing required tags, v= other than
//     1, unknown c= or q=, h= without from, i= outside d=, x= not after t=
//     (RFC 6376 sections 3.2, 3.5, 6.1.1): permerror;
//   - x= in the past or t= in the future beyond ClockSkew: permerror;
//   - a second From field (RFC 6376 section 8.15, RFC 5322 section 3.6):
//     permerror; no From field at all: neutral;
//   - no key record (NXDOMAIN or NODATA), a key record that does not
//     parse, a revoked key (empty p=), k= not matching a=, h= not allowing
//     the hash, s= not allowing email, t=s with a subdomain i=, more than
//     one key record, an RSA key under 1024 bits (RFC 6376 section 6.1.2,
//     RFC 8301 section 3.2) or over 8192 bits (a cost bound): permerror;
//   - a DNS failure or timeout: temperror;
//   - rsa-sha1 (RFC 8301 section 3.1) unless AllowSHA1, an RSA key under a
//     MinRSABits above 1024, or signatures beyond MaxSignatures: policy;
//   - a body hash mismatch, a bad signature, l= longer than the body, or
//     content after the l= length (unless AllowUnsignedContent): fail.
//     [Result.UnsignedLength] reports the unsigned length (RFC 6376 section
//     8.2).
//
// # Keys
//
// [GenerateKey], [MarshalPrivateKeyPEM], [ParsePrivateKeyPEM],
// [FormatKeyRecord], [SplitTXT] and [ZoneLine] make and publish keys;
// [ParseKeyRecord] and [ParseSignature] are the strict parsers.
//
// # Reuse for ARC
//
// [SplitHeader], [SelectFields], [HashFields] and [CanonicalizeHeader] are
// the header-hashing steps of RFC 6376 sections 3.4 and 3.7, and
// [BodyHasher] the body-hashing one, exported so that ARC (RFC 8617) can
// share them.
//
// # Deviations
//
//   - QUIRK: a bare LF is read as CRLF when canonicalizing, in the header
//     and in the body, so that messages stored with Unix line endings
//     verify as they did on the wire (most verifiers do the same).
//   - QUIRK: a key record p= holding a bare PKCS#1 RSAPublicKey is accepted
//     as well as the SubjectPublicKeyInfo that RFC 6376 names.
//   - QUIRK: more than one key TXT record is a permerror; RFC 6376 section
//     3.6.2.2 leaves the result undefined.
//   - QUIRK: Go's crypto/rsa refuses keys under 1024 bits unless the
//     program runs with GODEBUG=rsa1024min=0; MinRSABits below 1024 needs
//     that setting too (examples/dkim sets it with a //go:debug line).
//   - The RFC 4871 g= key tag is ignored, as RFC 6376 appendix C.2 says.
package dkim
