// Package message reads and writes Internet messages: the header (RFC 5322,
// RFC 6532), addresses, dates, message identifiers and threads,
// Authentication-Results (RFC 8601), the MIME entity tree (RFC 2045, RFC
// 2046) streamed with IMAP section numbers, and a builder for new mail. It
// builds on package mime for charsets, encoded words, media types, transfer
// encodings and multipart bodies.
//
// A library that reads mail is judged by what it does with the mail people
// actually receive, so every reader here is lenient: it returns the best
// value it can together with a mime.Warnings error that lists what was
// wrong, and it never panics, hangs, or uses unbounded memory. Limits are
// fields of Options structs; a nil *Options means safe defaults.
//
// # Standards
//
//   - RFC 5322: section 2.1 and 2.2 (lines, fields, folding and unfolding,
//     Header, ReadHeader, FormatField), 3.2 (lexical tokens, comments,
//     quoted strings, phrases), 3.3 (date and time, ParseDate, FormatDate),
//     3.4 (addresses, groups, ParseAddressList), 3.6 (fields; 3.6.2
//     originator fields for Author; 3.6.4 identification fields), 4 (the
//     obsolete syntax: 4.3 zones, 4.4 addressing, 4.5 fields).
//   - RFC 6532 (UTF-8 in header fields and addresses; message/global).
//   - RFC 2045 sections 5.2 and 6 (defaults and transfer encodings), RFC
//     2046 section 5 (multipart, message/rfc822, digest defaults), RFC 2047
//     (encoded words in text and phrases), RFC 2183 and RFC 2231 (file
//     names), RFC 2387 (multipart/related), RFC 1468 (ISO-2022-JP).
//   - RFC 3501 section 6.4.5 (IMAP section numbers) and 7.4.2 (body line
//     counts); RFC 8621 section 4.1.4 (text, HTML and attachment selection).
//   - RFC 8601 (Authentication-Results) and RFC 8617 section 4.1.1 (the
//     "i=" instance of ARC-Authentication-Results), RFC 5256 section 2.1 (base
//     subject), RFC 5890 (IDNA, through golang.org/x/net/idna).
//
// # Header
//
// ReadHeader keeps every field's raw bytes, so that writing an unmodified
// header reproduces it byte for byte (DKIM and IMAP depend on it). Get,
// Values, Add, Set, Del, Prepend and Fields work on the ordered list;
// Field.Value unfolds and Header.Text also decodes encoded words.
// FormatField folds at 78 columns (never past 998), at whitespace after
// commas first in structured fields, never inside an encoded word, and
// encodes non-ASCII text unless raw UTF-8 is asked for.
//
// # Addresses
//
// ParseAddressList reads mailboxes and groups, comments, quoted local
// parts, routes, domain literals, encoded display names and raw UTF-8, in
// linear time. Address.ASCIIAddr and UnicodeAddr convert the domain between
// A-labels and U-labels. Author returns the single author that DMARC and
// display code must agree on; its documentation gives the one
// interpretation of ambiguous From fields that the library uses.
//
// # Entities
//
// Walker streams the entity tree depth-first with bounded memory: each
// Entity has its IMAP section, header, media type, disposition, raw and
// decoded body readers (Body, Text), byte offsets and line counts.
// ReadStructure builds the whole tree without keeping bodies; FindBodies
// chooses the text, HTML and attachment parts as JMAP does. Depth and part
// counts are capped (WalkOptions).
//
// # Builder
//
// Builder writes text and HTML alternatives, inline images in
// multipart/related, streamed attachments, and a forwarded message,
// choosing 7bit, quoted-printable or base64 from the content. Non-ASCII
// file names are written as RFC 2231 parameters plus a legacy RFC 2047
// name=. An option writes Japanese mail as ISO-2022-JP. Bcc is never
// written; Recipients gives the envelope recipients.
//
// # Deviations (QUIRK)
//
//   - Header: whitespace before the colon (RFC 5322 section 4.5 obsolete
//     syntax) is accepted with a warning; a line without a colon in the
//     middle of a header is kept as a field with an empty name, and the
//     fields after it are not lost. When the first line of a header is not
//     a field at all, the section has no header and that line starts the
//     body. A whitespace-only line followed by a line that is not a field
//     ends the header.
//   - Addresses: leading, trailing and doubled dots in a local part (common
//     in Japanese mobile carrier addresses) are accepted with a warning;
//     spaces between two words of a local part are not. Encoded words
//     inside quoted display names are decoded. An address list item that
//     does not parse is dropped whole, never cut down.
//   - Dates: military zones other than "Z" are read as -0000, as RFC 5322
//     section 4.3 recommends; an unsigned "0200" after the time is read as
//     +0200.
//   - Authentication-Results: a missing authserv-id (Microsoft) and bare
//     key=value pairs such as "action=none" are accepted and kept.
//   - Entities: a transfer encoding on a multipart is ignored; an unknown
//     transfer encoding leaves the body undecoded (RFC 2045 section 6.4);
//     a multipart without a boundary is read as text/plain; a multipart in
//     which no delimiter is found gets one leaf child with its section and
//     media type (Entity.NoParts) holding its body, up to the multipart
//     preamble limit. An encoded
//     message/rfc822 (RFC 2046 section 5.2.1 forbids it) is decoded and
//     walked; the offsets of the entities inside it count bytes of the
//     decoded body and their InEncoded field is set.
//   - Text bodies labelled us-ascii or not labelled, and 8-bit header text
//     (display names, Header.Text), are read as UTF-8 where valid and as
//     windows-1252 elsewhere.
//   - FormatField cannot fold a single token of a structured field that is
//     longer than 998 characters; it is written as is.
package message
