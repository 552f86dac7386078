// Package smtp implements SMTP for embedding: a server for MTA (RFC 5321),
// message submission (RFC 6409) and LMTP (RFC 2033) use, a client for the
// same three roles, and MX delivery. The outbound queue is in smtp/queue.
//
// # Server
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
//   - RFC 9422 LIMITS (RCPTMAX, and MAILMAX from Server.MaxTransactions).
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
// # Client
//
// Dial (or NewClient over any net.Conn) reads the greeting, says EHLO
// (falling back to HELO; LHLO for LMTP) and parses the reply into
// Capabilities. TLS follows ClientOptions.TLS: TLSOpportunistic (STARTTLS
// when offered), TLSRequired (abort before anything else is sent when
// STARTTLS is missing or refused), TLSImplicit (port 465) or TLSOff. After
// STARTTLS, bytes the server sent behind its 220 are discarded and EHLO is
// said again, since nothing learned in plaintext is trusted (RFC 3207).
//
// Client.Auth picks the strongest mechanism offered that the options allow
// (SCRAM-PLUS, SCRAM, CRAM-MD5, then PLAIN/LOGIN/tokens) and never sends a
// plaintext-equivalent one without TLS unless auth.ClientOptions.AllowInsecure
// is set. Client.Send runs one transaction from an envelope.Envelope: with
// PIPELINING, MAIL, every RCPT and DATA go out in one round trip (RFC 2920);
// BDAT is used for BODY=BINARYMIME or on request (RFC 3030). The result has
// one entry per recipient (partial success is ordinary), and LMTP gives each
// recipient its own data reply. Message data is dot-stuffed; a bare CR or
// LF aborts the transaction (ClientOptions.NormalizeLineEndings converts it
// instead). Every phase has the timeout of RFC 5321 section 4.5.3.2, every
// call takes a ctx, and replies are bounded in length and line count. A
// server reply that is not 2xx or 3xx is an *Error.
//
// Submit sends a message the way a mail user agent does: the envelope comes
// from the header (envelope.FromMessage), Date and Message-ID are added when
// missing, and Bcc is removed from what is sent. SendMail sends to given
// addresses without looking at the header.
//
// # Delivery
//
// LookupNextHops finds where mail for a domain goes (RFC 5321 section 5.1):
// MX records by preference, shuffled among equals, or the implicit MX; a
// null MX (RFC 7505) is a permanent failure; IDN domains become A-labels;
// address literals are used as they are. Deliver tries the hosts and
// addresses in order and classifies each recipient's outcome as Delivered,
// Temporary or Permanent, which smtp/queue turns into retries and DSNs.
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
//
// QUIRK: Deliver with TLSOpportunistic and no TLSConfig encrypts to MX hosts
// without verifying their certificates (RFC 7435 opportunistic security, as
// Postfix's "may" level), because MX hosts rarely have a certificate for
// their MX name. Submit and Dial verify certificates unless told otherwise.
//
// QUIRK: a BODY=8BITMIME parameter is dropped when the server does not
// announce 8BITMIME, and the message is sent as is, as most MTAs do.
package smtp
