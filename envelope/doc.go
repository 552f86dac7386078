// Package envelope holds what travels outside a message: the SMTP envelope
// (reverse-path, forward-paths and their ESMTP parameters), trace fields,
// enhanced status codes, and the notifications that report on delivery
// (DSN, MDN) together with the rules for automatic replies.
//
// # Envelope and header
//
// The envelope routes a message; the header is what people read. MAIL
// FROM carries the reverse-path, where bounces go; RCPT TO carries one
// forward-path per recipient. From, To and Cc in the header need not match
// them: Bcc recipients appear only in the envelope, a mailing list keeps the
// author's From but uses its own reverse-path, and a bounce is sent with the
// null reverse-path "<>" so that it can never cause another bounce. At
// final delivery the reverse-path is written into Return-Path, and every
// hop prepends a Received field.
//
// # RFCs
//
//   - RFC 5321 section 4.1.2 (Path, Mailbox, Local-part, Domain,
//     address-literal, esmtp-param), section 4.1.3 (address literals),
//     section 4.5.3.1 (size limits 64/255/256), section 4.4 (trace fields).
//   - RFC 6531 section 3.3 (UTF-8 in addresses with SMTPUTF8), RFC 5890 and
//     5891 (IDNA A-labels and U-labels, through golang.org/x/net/idna).
//   - ESMTP parameters: RFC 1870 (SIZE), RFC 6152 (BODY=8BITMIME), RFC 3030
//     (BODY=BINARYMIME), RFC 6531 (SMTPUTF8), RFC 3461 sections 4.1 to 4.4
//     (NOTIFY, ORCPT, RET, ENVID; xtext in section 4), RFC 6533 section 3
//     (utf-8-addr-xtext, utf-8-addr-unitext), RFC 4954 section 5 (AUTH=),
//     RFC 8689 (REQUIRETLS), RFC 6710 (MT-PRIORITY), RFC 2852 (BY).
//   - RFC 3463 and the IANA registry of enhanced status codes.
//
// # Paths
//
// ParseReversePath and ParseForwardPath take the text after "MAIL FROM:" or
// "RCPT TO:" that SplitPathAndParams separates from the parameters. Errors
// are *Error values that carry the reply code and the enhanced status code
// to answer with (5.1.7 for a bad sender, 5.1.3 for a bad recipient, 5.6.7
// for UTF-8 without SMTPUTF8), and wrap a sentinel (ErrSyntax, ErrTooLong,
// ErrNonASCII, ...) for errors.Is. Path.RelayTricks recognises the
// percent hack, bang paths, a quoted "@" and source routes for relay policy.
//
// # Deviations
//
//   - QUIRK: SplitPathAndParams skips spaces after the colon and at the end
//     of the line ("MAIL FROM: <a@b>"), which RFC 5321 does not allow but
//     many clients send.
//   - QUIRK: PathOptions.AllowBareAddress accepts a path without angle
//     brackets.
//   - QUIRK: runs of spaces between ESMTP parameters are accepted.
//   - QUIRK: DecodeXtext accepts lower-case hex digits.
//   - A source route is parsed and kept in Path.SourceRoute, but String never
//     writes it (RFC 5321 section 3.3 and appendix C).
package envelope
