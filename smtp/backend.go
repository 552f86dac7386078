package smtp

import (
	"context"
	"crypto/tls"
	"io"
	"net/netip"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
)

// Backend creates a Session for every connection.
type Backend interface {
	// NewSession is called once a connection is accepted (and after a
	// PROXY header or XCLIENT changed its identity). A non-nil error
	// rejects the connection at the greeting: an *Error decides the reply
	// (default 554 5.7.0) and the connection is closed — this is the
	// connect-time check. ctx is cancelled when the connection ends.
	NewSession(ctx context.Context, c *ConnInfo) (Session, error)
}

// BackendFunc adapts a function to Backend.
type BackendFunc func(ctx context.Context, c *ConnInfo) (Session, error)

// NewSession calls f.
func (f BackendFunc) NewSession(ctx context.Context, c *ConnInfo) (Session, error) {
	return f(ctx, c)
}

// Session is one connection's view of the backend. Its methods are named
// after the commands that call them and are called from a single goroutine
// at a time. Every ctx passed to them is cancelled when the connection ends
// (closed by the client, a timeout, Server.Close); Data's ctx also carries
// Server.DataTimeout, and after DATA it is cancelled as soon as the client
// hangs up while Data is still working on the complete message.
//
// A method's error decides the reply: return an *Error to choose the code
// and text; any other error becomes 451 4.3.0 (the text is logged, not
// sent). A panic is recovered, logged, answered with 421, and the connection
// is closed; the server keeps running.
type Session interface {
	// Mail starts a transaction (RFC 5321 section 4.1.1.2). from is the
	// parsed reverse-path (null for bounces); params holds the parsed ESMTP
	// parameters (SIZE, BODY, SMTPUTF8, DSN's RET and ENVID, AUTH,
	// REQUIRETLS, ...), already checked against the server's limits.
	Mail(ctx context.Context, from envelope.Path, params *envelope.MailParams) error

	// Rcpt adds a recipient (RFC 5321 section 4.1.1.3). Decide relay
	// policy here: reject unknown local users (ErrNoSuchUser) and
	// non-local domains you do not relay for (ErrRelayDenied), so that no
	// bounce is ever needed later. params carries DSN's NOTIFY and ORCPT.
	Rcpt(ctx context.Context, to envelope.Path, params *envelope.RcptParams) error

	// Data receives the message content: dot-unstuffed, CRLF line endings,
	// with the Received field prepended when Server.AddReceived is set. r
	// is streamed from the connection and is valid only until Data
	// returns. If reading r fails (the connection dropped, the size limit,
	// a bare CR or LF, a loop), Data must return an error and must not
	// deliver the message; the server then replies with the reason.
	//
	// Durability contract: the server answers 250 only after Data returns
	// nil, and the client is then entitled to forget the message. So Data
	// must not return nil until the message is safely stored (written and
	// fsynced, or handed to a queue that is).
	Data(ctx context.Context, r io.Reader) error

	// Reset aborts the current transaction (RSET, EHLO/HELO, STARTTLS,
	// AUTH, a failed DATA, or the end of a completed one).
	Reset(ctx context.Context)

	// Logout is called once when the connection ends.
	Logout(ctx context.Context) error
}

// ConnInfo describes a connection. The server fills it in as the session
// progresses (HELO, TLS, AUTH, XCLIENT) and passes the same pointer to
// NewSession; Session methods may read it, for example to allow relaying
// only for Auth != nil. Do not keep it past Logout or modify it.
type ConnInfo struct {
	// RemoteAddr and LocalAddr are the connection's endpoints; after a
	// trusted PROXY header or XCLIENT they are the original client's.
	RemoteAddr, LocalAddr netip.AddrPort
	// Hostname is the server's own name (Server.Hostname).
	Hostname string
	// Mode is the server's mode.
	Mode Mode
	// Helo is the argument of the last EHLO, HELO or LHLO; ESMTP is true
	// after EHLO or LHLO.
	Helo  string
	ESMTP bool
	// TLS is the TLS state after STARTTLS or on an implicit-TLS
	// connection, nil on plaintext.
	TLS *tls.ConnectionState
	// Auth is the identity after a successful AUTH, nil before.
	Auth *auth.Identity
	// ClientName is the verified PTR name given by XCLIENT NAME, or "".
	ClientName string
	// Proxied is true when the address came from a PROXY header or
	// XCLIENT.
	Proxied bool
}

// HelloChecker is an optional Session interface: Hello is called at every
// EHLO, HELO and LHLO after ConnInfo.Helo is set, so the backend can reject
// a bad HELO name (for example 550 5.7.1). A rejected HELO leaves the session
// waiting for another one.
type HelloChecker interface {
	Hello(ctx context.Context, c *ConnInfo) error
}

// AuthChecker is an optional Session interface: Authenticated is called
// after a successful AUTH exchange, before 235 is sent; an error refuses the
// login (for example a disabled account) and counts as a failed attempt.
type AuthChecker interface {
	Authenticated(ctx context.Context, id auth.Identity) error
}

// Verifier is an optional Session interface for VRFY (RFC 5321 section
// 3.5.1). Return nil for 250, or an *Error (for example 550 5.1.1 or 252).
// Without it, VRFY gets 252 2.1.5, as RFC 5321 section 3.5.3 suggests.
type Verifier interface {
	Verify(ctx context.Context, arg string) error
}

// LMTPSession is an optional Session interface for LMTP (RFC 2033 section
// 4.2): LMTPData receives the message once and reports a status per
// recipient through status. Recipients without a status get LMTPData's
// error (250 when it is nil). Without it, an LMTP server calls Data and
// gives every recipient its result.
type LMTPSession interface {
	LMTPData(ctx context.Context, r io.Reader, status StatusCollector) error
}

// StatusCollector receives per-recipient LMTP results.
type StatusCollector interface {
	// SetStatus records the result for the recipient with the given index
	// (in RCPT order, counting accepted recipients only); nil means 250.
	SetStatus(index int, err error)
	// Recipients returns the accepted recipients in RCPT order.
	Recipients() []envelope.Path
}
