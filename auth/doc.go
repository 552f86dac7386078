// Package auth implements SASL (RFC 4422) mechanisms for mail protocols,
// each as a client and as a server, plus the base64 line codec that SMTP
// AUTH, IMAP AUTHENTICATE and POP3 AUTH share.
//
// # Mechanisms
//
//   - PLAIN (RFC 4616): authzid NUL authcid NUL passwd, each at most 255 octets.
//   - LOGIN (draft-murchison-sasl-login-00): the server prompts "Username:"
//     then "Password:".
//   - CRAM-MD5 (RFC 2195): challenge <random.time@host>, response
//     "user hex(HMAC-MD5(password, challenge))".
//   - SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677) and their -PLUS
//     variants with channel binding (RFC 5056, RFC 5802 section 6):
//     tls-exporter (RFC 9266) on TLS 1.3, tls-server-end-point (RFC 5929
//     section 4) or tls-unique (RFC 5929 section 3) on TLS 1.2 and below.
//     The GS2 header (RFC 5801 section 4) flags n, y and p= are checked,
//     including the downgrade rule: a server that supports -PLUS fails a
//     client that sent "y". The client verifies the server signature and
//     bounds the iteration count it accepts.
//   - OAUTHBEARER (RFC 7628), with the error JSON challenge (section 3.2.2)
//     and the client's dummy %x01 response (section 3.2.3).
//   - XOAUTH2 (Google's format: user=U^Aauth=Bearer T^A^A).
//   - EXTERNAL (RFC 4422 appendix A), with the identity supplied by the
//     application (ServerOptions.ExternalIdentity).
//   - ANONYMOUS (RFC 4505), with trace information bounded to 255 characters.
//
// Info describes each mechanism: whether it is plaintext-equivalent (and so
// needs TLS), whether it takes an initial response, and whether the server
// speaks first. Protocol servers advertise ServerMechanisms(opts), which
// offers nothing before TLS unless ServerOptions.AllowInsecure is set (and
// then everything enabled, PLAIN included: filter with Info to keep only
// what is not plaintext-equivalent), and leaves out the -PLUS variants when
// no channel binding is available; NewServer refuses the same.
//
// # Server side
//
// The application answers through one interface, Credentials: a password
// check, a secret lookup (SCRAM secrets per hash, or a plaintext password for
// CRAM-MD5), bearer-token validation, and the authorization decision (RFC 4422
// section 3.4.1: may authn act as authz). DeriveSCRAMSecret derives SCRAM
// secrets; SCRAMSecret.String writes the RFC 5803 form
// "SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey" that PostgreSQL stores,
// SCRAMSecret.DovecotString writes Dovecot's
// "{SCRAM-SHA-256}iterations,salt,StoredKey,ServerKey", and ParseSCRAMSecret
// reads both (and GNU SASL's variant of the latter), so no application needs
// to store plaintext passwords; SCRAMSecret.CheckPassword lets PLAIN and
// LOGIN be checked against such a secret. MemoryStore is a ready
// Credentials implementation.
//
// A server runs an exchange with NewServer and repeated ServerMechanism.Next
// calls; Identity then says who authenticated. Proofs, digests, tokens and
// passwords are compared in constant time (crypto/subtle, hmac.Equal). Every
// message is bounded (ServerOptions.MaxResponseBytes); malformed input gives a
// *MalformedError, oversize input a *LimitError, bad credentials
// ErrAuthFailed, and a failing Credentials backend its own error unchanged
// (a temporary failure for the protocol). A SCRAM exchange for an unknown
// user runs to the end with a made-up secret and fails like a wrong password.
//
// # Client side
//
// ChooseMechanism picks the strongest offered mechanism: SCRAM-SHA-256-PLUS
// and SCRAM-SHA-1-PLUS when a TLS state is available, then SCRAM-SHA-256,
// SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN (or OAUTHBEARER, XOAUTH2 when only a
// token is given), in an order the caller can replace. It never picks, and
// NewClient never builds, a plaintext-equivalent mechanism without TLS unless
// ClientOptions.AllowInsecure is set. After the server reports success the
// protocol client calls ClientMechanism.Finish, which fails when a SCRAM
// server signature was missing or wrong.
//
// # Line codec
//
// EncodeInitialResponse/DecodeInitialResponse ("=" is an empty initial
// response, RFC 4954 section 4), EncodeChallenge/DecodeChallenge and
// EncodeResponse/DecodeResponse ("*" cancels) convert between SASL messages
// and protocol lines, with a size bound and strict base64.
//
// # Driving an exchange
//
// ServeExchange and RunClientExchange run a whole exchange over a line
// protocol given one callback that moves a line each way, so the SMTP, IMAP
// and POP3 packages share the handling of initial responses, "*"
// cancellation, size bounds, and the SCRAM server signature, which those
// protocols carry as a last challenge answered by an empty line (RFC 4954
// section 4).
//
// # Deviations
//
//   - QUIRK: SASLprep (RFC 4013) is replaced by its successor, the PRECIS
//     OpaqueString profile (RFC 8265 section 4.2, golang.org/x/text). It uses
//     NFC instead of NFKC, so compatibility characters are not folded; it
//     rejects unassigned and default-ignorable code points (SASLprep maps
//     SOFT HYPHEN to nothing; OpaqueString refuses it). ASCII passwords are
//     unaffected.
//   - QUIRK: a LOGIN server accepts the user name as an initial response
//     ("AUTH LOGIN dXNlcg=="), as Postfix and Exchange do.
//   - QUIRK: failures found in client-first-message (a "y" flag to a server
//     that supports binding, an unsupported channel binding type) end the
//     exchange at once with an error instead of waiting to send an e=
//     attribute in server-final-message; SMTP, IMAP and POP3 cannot carry
//     that attribute with a failure anyway.
//   - PLAIN and LOGIN pass the identity and password to Credentials as
//     received; string preparation of stored passwords is the application's
//     choice (RFC 4616 section 2 leaves it to the server).
//   - tls-server-end-point is refused for certificates whose signature
//     algorithm names no single hash (Ed25519), which RFC 5929 does not
//     define; tls-exporter or tls-unique is used instead.
package auth
