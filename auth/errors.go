package auth

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package either is one of these
// (possibly wrapped) or is one of the typed errors below, so callers can branch
// with errors.Is and errors.As.
var (
	// ErrAuthFailed means the credentials were wrong, the user is unknown, the
	// proof did not verify, or the authentication identity may not act as the
	// requested authorization identity. Protocol servers answer it with their
	// "authentication failed" reply (SMTP 535 5.7.8, IMAP NO
	// [AUTHENTICATIONFAILED], POP3 -ERR [AUTH]). Credentials implementations
	// return it (or wrap it) for a bad password or an unknown user.
	ErrAuthFailed = errors.New("auth: authentication failed")

	// ErrUnsupportedMechanism means the mechanism name is unknown, or it is
	// not enabled by the options in use.
	ErrUnsupportedMechanism = errors.New("auth: unsupported mechanism")

	// ErrTLSRequired means a plaintext-equivalent mechanism (see
	// MechanismInfo.PlaintextEquivalent) was requested over a connection
	// without TLS and the caller did not opt in with AllowInsecure.
	ErrTLSRequired = errors.New("auth: mechanism requires TLS")

	// ErrCanceled means the client canceled the exchange (a "*" line in SMTP
	// AUTH, IMAP AUTHENTICATE and POP3 AUTH; RFC 4954 section 4).
	ErrCanceled = errors.New("auth: exchange canceled by client")

	// ErrMalformed is the target of errors.Is for every *MalformedError.
	ErrMalformed = errors.New("auth: malformed message")

	// ErrServerSignature means the SCRAM server signature (v=) did not match,
	// or the server reported success without sending one (RFC 5802 section
	// 5.1: the client MUST verify it). The server is not the one that holds
	// the user's secret; the client must not trust the session.
	ErrServerSignature = errors.New("auth: server signature mismatch")

	// ErrChannelBinding means channel binding data could not be computed for
	// the connection, or the data the client sent does not match the
	// server's own view of the channel (RFC 5802 section 6).
	ErrChannelBinding = errors.New("auth: channel binding failure")

	// ErrDone means a message arrived after the exchange had finished.
	ErrDone = errors.New("auth: exchange already finished")
)

// MalformedError reports a message that does not follow the mechanism's
// grammar. It matches ErrMalformed with errors.Is. Protocol servers answer
// it with a syntax error (SMTP 501 5.5.2, IMAP BAD).
type MalformedError struct {
	Mechanism string // mechanism name, e.g. "PLAIN"
	Reason    string // short description of what is wrong
}

func (e *MalformedError) Error() string {
	return "auth: malformed " + e.Mechanism + " message: " + e.Reason
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

func malformed(mech, reason string) error {
	return &MalformedError{Mechanism: mech, Reason: reason}
}

// LimitError reports a message or field larger than the configured bound.
// It also matches ErrMalformed with errors.Is, because protocol servers
// treat it like a syntax error.
type LimitError struct {
	Limit string // name of the limit, e.g. "MaxResponseBytes"
	Max   int    // the bound that was exceeded
}

func (e *LimitError) Error() string {
	return "auth: " + e.Limit + " exceeded (max " + strconv.Itoa(e.Max) + ")"
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *LimitError) Is(target error) bool { return target == ErrMalformed }

// ServerError is returned by a SCRAM client when the server ends the
// exchange with an error attribute (e=, RFC 5802 section 7, e.g.
// "invalid-proof", "channel-bindings-dont-match"). It matches ErrAuthFailed.
type ServerError struct {
	Mechanism string
	Message   string // the server-error-value as received
}

func (e *ServerError) Error() string {
	return "auth: " + e.Mechanism + " server error: " + e.Message
}

// Is makes errors.Is(err, ErrAuthFailed) true.
func (e *ServerError) Is(target error) bool { return target == ErrAuthFailed }

// IterationError is returned by a SCRAM client when the server asks for an
// iteration count outside [ClientOptions.MinIterations,
// ClientOptions.MaxIterations]. A low count weakens the stored secret; a huge
// one is a denial-of-service attempt against the client.
type IterationError struct {
	Iterations int
	Min, Max   int
}

func (e *IterationError) Error() string {
	return "auth: SCRAM iteration count " + strconv.Itoa(e.Iterations) +
		" outside accepted range [" + strconv.Itoa(e.Min) + ", " + strconv.Itoa(e.Max) + "]"
}
