package smtp

import (
	"errors"
	"strconv"

	"github.com/yubinmail/yubin/envelope"
)

// EnhancedCode is an RFC 3463 enhanced status code such as 5.1.1.
type EnhancedCode = envelope.StatusCode

// Error is an SMTP reply carried as a Go error. A Session method that returns
// an *Error decides the reply the server sends: Code is the RFC 5321 reply
// code, EnhancedCode the RFC 3463 code (when zero, the server uses
// class.0.0), and Message the text. Message may contain line breaks: every
// CR, LF or CRLF starts a new continuation line of the same reply, so a
// message can never inject a reply of its own.
//
// The client side of this package returns *Error for every non-2xx reply.
type Error struct {
	Code         int
	EnhancedCode EnhancedCode
	Message      string
}

// Error implements error.
func (e *Error) Error() string {
	s := "smtp: " + strconv.Itoa(e.Code)
	if !e.EnhancedCode.IsZero() {
		s += " " + e.EnhancedCode.String()
	}
	return s + " " + e.Message
}

// Temporary reports whether the reply is a transient (4xx) failure.
func (e *Error) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// enhanced returns the enhanced code to send, defaulting to class.0.0
// (RFC 3463 section 3.1).
func (e *Error) enhanced() string {
	if !e.EnhancedCode.IsZero() {
		return e.EnhancedCode.String()
	}
	return EnhancedCode{Class: e.Code / 100}.String()
}

func code(class, subject, detail int) EnhancedCode {
	return EnhancedCode{Class: class, Subject: subject, Detail: detail}
}

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or
// Close.
var ErrServerClosed = errors.New("smtp: server closed")

// Errors a Session may return (or that the server uses itself). They are
// values of *Error, so errors.Is matches them and errors.As extracts the
// reply.
var (
	// ErrAuthRequired is the reply to MAIL before AUTH in submission mode
	// (RFC 4954 section 6).
	ErrAuthRequired = &Error{Code: 530, EnhancedCode: code(5, 7, 0), Message: "Authentication required"}
	// ErrAuthFailed is the reply to failed credentials (RFC 4954 section 6).
	ErrAuthFailed = &Error{Code: 535, EnhancedCode: code(5, 7, 8), Message: "Authentication credentials invalid"}
	// ErrAuthUnavailable is a temporary authentication failure.
	ErrAuthUnavailable = &Error{Code: 454, EnhancedCode: code(4, 7, 0), Message: "Temporary authentication failure"}
	// ErrEncryptionRequired refuses AUTH before TLS (RFC 4954 section 6).
	ErrEncryptionRequired = &Error{Code: 538, EnhancedCode: code(5, 7, 11), Message: "Encryption required for requested authentication mechanism"}
	// ErrMessageTooLarge is the reply to an oversized message (RFC 1870).
	ErrMessageTooLarge = &Error{Code: 552, EnhancedCode: code(5, 3, 4), Message: "Message size exceeds fixed maximum message size"}
	// ErrTooManyRecipients is the reply to RCPT beyond MaxRecipients
	// (RFC 5321 section 4.5.3.1.10).
	ErrTooManyRecipients = &Error{Code: 452, EnhancedCode: code(4, 5, 3), Message: "Too many recipients"}
	// ErrNoSuchUser is a convenience for backends rejecting an unknown
	// local recipient at RCPT.
	ErrNoSuchUser = &Error{Code: 550, EnhancedCode: code(5, 1, 1), Message: "No such user here"}
	// ErrRelayDenied is a convenience for backends refusing to relay.
	ErrRelayDenied = &Error{Code: 550, EnhancedCode: code(5, 7, 1), Message: "Relaying denied"}
	// ErrLoopDetected is the reply to a message with too many Received
	// fields (RFC 5321 section 6.3).
	ErrLoopDetected = &Error{Code: 554, EnhancedCode: code(5, 4, 6), Message: "Too many hops, mail loop detected"}
	// ErrBareLineEnding is the reply to DATA content with a bare CR or LF.
	ErrBareLineEnding = &Error{Code: 550, EnhancedCode: code(5, 6, 0), Message: "Bare CR or LF in message data is not allowed (RFC 5321 section 2.3.8)"}
)

var (
	errShutdown   = &Error{Code: 421, EnhancedCode: code(4, 3, 2), Message: "Server shutting down"}
	errInternal   = &Error{Code: 451, EnhancedCode: code(4, 3, 0), Message: "Internal server error"}
	errPanic      = &Error{Code: 421, EnhancedCode: code(4, 3, 0), Message: "Internal server error, closing connection"}
	errTooMany    = &Error{Code: 421, EnhancedCode: code(4, 7, 0), Message: "Too many errors, closing connection"}
	errTimeout    = &Error{Code: 421, EnhancedCode: code(4, 4, 2), Message: "Timeout, closing connection"}
	errBadSeq     = &Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "Bad sequence of commands"}
	errLineLong   = &Error{Code: 500, EnhancedCode: code(5, 5, 2), Message: "Line too long"}
	errUnknownCmd = &Error{Code: 500, EnhancedCode: code(5, 5, 2), Message: "Command not recognized"}
	errSyntax     = &Error{Code: 501, EnhancedCode: code(5, 5, 4), Message: "Syntax error in parameters or arguments"}
)

// replyFor converts a backend or internal error into a reply. Errors that
// are neither *Error nor *envelope.Error become 451 4.3.0 without their text,
// so internal details never reach the client.
func replyFor(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e.Code < 200 || e.Code > 599 {
			return errInternal
		}
		return e
	}
	var ee *envelope.Error
	if errors.As(err, &ee) {
		c := ee.Reply
		if c < 400 || c > 599 {
			c = 501
		}
		msg := ee.Reason
		if msg == "" {
			msg = ee.Op + " rejected"
		}
		return &Error{Code: c, EnhancedCode: ee.Code, Message: msg}
	}
	return errInternal
}
