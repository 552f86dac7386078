// Package smtp implements an SMTP server for MTA (RFC 5321), message
// submission (RFC 6409) and LMTP (RFC 2033) use, made for embedding.
//
// A Server is configured by its fields (every limit has a safe default) and
// serves connections with ListenAndServe or Serve; Shutdown drains sessions
// and Close stops at once. For every connection, Backend.NewSession returns a
// Session whose methods are named after the commands (Mail, Rcpt, Data,
// Reset, Logout) and take a context that is cancelled when the connection
// ends. The error a method returns decides the reply: an *Error chooses the
// code, enhanced code and text. Optional features are optional Session
// interfaces: HelloChecker, AuthChecker, Verifier and LMTPSession.
//
// Durability: the server answers 250 to DATA or BDAT LAST only after
// Session.Data returned nil, so Data must not return until the message is
// stored durably.
//
// # Supported protocol
//
//   - RFC 5321: EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY (252 by
//     default, section 3.5.3), HELP; sequencing (503) and syntax errors
//     (500/501); the limits of section 4.5.3.1 and the timeouts of section
//     4.5.3.2; Received fields (section 4.4, with RFC 3848 "with" keywords);
//     loop detection (section 6.3).
//   - RFC 2920 PIPELINING: commands are read ahead and replies are written in
//     batches, flushed when no complete command is buffered.
//   - RFC 6152 8BITMIME, RFC 6531 SMTPUTF8, RFC 1870 SIZE (refused at MAIL).
//   - RFC 3030 CHUNKING and BINARYMIME: BDAT chunks stream to Data through a
//     pipe; a chunk sent after a failed MAIL or RCPT is read and discarded.
//   - RFC 3461 DSN: RET, ENVID, NOTIFY and ORCPT reach the backend through
//     the envelope package's MailParams and RcptParams.
//   - RFC 2034 / RFC 3463 ENHANCEDSTATUSCODES on every reply.
//   - RFC 3207 STARTTLS and RFC 8314 implicit TLS.
//   - RFC 4954 AUTH with the mechanisms of the auth package.
//   - RFC 8689 REQUIRETLS (advertised and accepted only over TLS).
//   - RFC 9422 LIMITS (RCPTMAX).
//   - RFC 2033 LMTP: LHLO and one reply per recipient (LMTPSession).
//   - Postfix XCLIENT and the haproxy PROXY protocol v1/v2, from trusted
//     networks only.
//
// # Hardening
//
// DATA content must use CRLF: a bare CR or LF anywhere is read to the real
// "\r\n.\r\n" and the message is rejected with 550 5.6.0, so no SMTP
// smuggling variant can end a message early or start a second one
// (Server.NormalizeBareLF accepts bare LF instead, as Postfix can). Command
// lines are bounded (500), recipients are bounded (452, and a tighter bound
// for the null reverse-path), repeated errors end the session (421), each
// phase has a per-read timeout and a whole-phase deadline (so a slowloris
// sender is cut off too), connections are bounded
// globally and per client IP (421), HTTP commands get 502 and a close,
// plaintext pipelined behind STARTTLS is discarded and all pre-TLS state is
// forgotten, AUTH is offered only over TLS unless Server.AllowInsecureAuth,
// failed AUTH attempts are delayed more each time and end the session, a
// second AUTH gets 503, and a reply text can never inject a reply line. A
// panicking backend is recovered, answered with 421, and logged; the server
// keeps running.
//
// Quirks (deliberate deviations, also marked in the code):
//
// QUIRK: command lines may end in a bare LF, as in Postfix; only DATA is
// strict (see internal/smtpwire).
//
// QUIRK: "MAIL FROM: <a@b>" with a space after the colon is accepted.
//
// QUIRK: in NormalizeBareLF mode a bare CR is still rejected, and only a
// real "\r\n.\r\n" ends the data.
//
// QUIRK: AUTH is not advertised or accepted before TLS at all (RFC 4954
// allows non-plaintext mechanisms), unless AllowInsecureAuth is set.
//
// QUIRK: the EXPN command is not implemented (502).
package smtp
