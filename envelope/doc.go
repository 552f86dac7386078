// Package envelope holds what travels outside a message: the SMTP envelope
// (reverse-path, forward-paths and their ESMTP parameters), the facts of
// the session that carried it, trace fields, enhanced status codes, and
// the notifications that report on delivery (DSN, MDN), together with the
// rules for automatic replies.
//
// # Envelope and header
//
// The envelope routes a message; the header is what people read. MAIL
// FROM carries the reverse-path, where bounces go; RCPT TO carries one
// forward-path per recipient. From, To and Cc in the header need not match
// them:
//
//   - Bcc recipients appear only in the envelope. The copy that is sent
//     has no Bcc field (RFC 5322 section 3.6.3).
//   - A mailing list keeps the author's From, but uses its own
//     reverse-path so that bounces reach the list, not the author.
//   - A bounce is sent with the null reverse-path "<>", so that it can
//     never cause another bounce; nothing is ever sent to "<>".
//   - At final delivery the reverse-path is written into Return-Path, and
//     every hop prepends a Received field.
//
// A submission client that has only a message takes the envelope from the
// header once, with FromMessage (recipients from To, Cc and Bcc, or from the
// newest Resent- block; the reverse-path from Sender or From), and sends
// the copy that TransmitCopy makes: the same bytes without Bcc. A relay
// never does this: it uses the envelope it was given and leaves the header
// alone. See Example_split.
//
// # Paths and parameters
//
// ParseReversePath and ParseForwardPath take the text after "MAIL FROM:" or
// "RCPT TO:" that SplitPathAndParams separates from the parameters;
// ParseMailParams and ParseRcptParams read the parameters, and the String
// methods write them back. Errors are *Error values that carry the reply
// code and the enhanced status code to answer with (5.1.7 for a bad sender,
// 5.1.3 for a bad recipient, 5.6.7 for UTF-8 without SMTPUTF8, 5.5.4 for a
// bad parameter, 552 5.3.4 for an impossible SIZE) and wrap a sentinel
// (ErrSyntax, ErrTooLong, ErrNonASCII, ErrDuplicate, ErrBadValue) for
// errors.Is. Path.RelayTricks recognises the percent hack, bang paths, a
// quoted "@" and source routes for relay policy; Path.ToASCII and
// Path.ToUnicode convert domains between A-labels and U-labels.
//
// # RFCs, and where they are implemented
//
//   - RFC 5321 section 4.1.2 (Path, Mailbox, Local-part, Domain,
//     esmtp-param), 4.1.3 (address literals), 4.5.3.1 (limits 64, 255 and
//     256 octets): path.go, pathutil.go, params.go.
//   - RFC 6531 section 3.3 (UTF-8 addresses with SMTPUTF8), RFC 5890 and
//     5891 (IDNA, through golang.org/x/net/idna): path.go, pathutil.go.
//   - RFC 1870 (SIZE), RFC 6152 (BODY=8BITMIME), RFC 3030 (BINARYMIME),
//     RFC 3461 sections 4.1 to 4.4 (NOTIFY, ORCPT, RET, ENVID) and 4
//     (xtext), RFC 6533 section 3 (utf-8-addr-xtext, utf-8-addr-unitext),
//     RFC 4954 section 5 (AUTH=), RFC 8689 (REQUIRETLS), RFC 6710
//     (MT-PRIORITY), RFC 2852 (BY): params.go, xtext.go.
//   - RFC 3848, RFC 6531 section 3.7.3 and RFC 2033 (protocol keywords):
//     envelope.go.
//   - RFC 5321 sections 4.4 and 6.3 (Received, Return-Path, loop
//     detection): received.go, received_parse.go.
//   - RFC 5322 sections 3.6.3 and 3.6.6 (Bcc, Resent- blocks):
//     fromheader.go.
//   - RFC 3463 and the IANA registry of enhanced status codes (with RFC
//     3886, 4468, 4954, 5248, 6531, 6710, 7293, 7372, 7505, 8617, 8689):
//     status.go.
//   - RFC 3464 and RFC 6522 (DSN, multipart/report), RFC 3462
//     (text/rfc822-headers), RFC 6533 section 6 (global DSN): dsn.go,
//     dsn_build.go, entity.go.
//   - RFC 8098 (MDN): mdn.go. RFC 3834 (automatic responses): autoreply.go.
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
//     writes it (RFC 5321 section 3.3 and appendix C). An IPv6 address
//     literal without its "IPv6:" tag is refused even though it matches the
//     General-address-literal grammar.
//   - QUIRK: FromMessage skips address list items that do not parse.
//   - ParseDSN accepts what real MTAs send, each noted with a warning:
//     QUIRK: a status part outside multipart/report; per-recipient fields
//     without the blank line after the per-message fields; a missing Status
//     (taken from the Diagnostic-Code or the Action) or Action (from the
//     Status); "Action: expired" read as failed 4.4.7 with class 5;
//     addresses without a type or in angle brackets; and a
//     multipart/report; report-type=delivery-status whose boundaries are
//     broken, read from the flat body.
//   - ParseDSN and ParseMDN read the whole message into memory, bounded by
//     ReportOptions.MaxBytes (10 MiB); parts are split by mime.MultipartReader
//     within MaxParts and MaxDepth, so nested parts are copied at most
//     MaxDepth times.
package envelope
