// Package smtpwire is the SMTP wire codec shared by the Yubin SMTP server and
// client. It parses and formats on bufio.Reader and bufio.Writer and knows
// nothing about sockets or sessions.
//
// It implements:
//   - bounded command-line reading (RFC 5321 section 4.5.3.1.4: 512 octets
//     minimum, configurable maximum) with ReadLine;
//   - command parsing (RFC 5321 section 4.1.1) with ParseCommand;
//   - reply formatting and parsing (RFC 5321 section 4.2, enhanced status
//     codes from RFC 2034 and RFC 3463) with WriteReply and ReadReply; reply
//     text is split on every CR and LF so that no text can inject a reply;
//   - the DATA dot-reader (RFC 5321 section 4.5.2) with strict CRLF and
//     SMTP smuggling detection (CVE-2023-51764/5/6), and the matching
//     DotWriter for clients;
//   - the BDAT chunk helpers (RFC 3030 section 2).
//
// QUIRK: command lines may end in a bare LF (the CR is optional), as in
// Postfix and most MTAs; only the DATA content is strict about CRLF, because
// that is where an ambiguous line ending can split one message into two.
//
// QUIRK: in DotOptions.NormalizeBareLF mode a bare LF is rewritten to CRLF,
// but it never starts a line for the purposes of the end-of-data sequence:
// only a real "\r\n.\r\n" ends DATA, as in Postfix's
// smtpd_forbid_bare_newline=normalize. A bare CR is always an error.
package smtpwire
